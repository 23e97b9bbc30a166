"""Engine internals: our BM25 ranking agrees with Whoosh's, bitmaps agree with Whoosh's matching, writers lock."""

from __future__ import annotations

import random

import pytest

from exchange.search import engine
from exchange.search.engine import ranking

WORDS = [
    "thuiszitters",
    "wachtlijst",
    "gezinnen",
    "kinderen",
    "school",
    "wijkteam",
    "jeugdhulp",
    "inkoop",
    "pleegzorg",
    "regio",
    "samen",
    "plan",
]


@pytest.fixture
def small_index(tmp_path):
    rng = random.Random(7)
    index = engine.SearchIndex(tmp_path / "ix")
    docs = []
    for i in range(300):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        docs.append(
            {
                "key": f"practice:{i}",
                "type": "practice",
                "status": "published",
                "title": title,
                "body": body,
                "region": str(i % 5),
                "date": i,
            }
        )
    index.rebuild(docs)
    yield index
    index.close()


@pytest.mark.parametrize("words", [["thuiszitter"], ["wachtlijst", "gezin"], ["school", "kind", "regio"]])
def test_our_ranking_matches_whoosh_bm25(small_index, words):
    spec = engine.SearchSpec(clauses=[[(w,)] for w in words], limit=10, facets=())
    ours = [key for key, _ in small_index.search(spec).hits]

    reference = small_index.whoosh_ranking(words, limit=10)
    theirs = [key for key, _ in reference]
    scores = dict(reference)

    # Same documents in the same order, up to ties in score.
    assert [round(scores[k], 4) for k in ours if k in scores] == sorted(
        (round(s, 4) for s in scores.values()), reverse=True
    )[: len(ours)]
    assert set(ours) == set(theirs)


def test_bitmap_counts_match_whoosh_matching(small_index):
    for words in (["thuiszitter"], ["wachtlijst", "gezin"], ["pleegzorg", "inkoop", "plan"]):
        spec = engine.SearchSpec(clauses=[[(w,)] for w in words], limit=0, facets=())
        expected = len(small_index.whoosh_ranking(words, limit=None))
        assert small_index.search(spec).total == expected


def test_threshold_and_direct_scoring_agree(small_index):
    with small_index._lock:
        view = small_index._current_view()
        reader, offset, cache, _ = view.leaves[0]
        lists = [(1.5, cache.term_impacts(reader, "wachtlijst")), (0.7, cache.term_impacts(reader, "gezin"))]
        allowed = view.live
        raw = allowed.to_bytes((view.size >> 3) + 1, "little")
        direct = ranking.score_directly(lists, engine.bits_to_ids(allowed), 15)
        threshold = ranking.threshold_top(lists, raw, offset, 15)
    assert sorted(direct, reverse=True) == sorted(threshold, reverse=True)


def test_second_writer_waits_then_gives_up(small_index):
    with small_index.locked(), pytest.raises(engine.IndexBusy):
        small_index.apply(upserts=[{"key": "practice:x", "title": "x"}], timeout=0.1)


def test_facet_and_sort_values(small_index):
    spec = engine.SearchSpec(clauses=[], filters={"region": ["1", "2"]}, sort="date", limit=3)
    result = small_index.search(spec)
    assert result.total == 120
    assert [k for k, _ in result.hits] == ["practice:297", "practice:296", "practice:292"]
    assert result.facets["region"] == {"0": 60, "1": 60, "2": 60, "3": 60, "4": 60}
