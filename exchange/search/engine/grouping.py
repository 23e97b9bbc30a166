"""Searches grouped per practice: one card per practice, its matching measurements counted inside it, and the
matching themes and regions apart.

A practice's document holds its results' text (documents.practice_document), so every practice with a
matching measurement matches itself: total, facets and paging are the practice documents' own bitmaps, with
visibility in the match as always. Per practice on the page, its matching results are one `&` with the
`parent` postings, and the best of them one small ranking (at most `limit` of each, never a query per row).
"""

from __future__ import annotations

from dataclasses import replace

from exchange.search.engine.caches import View
from exchange.search.engine.ranking import rank
from exchange.search.engine.searching import clause_bits, hidden_bits, run_search
from exchange.search.engine.spec import EngineResult, SearchSpec

RELATED_KINDS = ["theme", "region"]


GROUPED_KINDS = ["practice", "document"]


def run_grouped(view: View, spec: SearchSpec, related_limit: int = 5) -> EngineResult:
    """Practices only (any `type` filter is replaced), each hit's matching results in `children`, and the best
    matching themes and regions (first page, query words only, no facet filters) in `related`."""
    facets = tuple(name for name in spec.facets if name != "type")
    # Practices (a matching measurement is part of its practice's document) and attached documents, which
    # say where in the report the words are ("in Evaluatie 2021, p. 3").
    result = run_search(view, replace(spec, filters={**spec.filters, "type": GROUPED_KINDS}, facets=facets))
    if not spec.clauses:
        return result
    if result.hits:
        results = view.facet("type", "result") & ~hidden_bits(view, spec.visibility)
        for clause in spec.clauses:
            if not results:
                break
            results &= clause_bits(view, clause)
        stored = view.searcher.stored_fields
        for key, _ in result.hits:
            children = results & view.term("parent", key) if results else 0
            if children:
                best = rank(view, spec.clauses, children, 1)
                result.children[key] = (children.bit_count(), stored(best[0][0])["key"] if best else "")
    if spec.offset == 0 and related_limit:
        related = run_search(
            view,
            replace(
                spec,
                filters={"type": RELATED_KINDS},
                facets=(),
                offset=0,
                limit=related_limit,
                sort="relevance",
            ),
        )
        result.related = related.hits
    return result
