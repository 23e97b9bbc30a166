"""The Whoosh engine: schema, Dutch analyzer, the per-process searcher, writing, rebuilding and searching.

This package is the only code that imports whoosh (tests/search/test_engine_boundary.py); its uses of Whoosh
internals are each wrapped in `whoosh_internals` and tested in tests/search/test_whoosh_internals.py.
Everything else in exchange.search speaks plain Python to it: documents are dicts, queries are lists of
clauses, results are keys with counts.

Modules: `spec` (what is asked and answered), `tokenizer` (the Dutch analyzer), `schema` (fields and
documents), `bitmaps` and `caches` (match sets and per-segment caches), `ranking` (BM25), `searching`
(match sets, facets, pages, similar documents, corrections), `building` (rebuilds), `highlight`
(snippets), `searchindex` (SearchIndex and get_index) and `whoosh_internals`.

Speed comes from three things (see docs/search.md):
- one long-lived searcher per process and index directory, refreshed only when the index changed (and then
  per segment), reopened when `reindex` swapped in a new build (a BUILD file holds its id);
- match sets, facet counts and visibility as bitmaps (Python integers, one bit per document), built once per
  segment from the postings and combined with C-speed `&`, `|` and `int.bit_count()`;
- ranking is BM25 over Whoosh's postings with per-segment term weights kept best-first and a threshold
  algorithm that stops as soon as the top is certain (Whoosh scores every match one by one in Python).
"""

from exchange.search.engine.bitmaps import bits_to_ids
from exchange.search.engine.highlight import highlight_text, html_escape
from exchange.search.engine.schema import build_schema, signature
from exchange.search.engine.searchindex import SearchIndex, get_index, index_status
from exchange.search.engine.spec import (
    FACET_FIELDS,
    EngineResult,
    IndexBusy,
    IndexMissing,
    IndexUnavailable,
    SearchSpec,
    Visibility,
)
from exchange.search.engine.tokenizer import analyze_query, dutch_analyzer, fold_words, word_forms

__all__ = [
    "FACET_FIELDS",
    "EngineResult",
    "IndexBusy",
    "IndexMissing",
    "IndexUnavailable",
    "SearchIndex",
    "SearchSpec",
    "Visibility",
    "analyze_query",
    "bits_to_ids",
    "build_schema",
    "dutch_analyzer",
    "fold_words",
    "get_index",
    "highlight_text",
    "html_escape",
    "index_status",
    "signature",
    "word_forms",
]
