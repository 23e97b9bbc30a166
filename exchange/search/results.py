"""The rows behind a page of search hits, read from the database in rank order, with highlighted titles and
snippets (the plain-text rendering is highlighted, never the HTML).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from exchange.documents.models import Document
from exchange.extensions import db
from exchange.i18n import localized
from exchange.practices.models import Practice, Result, Status
from exchange.practices.queries import visible_clause
from exchange.reference.models import Region, Theme
from exchange.search import engine, facets
from exchange.search.documents import practice_date, practice_text, result_text

SNIPPET_CHARS = 240


@dataclass
class Hit:
    kind: str
    id: int
    title: str
    title_html: Markup
    url: str
    snippet: Markup
    date: date | None = None
    region: Region | None = None
    themes: list[Theme] = field(default_factory=list)
    phase: str | None = None
    is_draft: bool = False
    parent_title: str | None = None
    parent_url: str | None = None
    score: float = 0.0
    # Where in an attached document the words were found: "in <a>Evaluatie 2021</a>, p. 3".
    source: Markup | None = None
    # Grouped searches: how many of a practice's measurements match, and the best one (its snippet).
    matching_results: int = 0
    best_result: Hit | None = None

    @property
    def kind_label(self) -> str:
        return str(facets.TYPE_LABELS[self.kind])


def _snippet(text: str, terms: set[str]) -> Markup:
    html = engine.highlight_text(text, terms, max_chars=SNIPPET_CHARS) if terms else ""
    if html:
        return Markup(html)
    short = text[:SNIPPET_CHARS]
    if len(text) > SNIPPET_CHARS:
        short = short.rsplit(" ", 1)[0] + " …"
    return escape(short)


def _title(text: str, terms: set[str]) -> Markup:
    html = engine.highlight_text(text, terms, max_chars=len(text) + 1, fragments=1) if terms else ""
    return Markup(html) if html else escape(text)


@lru_cache(maxsize=2048)
def _plain_practice_text(summary: str | None, body: str | None, target_group: str | None) -> str:
    """`practice_text` of these fields, kept per process: rendering the body's Markdown to text was the page's
    largest cost after the engine. Keyed on the text itself, so an edited practice is never shown stale."""
    return practice_text(SimpleNamespace(summary=summary, body=body, target_group=target_group))


@lru_cache(maxsize=2048)
def _plain_result_text(narrative: str | None) -> str:
    """`result_text` of a measurement's narrative, kept per process (keyed on the text, like the above)."""
    return result_text(SimpleNamespace(narrative=narrative))


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def load_hits(
    user,
    ranked: list[tuple[str, float]],
    terms: set[str],
    children: dict[str, tuple[int, str]] | None = None,
) -> list[Hit]:
    """The rows behind a page of keys, in rank order, with highlighted title and snippet.

    The database query repeats the visibility rule, so a practice unpublished a moment ago and not yet
    re-indexed is not shown (counts come from the index and may lag by that moment). `children` (grouped
    searches): practice key -> (matching results, best result key); the best results are read in the same
    query as any result hits, never one query per row.
    """
    children = children or {}
    ids: dict[str, list[int]] = {}
    for best in (best for _, best in children.values() if best):
        ids.setdefault("result", []).append(int(best.partition(":")[2]))
    for key, _ in ranked:
        kind, _, ident = key.partition(":")
        ids.setdefault(kind, []).append(int(ident))
    rows: dict[str, object] = {}
    if ids.get("practice"):
        stmt = (
            select(Practice)
            .where(Practice.id.in_(ids["practice"]), Practice.status != Status.ARCHIVED, visible_clause(user))
            # Many-to-one reference rows in the same query (joined), the themes in one more.
            .options(joinedload(Practice.region), selectinload(Practice.themes), joinedload(Practice.phase))
        )
        rows.update((f"practice:{p.id}", p) for p in db.session.scalars(stmt))
    if ids.get("result"):
        stmt = (
            select(Result)
            .join(Practice, Practice.id == Result.practice_id)
            .where(Result.id.in_(ids["result"]), Practice.status != Status.ARCHIVED, visible_clause(user))
            .options(
                joinedload(Result.practice).joinedload(Practice.region),
                joinedload(Result.practice).selectinload(Practice.themes),
                joinedload(Result.phase),
            )
        )
        rows.update((f"result:{r.id}", r) for r in db.session.scalars(stmt))
    if ids.get("document"):
        stmt = (
            select(Document)
            .join(Practice, Practice.id == Document.practice_id)
            .where(Document.id.in_(ids["document"]), Practice.status != Status.ARCHIVED, visible_clause(user))
            .options(
                selectinload(Document.practice).selectinload(Practice.region),
                selectinload(Document.practice).selectinload(Practice.themes),
                selectinload(Document.pages),
            )
        )
        rows.update((f"document:{d.id}", d) for d in db.session.scalars(stmt))
    if ids.get("theme"):
        rows.update(
            (f"theme:{t.id}", t) for t in db.session.scalars(select(Theme).where(Theme.id.in_(ids["theme"])))
        )
    if ids.get("region"):
        rows.update(
            (f"region:{r.id}", r)
            for r in db.session.scalars(select(Region).where(Region.id.in_(ids["region"])))
        )
    hits = []
    for key, score in ranked:
        row = rows.get(key)
        if row is None:
            continue
        hit = _hit(key.partition(":")[0], row, terms)
        hit.score = score
        count, best = children.get(key, (0, ""))
        if count:
            hit.matching_results = count
            best_row = rows.get(best)
            hit.best_result = _hit("result", best_row, terms) if best_row is not None else None
        hits.append(hit)
    return hits


