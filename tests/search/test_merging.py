"""The merge policy of our commits (exchange/search/engine/merging.py): small segments by tiers, never a large
merge inside a save (Whoosh's own policy merged 26 segments of 10,000 documents on the first save after a
parallel build at 100k, for 298 s)."""

from __future__ import annotations

import pytest

from exchange.search.engine import merging, searchindex
from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.schema import INDEX_NAME
from tests.search.engine_docs import numbered_practices


def sizes(ix) -> list[int]:
    opened = internals.open_index(str(ix.path), INDEX_NAME)
    try:
        return sorted(segment.doc_count_all() for segment in opened._segments())
    finally:
        opened.close()


def test_tiers_by_powers_of_ten():
    assert [merging.tier(n) for n in (0, 1, 9, 10, 99, 100, 999, 1000, 10_000)] == [0, 0, 0, 1, 1, 2, 2, 3, 4]


@pytest.mark.parametrize(
    ("sizes", "chosen"),
    [
        ([3] * 7, []),  # too few of a tier
        ([3] * 8, list(range(8))),
        ([3] * 3 + [40] * 8 + [10_000] * 30, list(range(11))),  # the smaller tiers join the one that merges
        ([3] * 3 + [40] * 2 + [10_000] * 30, []),  # the large ones never
        ([800] * 8, []),  # 6,400 documents: more than one commit may merge
        ([600] * 8, list(range(8))),  # 4,800
        ([400] * 30, []),  # the case found at 100k, in small: Whoosh's policy merged 26 of 30 such segments
    ],
)
def test_which_segments_a_commit_merges(sizes, chosen):
    assert merging.chosen_for_merge(sizes) == chosen


def test_saves_merge_small_segments_and_leave_large_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(merging, "MAX_MERGE_DOCS", 100)
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(numbered_practices(1, 1))
    for n in range(8):  # eight segments of 30 documents: 240 together, more than a commit may merge
        ix.apply(upserts=numbered_practices(30, 100 + 30 * n))
    assert sizes(ix).count(30) == 8
    for n in range(7):  # saves of one document each: tiny segments pile up to a tier's MERGE_FROM ...
        ix.apply(upserts=numbered_practices(1, 1000 + n))
    assert sizes(ix).count(1) == 8 and sizes(ix).count(30) == 8
    ix.apply(
        upserts=numbered_practices(1, 2000)
    )  # ... and the commit that adds the ninth merges the tier (and itself)
    assert sorted(sizes(ix)) == sorted([30] * 8 + [9]), sizes(ix)
    assert ix.search(_spec("wachtlijst")).total == 1 + 240 + 8  # nothing lost in the merge
    ix.close()


def _spec(word: str):
    from exchange.search.engine import SearchSpec

    return SearchSpec(clauses=[[(word,)]], limit=1)
