"""Turn database rows into search documents (plain dicts; the engine turns them into Whoosh documents).

Only published and draft practices are indexed (archived ones never), results inherit their practice's
status, region and themes, and themes and regions are always public. Contact details are never indexed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from exchange.documents.models import Document
from exchange.extensions import db
from exchange.markdown import markdown_to_text
from exchange.practices.models import Practice, Result, Status, practice_action_line, practice_theme
from exchange.practices.profile import age_years
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme
from exchange.search import analysis

KINDS = ("practice", "result", "theme", "region", "document")
# An attached document's text is indexed up to this many characters (a long report's first ~100 pages).
ATTACHMENT_INDEX_CHARS = 300_000
CHUNK = 500


def slugify(text: str) -> str:
    """'Noord-Holland' -> 'noord-holland', 'Fryslân' -> 'fryslan' (province facet values)."""
    return re.sub(r"[^a-z0-9]+", "-", analysis.fold(text)).strip("-")


def stamp(value: datetime | date | None) -> int:
    """Seconds since the epoch (sort values); dates count from midnight UTC."""
    if value is None:
        return 0
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def practice_date(practice: Practice) -> datetime:
    """The date a practice shows in results: when it was published, else when it was written."""
    return practice.published_at or practice.created_at


def _practice_facets(practice: Practice) -> dict:
    theme_ids = [t.id for t in practice.themes]
    doc = {
        "status": "published" if practice.status == Status.PUBLISHED else "draft",
        "region": str(practice.region_id),
        "province": slugify(practice.region.province) if practice.region else "",
        "theme": " ".join(str(t) for t in theme_ids),
        "action_line": " ".join(str(x.number) for x in practice.action_lines),
        **profile_facets(practice),
    }
    if practice.status != Status.PUBLISHED:
        doc["coach"] = " ".join(f"{practice.region_id}:{t}" for t in theme_ids)
    return doc


def profile_facets(practice: Practice) -> dict:
    """The profile's facet values: every year of the age range (a chosen range overlaps when one year matches)."""
    return {
        "age": " ".join(str(year) for year in age_years(practice)),
        "evidence": practice.evidence_level or "",
        "participation": practice.participation_level or "",
    }


def _meta(practice: Practice) -> str:
    region = practice.region
    parts = [region.display_name, region.name, region.province] if region else []
    parts += [t.name for t in practice.themes]
    return " ".join(parts)


def practice_text(practice: Practice) -> str:
    """The plain text searched and highlighted for a practice (summary, body without Markdown, target group)."""
    return "\n".join(
        x for x in (practice.summary, markdown_to_text(practice.body), practice.target_group) if x
    )


def _results_text(practice: Practice) -> str:
    """The practice's measurements (indicator and narrative): a practice is found by the words of its results,
    so a search grouped per practice (one card per practice) counts and pages practices with bitmaps alone."""
    return "\n".join(f"{r.indicator}\n{result_text(r)}" for r in sorted(practice.results, key=lambda r: r.id))


def spell_text(title: str, body: str, public: bool) -> str:
    """The spelling source: titles always (as before), the whole text only of published documents, so a
    draft's words never feed the corrections (the vocabulary also checks each candidate against published
    documents when it is offered)."""
    return f"{title}\n{body}" if public else title


def practice_document(practice: Practice) -> dict | None:
    if practice.status == Status.ARCHIVED:
        return None
    when = practice_date(practice)
    body = "\n".join(x for x in (practice_text(practice), _results_text(practice)) if x)
    return {
        "key": f"practice:{practice.id}",
        "type": "practice",
        "title": practice.title,
        "body": body,
        "spell": spell_text(practice.title, body, practice.status == Status.PUBLISHED),
        "phase": str(practice.phase_id),
        "year": str(when.year) if when else "",
        "date": stamp(when),
        "updated": stamp(practice.updated_at),
        **_practice_facets(practice),
    }


def result_text(result: Result) -> str:
    return markdown_to_text(result.narrative)


