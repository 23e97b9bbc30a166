"""Searching for the page and the API: safe parsing of what people type, synonyms, visibility, facets,
the engine, the page's rows from the database, highlighted snippets and "Bedoelde u ...?".

Any input is safe: the text never reaches a query parser. It is cut to MAX_QUERY_CHARS, control characters
become spaces, balanced double quotes make phrases, and everything else becomes plain words (field prefixes
such as `title:` or `status:` are dropped, operators are ignored). Visibility is part of the search itself.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, url_for
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.accounts.models import Role
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.i18n import localized
from exchange.practices.models import Practice, Result, Status
from exchange.practices.queries import visible_clause
from exchange.reference.models import Region, Theme
from exchange.search import analysis, engine, facets, synonyms
from exchange.search.documents import practice_date, practice_text, result_text

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 12
PER_PAGE = 10
MAX_PER_PAGE = 50
MAX_PAGE = 100
MAX_VALUES_PER_FACET = 20
SUGGEST_BELOW = 3
SNIPPET_CHARS = 240
SORTS = {"relevantie": "relevance", "nieuwste": "date", "bijgewerkt": "updated"}
FIELD_PREFIX = re.compile(r"(?i)\b[a-z_]{2,20}:(?=\S)")
OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"^(19[5-9]\d|20\d\d)$")
log = logging.getLogger(__name__)


class Bilingual:
    """A message in Dutch and English; `str()` follows the locale (the API error shows both)."""

    def __init__(self, nl: str, en: str) -> None:
        self.nl, self.en = nl, en

    def __str__(self) -> str:
        from flask_babel import get_locale

        locale = get_locale()
        return self.en if locale is not None and locale.language == "en" else self.nl


class BadSearch(DomainError):
    """A search parameter of the API is not valid (400, never a 500)."""

    status = 400
    code = "bad_search_parameter"

    def __init__(self, nl: str, en: str, parameter: str):
        super().__init__(Bilingual(nl, en), details={"parameter": parameter})


# ------------------------------------------------------------------------------------------------ input


@dataclass
class ParsedQuery:
    text: str  # what we searched for, cleaned (shown back to the user)
    phrases: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def clean_query(raw: str | None) -> str:
    """The user's text made harmless: capped, no control characters, single spaces."""
    text = analysis.strip_control((raw or "")[: MAX_QUERY_CHARS * 2])
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def parse_query(raw: str | None) -> ParsedQuery:
    """Split into quoted phrases and plain words; unbalanced quotes and every other symbol become spaces."""
    text = clean_query(raw)
    phrases = [" ".join(p.split()) for p in re.findall(r'"([^"]*)"', text)]
    rest = re.sub(r'"[^"]*"', " ", text).replace('"', " ")
    rest = FIELD_PREFIX.sub(" ", rest)
    words = [w for w in _WORD.findall(rest) if w not in OPERATORS]
    return ParsedQuery(text=text, phrases=[p for p in phrases if p], words=words)


def build_clauses(parsed: ParsedQuery, synonym_map: synonyms.SynonymMap) -> list[list[tuple[str, ...]]]:
    """Every phrase and word becomes a clause (all must match), with its synonyms as alternatives."""
    clauses: list[list[tuple[str, ...]]] = []
    seen: set[tuple[str, ...]] = set()

    def add(member: tuple[str, ...]) -> None:
        if member and member not in seen and len(clauses) < MAX_CLAUSES:
            seen.add(member)
            clauses.append(synonym_map.alternatives(member))

    for phrase in parsed.phrases:
        add(tuple(engine.analyze_query(phrase)))
    for word in parsed.words:
        for term in engine.analyze_query(word):
            add((term,))
    return clauses


