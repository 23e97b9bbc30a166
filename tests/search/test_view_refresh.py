"""A view after a commit shares the caches of the segments it kept: only the new segment is warmed."""

from __future__ import annotations

from exchange.search.engine import searchindex
from exchange.search.engine.caches import SegmentCache
from tests.search.engine_docs import numbered_practices


def test_a_new_view_warms_only_the_new_segment(tmp_path, monkeypatch):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(numbered_practices(50, 1))
    ix.apply(upserts=numbered_practices(20, 100))
    with ix._lock:
        first = ix._current_view()
        kept = {reader.segment().segment_id(): cache for reader, _, cache, _ in first.leaves}
    assert len(kept) == 2 and all(cache.warmed for cache in kept.values())

    calls = []
    original = SegmentCache.warm

    def recording(cache, reader):
        calls.append((reader.segment().segment_id(), cache.warmed))
        return original(cache, reader)

    monkeypatch.setattr(SegmentCache, "warm", recording)
    ix.apply(upserts=numbered_practices(5, 500))
    with ix._lock:
        view = ix._current_view()
        segments = {reader.segment().segment_id(): (reader, cache) for reader, _, cache, _ in view.leaves}
    new = set(segments) - set(kept)
    assert len(new) == 1
    assert all(segments[seg][1] is kept[seg] for seg in kept)  # the same caches, not copies
    assert {seg for seg, was_warm in calls if not was_warm} == new  # only the new segment is read

    read = []
    monkeypatch.setattr(SegmentCache, "field_values", lambda cache, reader, name: read.append(name) or [])
    for seg, cache in kept.items():
        original(cache, segments[seg][0])  # warming a warm segment again reads nothing
    assert read == []
    assert ix.search(_spec()).total == 75
    ix.close()


def _spec():
    from exchange.search.engine import SearchSpec

    return SearchSpec(clauses=[[("wachtlijst",)]], limit=1)