def result_document(result: Result) -> dict | None:
    practice = result.practice
    if practice is None or practice.status == Status.ARCHIVED:
        return None
    return {
        "key": f"result:{result.id}",
        "type": "result",
        "parent": f"practice:{practice.id}",
        "title": result.indicator,
        "body": result_text(result),
        "meta": f"{practice.title} {_meta(practice)}",
        "spell": spell_text(result.indicator, result_text(result), practice.status == Status.PUBLISHED),
        "phase": str(result.phase_id),
        "year": str(result.measured_on.year),
        "date": stamp(result.measured_on),
        "updated": stamp(result.created_at),
        **_practice_facets(practice),
    }


def attachment_text(document: Document) -> str:
    """The extracted text of an attached document, pages in order (what its search document holds)."""
    return "\n".join(page.text for page in document.pages if page.text)[:ATTACHMENT_INDEX_CHARS]


def attachment_document(document: Document) -> dict | None:
    """A document attached to a practice: a child of the practice, with its visibility and facets."""
    practice = document.practice
    if practice is None or practice.status == Status.ARCHIVED:
        return None
    return {
        "key": f"document:{document.id}",
        "type": "document",
        "parent": f"practice:{practice.id}",
        "title": document.title,
        "body": attachment_text(document),
        "spell": document.title,
        "phase": str(practice.phase_id),
        "year": str(document.document_date.year),
        "date": stamp(document.document_date),
        "updated": stamp(document.updated_at),
        **_practice_facets(practice),
    }


def attachments_of(practice_ids: Iterable[int], session=None) -> list[Document]:
    ids = list(practice_ids)
    if not ids:
        return []
    stmt = (
        select(Document)
        .where(Document.practice_id.in_(ids))
        .options(selectinload(Document.pages), selectinload(Document.practice).options(*_practice_options()))
        .order_by(Document.id)
    )
    return list((session or db.session).scalars(stmt))


def theme_document(theme: Theme) -> dict:
    line = theme.action_line
    return {
        "key": f"theme:{theme.id}",
        "type": "theme",
        "title": theme.name,
        "body": theme.description or "",
        "meta": line.title if line else "",
        "spell": spell_text(theme.name, theme.description or "", True),
        "status": "published",
        "theme": str(theme.id),
        "action_line": str(line.number) if line else "",
        "date": 0,
        "updated": 0,
    }


def region_document(region: Region) -> dict:
    body = " ".join(
        [region.name, region.province, region.central_municipality or "", *(region.municipalities or [])]
    )
    return {
        "key": f"region:{region.id}",
        "type": "region",
        "title": region.display_name,
        "body": body,
        "meta": region.province,
        "spell": " ".join([region.display_name, *(region.municipalities or [])]),
        "status": "published",
        "region": str(region.id),
        "province": slugify(region.province),
        "date": 0,
        "updated": stamp(region.updated_at),
    }


def _practice_options():
    return (
        selectinload(Practice.region),
        selectinload(Practice.themes),
        selectinload(Practice.action_lines),
        selectinload(Practice.results),
    )


def load_practices(ids: Iterable[int], session=None) -> list[Practice]:
    ids = list(ids)
    if not ids:
        return []
    session = session or db.session
    return list(session.scalars(select(Practice).where(Practice.id.in_(ids)).options(*_practice_options())))


def load_results(ids: Iterable[int], session=None) -> list[Result]:
    ids = list(ids)
    if not ids:
        return []
    stmt = (
        select(Result)
        .where(Result.id.in_(ids))
        .options(selectinload(Result.practice).options(*_practice_options()))
    )
    return list((session or db.session).scalars(stmt))


def results_of(practice_ids: Iterable[int], session=None) -> list[Result]:
    ids = list(practice_ids)
    if not ids:
        return []
    stmt = (
        select(Result)
        .where(Result.practice_id.in_(ids))
        .options(selectinload(Result.practice).options(*_practice_options()))
        .order_by(Result.id)
    )
    return list((session or db.session).scalars(stmt))