@dataclass
class SearchRequest:
    """A whole search as the URL carries it (the page and the API read the same parameters)."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # URL param -> URL values
    sort: str = "relevantie"
    page: int = 1
    per_page: int = PER_PAGE

    def args(self, **changes) -> dict:
        """URL arguments for url_for, with changes (a facet param -> new list; q, sort, page...)."""
        out: dict = {}
        q = changes.pop("q", self.q)
        if q:
            out["q"] = q
        filters = {k: list(v) for k, v in self.filters.items()}
        for key in list(changes):
            if key in facets.BY_PARAM:
                filters[key] = list(changes.pop(key))
        for param, values in filters.items():
            if values:
                out[param] = values
        sort = changes.pop("sort", self.sort)
        if sort != "relevantie":
            out["sort"] = sort
        page = changes.pop("page", 1)
        if page and page > 1:
            out["pagina"] = page
        if self.per_page != PER_PAGE:
            out["per_pagina"] = self.per_page
        out.update(changes)
        return out

    def toggled(self, param: str, value: str) -> dict:
        """Arguments with `value` of facet `param` switched on or off (back to page 1)."""
        values = list(self.filters.get(param, []))
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return self.args(**{param: values})

    @property
    def has_filters(self) -> bool:
        return any(self.filters.values())


def _int(value: str | None, name: str, default: int, low: int, high: int, strict: bool) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        if strict:
            raise BadSearch(
                f"'{name}' moet een geheel getal van {low} tot en met {high} zijn.",
                f"'{name}' must be a whole number from {low} to {high}.",
                name,
            )
        return default if number is None else min(max(number, low), high)
    return number


def read_request(args, *, strict: bool = False) -> SearchRequest:
    """Read a SearchRequest from query arguments. Strict (API): BadSearch on a bad value; else bad values go."""
    q = args.get("q", "") or ""
    sort = args.get("sort", "relevantie") or "relevantie"
    if sort not in SORTS:
        if strict:
            raise BadSearch(
                f"'sort' moet een van deze zijn: {', '.join(SORTS)}.",
                f"'sort' must be one of {', '.join(SORTS)}.",
                "sort",
            )
        sort = "relevantie"
    page = _int(args.get("pagina") or args.get("page"), "pagina", 1, 1, MAX_PAGE, strict)
    per_page = _int(
        args.get("per_pagina") or args.get("per_page"), "per_pagina", PER_PAGE, 1, MAX_PER_PAGE, strict
    )
    filters: dict[str, list[str]] = {}
    for facet in facets.FACETS:
        values = [clean_query(v)[:80] for v in args.getlist(facet.param)]
        values = list(dict.fromkeys(v for v in values if v))
        if len(values) > MAX_VALUES_PER_FACET:
            if strict:
                raise BadSearch(
                    f"Hoogstens {MAX_VALUES_PER_FACET} waarden voor '{facet.param}'.",
                    f"At most {MAX_VALUES_PER_FACET} values for '{facet.param}'.",
                    facet.param,
                )
            values = values[:MAX_VALUES_PER_FACET]
        if values:
            filters[facet.param] = values
    return SearchRequest(q=clean_query(q), filters=filters, sort=sort, page=page, per_page=per_page)


def _resolve_filters(
    request: SearchRequest, values: facets.FacetValues, strict: bool
) -> dict[str, list[str]]:
    """URL facet values -> index values; unknown values are an error (strict) or dropped (and removed)."""
    resolved: dict[str, list[str]] = {}
    for param, wanted in list(request.filters.items()):
        facet = facets.BY_PARAM[param]
        known = values.to_index.get(facet.name, {})
        kept, index_values = [], []
        for value in wanted:
            if facet.name == "year":
                ok = bool(_YEAR.match(value))
                index_value = value
            else:
                ok = value in known
                index_value = known.get(value)
            if ok:
                kept.append(value)
                index_values.append(index_value)
            elif strict:
                raise BadSearch(
                    f"Onbekende waarde {value!r} voor '{param}'.",
                    f"Unknown value {value!r} for '{param}'.",
                    param,
                )
        request.filters[param] = kept
        if index_values:
            resolved[facet.name] = index_values
    request.filters = {k: v for k, v in request.filters.items() if v}
    return resolved


def visibility_for(user) -> engine.Visibility:
    """The drafts `user` may find, with the same rules as practices.queries.visible_clause."""
    from exchange.policy.accounts import coached_pairs

    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return engine.Visibility()
    if user.role == Role.ADMIN:
        return engine.Visibility(all_drafts=True)
    if user.role == Role.STAFF and user.region_id is not None:
        return engine.Visibility(draft_regions=(user.region_id,))
    if user.role == Role.FUNCTIONARY:
        return engine.Visibility(coached=tuple(sorted(coached_pairs(user))))
    return engine.Visibility()


def current_index() -> engine.SearchIndex:
    return engine.get_index(
        current_app.config["SEARCH_INDEX_DIR"], current_app.config.get("SEARCH_WRITER_TIMEOUT", 2.0)
    )


# ---------------------------------------------------------------------------------------------- results


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

    @property
    def kind_label(self) -> str:
        return str(facets.TYPE_LABELS[self.kind])


@dataclass
class FacetValueView:
    value: str
    label: str
    count: int
    selected: bool
    args: dict  # URL arguments that toggle this value


@dataclass
class FacetView:
    param: str
    label: str
    values: list[FacetValueView]

    @property
    def selected(self) -> list[FacetValueView]:
        return [v for v in self.values if v.selected]


@dataclass
class SearchOutcome:
    request: SearchRequest
    query: ParsedQuery
    total: int
    hits: list[Hit]
    facets: list[FacetView]
    suggestion: str | None
    searched: bool  # the user typed something (else: browsing everything visible, newest first)
    took_ms: float

    @property
    def pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.total // self.request.per_page)))

    @property
    def first(self) -> int:
        return (self.request.page - 1) * self.request.per_page + 1


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


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def load_hits(user, ranked: list[tuple[str, float]], terms: set[str]) -> list[Hit]:
    """The rows behind a page of keys, in rank order, with highlighted title and snippet.

    The database query repeats the visibility rule, so a practice unpublished a moment ago and not yet
    re-indexed is not shown (counts come from the index and may lag by that moment).
    """
    ids: dict[str, list[int]] = {}
    for key, _ in ranked:
        kind, _, ident = key.partition(":")
        ids.setdefault(kind, []).append(int(ident))
    rows: dict[str, object] = {}
    if ids.get("practice"):
        stmt = (
            select(Practice)
            .where(Practice.id.in_(ids["practice"]), Practice.status != Status.ARCHIVED, visible_clause(user))
            .options(
                selectinload(Practice.region), selectinload(Practice.themes), selectinload(Practice.phase)
            )
        )
        rows.update((f"practice:{p.id}", p) for p in db.session.scalars(stmt))
    if ids.get("result"):
        stmt = (
            select(Result)
            .join(Practice, Practice.id == Result.practice_id)
            .where(Result.id.in_(ids["result"]), Practice.status != Status.ARCHIVED, visible_clause(user))
            .options(
                selectinload(Result.practice).selectinload(Practice.region),
                selectinload(Result.practice).selectinload(Practice.themes),
                selectinload(Result.phase),
            )
        )
        rows.update((f"result:{r.id}", r) for r in db.session.scalars(stmt))
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
            snippet=_snippet(practice_text(row), terms),
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
            snippet=_snippet(result_text(row) or row.indicator, terms),
            date=row.measured_on,
            region=practice.region,
            themes=list(practice.themes),
            phase=localized(row.phase, "name") if row.phase else None,
            is_draft=practice.status == Status.DRAFT,
            parent_title=practice.title,
            parent_url=url_for("practices.detail", practice_id=practice.id),
        )
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


def _facet_views(
    request: SearchRequest, counts: dict[str, dict[str, int]], values: facets.FacetValues
) -> list[FacetView]:
    views = []
    for facet in facets.FACETS:
        found = counts.get(facet.name, {})
        selected = set(request.filters.get(facet.param, []))
        items = []
        for index_value, count in found.items():
            if facet.name == "year":
                url_value, label, position = index_value, index_value, -int(index_value)
            else:
                known = values.to_url.get(facet.name, {}).get(index_value)
                if known is None:
                    continue  # a value of a row removed from the reference data
                url_value, label = known
                position = values.order.get(facet.name, {}).get(index_value, 0)
            items.append(
                (
                    position,
                    FacetValueView(
                        url_value,
                        label,
                        count,
                        url_value in selected,
                        request.toggled(facet.param, url_value),
                    ),
                )
            )
        # Selected values stay visible (with count 0) so they can always be removed with one click.
        present = {item.value for _, item in items}
        for url_value in selected - present:
            index_value = values.to_index.get(facet.name, {}).get(url_value, url_value)
            label = values.to_url.get(facet.name, {}).get(index_value, (url_value, url_value))[1]
            items.append(
                (-1, FacetValueView(url_value, label, 0, True, request.toggled(facet.param, url_value)))
            )
        if facet.name in ("region", "theme", "province"):
            items.sort(key=lambda item: (-item[1].count, item[1].label))
        else:
            items.sort(key=lambda item: item[0])
        views.append(FacetView(facet.param, str(facet.label), [item for _, item in items]))
    return views


def suggest(parsed: ParsedQuery, index: engine.SearchIndex, synonym_map: synonyms.SynonymMap) -> str | None:
    """A corrected query when a word is unknown (in no title, theme, region or document), else None.

    The spelling source is small on purpose: titles, theme and region names, the curated vocabulary and the
    synonym words (a full body vocabulary makes corrections slow).
    """
    changed = False
    words = []
    vocabulary = sorted(analysis.VOCABULARY | set(synonym_map.words))
    folded = [analysis.fold(w) for w in parsed.words]
    known = index.known_words(folded)
    for word, low in zip(parsed.words, folded):
        terms = engine.analyze_query(word)
        if len(low) < 4 or not low.isalpha() or low in known or not terms or index.has_terms(terms):
            words.append(word)
            continue
        fixed = index.corrections(low, extra=vocabulary)
        if fixed and fixed != low:
            words.append(fixed)
            changed = True
        else:
            words.append(word)
    if not changed:
        return None
    return " ".join([f'"{p}"' for p in parsed.phrases] + words)


def search(
    user, request: SearchRequest, *, strict: bool = False, with_suggestion: bool = True
) -> SearchOutcome:
    """Run a search for `user` (None or anonymous for visitors); raises BadSearch (strict) for bad facet values."""
    index = current_index()
    parsed = parse_query(request.q)
    synonym_map = synonyms.current_map() if (parsed.words or parsed.phrases) else synonyms.build_map([])
    clauses = build_clauses(parsed, synonym_map)
    values = facets.facet_values()
    filters = _resolve_filters(request, values, strict)
    engine_sort = SORTS[request.sort]
    if not clauses and engine_sort == "relevance":
        engine_sort = "date"  # nothing to rank by: browsing shows the newest first
    spec = engine.SearchSpec(
        clauses=clauses,
        filters=filters,
        visibility=visibility_for(user),
        sort=engine_sort,
        offset=(request.page - 1) * request.per_page,
        limit=request.per_page,
    )
    if parsed.text and not clauses:
        # Only stop words, symbols or field names: nothing to search for, so nothing found (not everything).
        result = engine.EngineResult(total=0, hits=[], facets={}, terms=set())
    else:
        result = index.search(spec)
    hits = load_hits(user, result.hits, result.terms)
    suggestion = None
    if with_suggestion and parsed.words and result.total < SUGGEST_BELOW:
        candidate = suggest(parsed, index, synonym_map)
        if candidate and candidate.lower() != parsed.text.lower():
            check = engine.SearchSpec(
                clauses=build_clauses(parse_query(candidate), synonym_map),
                filters=filters,
                visibility=spec.visibility,
                limit=0,
                facets=(),
            )
            if index.search(check).total > result.total:
                suggestion = candidate
    return SearchOutcome(
        request=request,
        query=parsed,
        total=result.total,
        hits=hits,
        facets=_facet_views(request, result.facets, values),
        suggestion=suggestion,
        searched=bool(parsed.text),
        took_ms=result.took_ms,
    )


# ------------------------------------------------------------------------------------ searches with none

_MISS_DROP = re.compile(r"\S*@\S*|\S*\d{5,}\S*")


def normalise_miss(text: str) -> str:
    """The form in which a search without results is kept: folded, no e-mail addresses or long numbers."""
    folded = analysis.fold(_MISS_DROP.sub(" ", clean_query(text)))
    return " ".join(re.findall(r"[\w'-]+", folded))[:100]


def record_miss(text: str) -> None:
    """Count a search that found nothing (no user, no address). Commits; a failure is logged, never raised."""
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    from exchange.database import utcnow
    from exchange.search.models import SearchMiss

    query = normalise_miss(text)
    if not query:
        return
    now = utcnow()
    for _ in range(2):
        try:
            updated = db.session.execute(
                SearchMiss.__table__.update()
                .where(SearchMiss.query == query)
                .values(count=SearchMiss.count + 1, last_seen=now)
            ).rowcount
            if not updated:
                db.session.add(SearchMiss(query=query, count=1, first_seen=now, last_seen=now))
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
        except SQLAlchemyError:
            # A counter must never turn a search into an error page.
            db.session.rollback()
            log.warning("Could not record a search without results", exc_info=True)
            return


# ----------------------------------------------------------------------------------------------- similar


def similar_practices(practice: Practice, limit: int = 5) -> list[Practice]:
    """Published practices from other regions like this one (its key words; shared themes and phase weigh more)."""
    index = current_index()
    keys = index.similar(
        key=f"practice:{practice.id}",
        text=f"{practice.title}\n{practice_text(practice)}",
        boosts={"theme": [str(t.id) for t in practice.themes], "phase": [str(practice.phase_id)]},
        exclude_filters={"region": [str(practice.region_id)]},
        require={"type": ["practice"]},
        limit=limit,
    )
    ids = [int(key.partition(":")[2]) for key, _ in keys]
    if not ids:
        return []
    stmt = (
        select(Practice)
        .where(
            Practice.id.in_(ids),
            Practice.status == Status.PUBLISHED,
            Practice.region_id != practice.region_id,
        )
        .options(selectinload(Practice.region), selectinload(Practice.themes), selectinload(Practice.phase))
    )
    found = {p.id: p for p in db.session.scalars(stmt)}
    return [found[i] for i in ids if i in found]