def _hit(kind: str, row, terms: set[str]) -> Hit:
    if kind == "practice":
        return Hit(
            kind=kind,
            id=row.id,
            title=row.title,
            title_html=_title(row.title, terms),
            url=url_for("practices.detail", practice_id=row.id),
            snippet=_snippet(_plain_practice_text(row.summary, row.body, row.target_group), terms),
            date=_as_date(practice_date(row)),
            region=row.region,
            themes=list(row.themes),
            phase=localized(row.phase, "name") if row.phase else None,
            is_draft=row.status == Status.DRAFT,
        )
    if kind == "result":
        practice = row.practice
        return Hit(
            kind=kind,
            id=row.id,
            title=row.indicator,
            title_html=_title(row.indicator, terms),
            url=url_for("practices.detail", practice_id=practice.id, _anchor="resultaten"),
            snippet=_snippet(_plain_result_text(row.narrative) or row.indicator, terms),
            date=row.measured_on,
            region=practice.region,
            themes=list(practice.themes),
            phase=localized(row.phase, "name") if row.phase else None,
            is_draft=practice.status == Status.DRAFT,
            parent_title=practice.title,
            parent_url=url_for("practices.detail", practice_id=practice.id),
        )
    if kind == "document":
        return _document_hit(row, terms)
    if kind == "theme":
        return Hit(
            kind=kind,
            id=row.id,
            title=row.name,
            title_html=_title(row.name, terms),
            url=url_for("reference.theme", slug=row.slug),
            snippet=_snippet(row.description or "", terms),
        )
    text = " ".join([row.name, row.province, *(row.municipalities or [])])
    return Hit(
        kind=kind,
        id=row.id,
        title=row.display_name,
        title_html=_title(row.display_name, terms),
        url=url_for("reference.region", slug=row.slug),
        snippet=_snippet(text, terms),
        region=row,
    )


def _found_on(document: Document, terms: set[str]) -> tuple[int | None, Markup]:
    """The first page of an attached document where the words occur, and its snippet."""
    for page in document.pages:
        html = engine.highlight_text(page.text, terms, max_chars=SNIPPET_CHARS) if terms else ""
        if html:
            return page.number, Markup(html)
    first = next((page for page in document.pages if page.text), None)
    return None, _snippet(first.text if first else "", set())


def _document_hit(document: Document, terms: set[str]) -> Hit:
    """A practice found through an attached document: the practice's title, and where in the document."""
    practice = document.practice
    number, snippet = _found_on(document, terms)
    url = url_for("documents.download", practice_id=practice.id, document_id=document.id)
    if number is not None and document.paged and document.media_type == "application/pdf":
        url += f"#page={number}"
    link = Markup('<a class="utrecht-link" href="{}"><em>{}</em></a>').format(url, document.title)
    if number is not None and document.paged:
        source = Markup(gettext("in %(title)s, p. %(page)s", title=link, page=number))
    else:
        source = Markup(gettext("in %(title)s", title=link))
    return Hit(
        kind="document",
        id=document.id,
        title=practice.title,
        title_html=_title(practice.title, terms),
        url=url_for("practices.detail", practice_id=practice.id),
        snippet=snippet,
        date=document.document_date,
        region=practice.region,
        themes=list(practice.themes),
        is_draft=practice.status == Status.DRAFT,
        source=source,
    )