def count_documents() -> int:
    """About how many documents a full rebuild writes (for the progress bar)."""
    counts = [
        db.session.scalar(select(func.count(Practice.id)).where(Practice.status != Status.ARCHIVED)),
        db.session.scalar(
            select(func.count(Result.id))
            .join(Practice, Practice.id == Result.practice_id)
            .where(Practice.status != Status.ARCHIVED)
        ),
        db.session.scalar(select(func.count(Region.id))),
        db.session.scalar(select(func.count(Theme.id))),
        db.session.scalar(
            select(func.count(Document.id))
            .join(Practice, Practice.id == Document.practice_id)
            .where(Practice.status != Status.ARCHIVED)
        ),
    ]
    return sum(c or 0 for c in counts)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def all_documents() -> Iterator[dict]:
    """Every searchable document from the database, read in chunks with a fixed number of queries each."""
    for region in db.session.scalars(select(Region).order_by(Region.id)):
        yield region_document(region)
    for theme in db.session.scalars(
        select(Theme).options(selectinload(Theme.action_line)).order_by(Theme.id)
    ):
        yield theme_document(theme)
    practice_ids = list(
        db.session.scalars(
            select(Practice.id).where(Practice.status != Status.ARCHIVED).order_by(Practice.id)
        )
    )
    for chunk in _chunks(practice_ids):
        practices = sorted(load_practices(chunk), key=lambda p: p.id)
        for practice in practices:
            doc = practice_document(practice)
            if doc is not None:
                yield doc
        for result in results_of(chunk):
            doc = result_document(result)
            if doc is not None:
                yield doc
        for attachment in attachments_of(chunk):
            doc = attachment_document(attachment)
            if doc is not None:
                yield doc
        # Keep memory flat over 100k practices: the identity map would otherwise hold every row.
        db.session.expunge_all()


def documents_for(kind: str, ids: Iterable[int], session=None) -> dict[str, dict | None]:
    """key -> document (None when the row is gone or must not be indexed) for rows of one kind."""
    session = session or db.session
    ids = list(dict.fromkeys(ids))
    out: dict[str, dict | None] = {f"{kind}:{i}": None for i in ids}
    if kind == "practice":
        for chunk in _chunks(ids):
            for practice in load_practices(chunk, session):
                out[f"practice:{practice.id}"] = practice_document(practice)
    elif kind == "result":
        for chunk in _chunks(ids):
            for result in load_results(chunk, session):
                out[f"result:{result.id}"] = result_document(result)
    elif kind == "theme":
        stmt = select(Theme).where(Theme.id.in_(ids)).options(selectinload(Theme.action_line))
        for theme in session.scalars(stmt):
            out[f"theme:{theme.id}"] = theme_document(theme)
    elif kind == "region":
        for region in session.scalars(select(Region).where(Region.id.in_(ids))):
            out[f"region:{region.id}"] = region_document(region)
    else:
        raise ValueError(f"unknown search document kind {kind!r}")
    return out


# Reference data shown in OTHER documents than its own: which attributes, and which documents show them.
# Result documents carry their practice's theme names; theme documents their action line's title, and
# practices their action lines' numbers. A region's documents are found when its outbox row is applied
# (outbox._plan), and no document holds a phase's texts (only its id; labels are read from the database),
# so renaming a phase leaves the index true as it is.
SHOWN_ELSEWHERE: dict[type, tuple[str, ...]] = {
    Theme: ("name",),
    ActionLine: ("title", "number"),
    CyclePhase: (),
}


def dependent_documents(model: type, ids: list[int]) -> list:
    """(kind, SELECT of ids) of the documents that show these rows of `model` (see SHOWN_ELSEWHERE).

    Selects, not rows: the outbox inserts from them in one statement, however many documents it is.
    """
    if model is Theme:
        return [("practice", select(practice_theme.c.practice_id).where(practice_theme.c.theme_id.in_(ids)))]
    if model is ActionLine:
        return [
            ("theme", select(Theme.id).where(Theme.action_line_id.in_(ids))),
            (
                "practice",
                select(practice_action_line.c.practice_id).where(
                    practice_action_line.c.action_line_id.in_(ids)
                ),
            ),
        ]
    return []
