"""What the engine is asked and answers: the search spec, visibility, results, and its two errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

FACET_FIELDS = (
    "type",
    "region",
    "province",
    "theme",
    "action_line",
    "phase",
    "year",
    "evidence",
    "participation",
)


class IndexBusy(Exception):
    """Another process holds the index writer lock (or a rebuild runs); the outbox keeps the changes."""


class IndexUnavailable(IndexBusy):
    """The index cannot be read: `reason` is "missing", "corrupt" or "partial" (with `detail`).

    Searches raise it (pages answer "temporarily unavailable", never "0 results"); writers raise it too, and
    as an IndexBusy the changes then wait in the outbox until `flask search reindex` rebuilt the index.
    """

    def __init__(self, path: str, reason: str, detail: str = ""):
        self.path, self.reason, self.detail = path, reason, detail
        super().__init__(f"{path}: {reason}" + (f" ({detail})" if detail else ""))


class IndexMissing(IndexUnavailable):
    """No index has been built yet: changes wait in the outbox for `reindex`.

    A save never creates a partial index (search would then silently show a fraction of the data, and
    /healthz would call it healthy); only `flask search reindex` builds one.
    """

    def __init__(self, path: str):
        super().__init__(path, "missing")


@dataclass
class Visibility:
    """Which drafts the searcher may see besides everything published (archived items are never indexed)."""

    all_drafts: bool = False
    draft_regions: Sequence[int] = ()
    coached: Sequence[tuple[int, int]] = ()  # (region id, theme id)


@dataclass
class SearchSpec:
    """A search as the engine understands it.

    `clauses`: all must match; each clause is a list of alternatives, each alternative a tuple of index
    terms (one term, or several for a phrase). The first alternative is what the user typed; the others
    (synonyms) weigh a little less. `weights`: alternatives with a weight of their own (at most 1; narrower
    terms, compounds found through a part), the others weigh as above. `filters`: index field -> allowed
    values (OR within, AND across).
    """

    clauses: list[list[tuple[str, ...]]] = field(default_factory=list)
    weights: dict[tuple[str, ...], float] = field(default_factory=dict)
    min_match: int = 0  # documents must match this many clauses (0: all of them)
    filters: dict[str, list[str]] = field(default_factory=dict)
    visibility: Visibility = field(default_factory=Visibility)
    sort: str = "relevance"  # relevance | date | updated
    offset: int = 0
    limit: int = 10
    facets: Sequence[str] = FACET_FIELDS
    exclude: Sequence[str] = ()  # keys never to return


@dataclass
class EngineResult:
    total: int
    hits: list[tuple[str, float]]
    facets: dict[str, dict[str, int]]
    terms: set[str]
    took_ms: float = 0.0
    # Grouped searches (grouping.run_grouped): practice key -> (matching results, best result's key), and
    # the best matching themes and regions.
    children: dict[str, tuple[int, str]] = field(default_factory=dict)
    related: list[tuple[str, float]] = field(default_factory=list)
