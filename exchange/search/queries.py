"""Running a search for the page, the API and the feed: the request's clauses and filters, visibility for
the user, the engine, then the page's rows, facet lists and "Bedoelde u ...?".

Visibility is part of the search itself (a filter in the engine and again in the database query), never a
loop that drops hits afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import current_app
from flask_babel import lazy_gettext as _l

from exchange.accounts.models import Role
from exchange.errors import DomainError
from exchange.search import engine, learned, synonyms
from exchange.search.facet_views import FacetView, current_values, facet_views, resolve_filters
from exchange.search.parsing import MAX_PAGE, SORTS, ParsedQuery, SearchRequest, expand_query, parse_query
from exchange.search.results import Hit, load_hits
from exchange.search.suggestions import better_query, correct, corrected_spec

# A correction this close (spelling.dutch_distance) runs at once when the search found nothing.
CONFIDENT_DISTANCE = 1.0
RELATED_SHOWN = 5

# Searches of this many clauses or more that find nothing are run again needing most, not all, of them.
RELAX_FROM = 2


class SearchUnavailable(DomainError):
    """The index cannot be read (missing, corrupt or partial): pages and the API answer 503, never "0 results"."""

    status = 503
    code = "search_unavailable"
    default_message = _l(
        "Zoeken is tijdelijk niet beschikbaar. Probeer het over enkele minuten opnieuw; "
        "de praktijkvoorbeelden zelf zijn gewoon te bekijken."
    )


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
    """The index of this app (kept per process and directory, never opened per request)."""
    return engine.get_index(
        current_app.config["SEARCH_INDEX_DIR"], current_app.config.get("SEARCH_WRITER_TIMEOUT", 2.0)
    )


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
    relaxed: bool = False  # nothing matched every word: these results match most of them
    grouped: bool = False  # one hit per practice (measurements inside it)
    related: list[Hit] = field(default_factory=list)  # grouped: matching themes and regions (first page)
    corrected_from: str | None = None  # the typed text, when these are the results of its correction

    @property
    def pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.total // self.request.per_page)))

    @property
    def first(self) -> int:
        return (self.request.page - 1) * self.request.per_page + 1


def search(
    user,
    request: SearchRequest,
    *,
    strict: bool = False,
    with_suggestion: bool = True,
    grouped: bool = False,
    literal: bool = False,
) -> SearchOutcome:
    """Run a search for `user` (None or anonymous for visitors); raises BadSearch (strict) for bad facet values
    and SearchUnavailable when the index cannot be read.

    `grouped`: one hit per practice, its matching measurements inside it, themes and regions in `related`.
    Unless `literal`, a search that finds nothing runs its confident correction instead (`corrected_from`
    holds what was typed); one that finds few gets a suggestion.
    """
    literal = literal or request.literal
    index = current_index()
    parsed = parse_query(request.q)
    synonym_map = synonyms.current_map() if (parsed.words or parsed.phrases) else synonyms.build_map([])
    searching = bool(parsed.words or parsed.phrases)
    expansion = expand_query(parsed, synonym_map, learned.learned_from(index) if searching else None)
    clauses = expansion.clauses
    values = current_values()
    filters = resolve_filters(request, values, strict)
    engine_sort = SORTS[request.sort]
    if not clauses and engine_sort == "relevance":
        engine_sort = "date"  # nothing to rank by: browsing shows the newest first
    spec = engine.SearchSpec(
        clauses=clauses,
        weights=expansion.weights,
        filters=filters,
        visibility=visibility_for(user),
        sort=engine_sort,
        offset=(request.page - 1) * request.per_page,
        limit=request.per_page,
    )
    relaxed = False

    def run(spec: engine.SearchSpec) -> engine.EngineResult:
        try:
            if grouped:
                return index.search_grouped(spec, RELATED_SHOWN)
            return index.search(spec)
        except engine.IndexUnavailable as exc:
            raise SearchUnavailable(details={"index": exc.reason}) from exc

    if parsed.text and not clauses:
        # Only stop words, symbols or field names: nothing to search for, so nothing found (not everything).
        result = engine.EngineResult(total=0, hits=[], facets={}, terms=set())
    else:
        result = run(spec)
    corrected_from = None
    if with_suggestion and not literal and parsed.words and result.total == 0:
        # A confident correction of what was typed runs at once (its results, "Zoek in plaats daarvan op ...").
        found = correct(parsed, index, synonym_map)
        if found and found.distance <= CONFIDENT_DISTANCE:
            again = run(corrected_spec(found.text, synonym_map, spec))
            if again.total:
                result, corrected_from = again, parsed.text
                parsed = parse_query(found.text)
    if not result.total and corrected_from is None and len(clauses) >= RELAX_FROM:
        # A question as people type it ("hoe verkort je de wachttijd in de jeugdhulp"): when all words together
        # find nothing (and no correction does), find what matches all but a third of them, best matches first.
        # Only when that finds practices are its results (and its strip of themes and regions) shown: themes
        # and regions never match fewer of the words than the results above them do.
        spec = replace(spec, min_match=len(clauses) - max(1, len(clauses) // 3))
        most = run(spec)
        if most.total:
            result, relaxed = most, True
    suggestion = None
    if with_suggestion and not literal and corrected_from is None:
        # A relaxed search found nothing with every word: a correction is worth suggesting (0 found).
        suggestion = better_query(parsed, index, synonym_map, spec, 0 if relaxed else result.total)
    hits = load_hits(user, result.hits, result.terms, result.children)
    related = load_hits(user, result.related, result.terms) if result.related else []
    return SearchOutcome(
        request=request,
        query=parsed,
        total=result.total,
        hits=hits,
        facets=facet_views(request, result.facets, values),
        suggestion=suggestion,
        searched=bool(parsed.text),
        took_ms=result.took_ms,
        relaxed=relaxed,
        grouped=grouped,
        related=related,
        corrected_from=corrected_from,
    )
