"""No cold start: the engine is warmed before it serves, after a worker starts and after an index swap."""

from __future__ import annotations

import gc
import runpy
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from exchange.search import engine

ROOT = Path(__file__).resolve().parents[2]


def _docs(word: str, count: int = 40) -> list[dict]:
    return [
        {
            "key": f"practice:{i}",
            "type": "practice",
            "status": "published",
            "title": f"{word} {i}",
            "body": f"Een aanpak met {word} in regio {i % 3}.",
            "region": str(i % 3),
            "theme": str(1 + i % 2),
            "date": i,
            "updated": 1000 - i,
        }
        for i in range(count)
    ]


@pytest.fixture
def index(tmp_path):
    ix = engine.SearchIndex(tmp_path / "ix")
    ix.rebuild(_docs("wachtlijst"))
    yield ix
    ix.close()


def _wait(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_warm_fills_every_segments_caches_before_a_search(index):
    index.warm()

    view = index._view
    assert view is not None
    assert set(view.facets) >= {"region:0", "region:1", "region:2", "theme:1", "theme:2", "status:published"}
    assert set(view.sort_cache) == {"date", "updated"}
    for reader, _, cache, _ in view.leaves:
        assert cache._norms is not None and len(cache._norms) == cache.size
        assert set(cache.orders) == {"date", "updated"}


def test_warm_without_an_index_raises_missing(tmp_path):
    with pytest.raises(engine.IndexMissing):
        engine.SearchIndex(tmp_path / "none").warm()


def test_a_term_is_decoded_once_for_matching_and_ranking(index, monkeypatch):
    from exchange.search.engine import whoosh_internals

    index.warm()
    calls = []
    original = whoosh_internals.raw_postings

    def counting(reader, fieldname, text):
        calls.append((fieldname, text))
        return original(reader, fieldname, text)

    monkeypatch.setattr(whoosh_internals, "raw_postings", counting)
    spec = engine.SearchSpec(clauses=[[("wachtlijst",)]], limit=5)
    result = index.search(spec)

    assert result.total == 40 and len(result.hits) == 5
    assert calls.count(("text", "wachtlijst")) == len(index._view.leaves)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("lokal", "team"), {0, 3}),  # not "lokale en regionale teams" (1) nor "teams lokale" (2)
        (("team", "lokal"), {2}),
        (("lokal", "jeugdhulpaanbieder"), {4}),  # stop words between words count as nothing (3 is not next)
        (("lokal", "jeugdhulp"), {4}),  # a compound part stands at its word's position
        (("samen", "lokal"), set()),
    ],
)
def test_phrases_are_consecutive_positions(tmp_path, words, expected):
    ix = engine.SearchIndex(tmp_path / "ix")
    bodies = [
        "de lokale teams werken samen",
        "lokale en regionale teams",
        "teams lokale",
        "het lokale team van de jeugdhulpaanbieders",
        "lokale jeugdhulpaanbieders en teams",
    ]
    ix.rebuild([{"key": f"practice:{i}", "title": "x", "body": b} for i, b in enumerate(bodies)])
    try:
        result = ix.search(engine.SearchSpec(clauses=[[words]], limit=10, facets=()))
    finally:
        ix.close()

    assert {int(key.partition(":")[2]) for key, _ in result.hits} == expected
    assert result.total == len(expected)


def test_watcher_warms_a_swapped_in_index_before_searches_use_it(index):
    index.warm()
    index.watch(interval=0.02)
    try:
        old_view = index._view
        spec = engine.SearchSpec(clauses=[[("pleegzorg",)]], limit=3)
        assert index.search(spec).total == 0

        # Another process rebuilds (a second SearchIndex on the same directory, as `flask search reindex`).
        other = engine.SearchIndex(index.path)
        other.rebuild(_docs("pleegzorg", count=25))
        other.close()
        new_build = (index.path / "BUILD").read_text().strip()

        assert _wait(lambda: index._build == new_build)
        view = index._view
        assert view is not old_view
        # Warmed by the watcher, before any search asked for it.
        assert "region:0" in view.facets and set(view.sort_cache) == {"date", "updated"}
        assert index.search(spec).total == 25
        assert index._view is view
    finally:
        index.stop_watching()
    assert not index._watching()


def test_watcher_serves_the_previous_build_until_the_new_one_is_warm(index, monkeypatch):
    index.warm()
    spec = engine.SearchSpec(clauses=[[("wachtlijst",)]], limit=3)
    # A watcher that never catches up: searches keep the build they have instead of opening the new one.
    monkeypatch.setattr(index, "_watching", lambda: True)
    other = engine.SearchIndex(index.path)
    other.rebuild(_docs("pleegzorg", count=25))
    other.close()

    assert index.search(spec).total == 40

    monkeypatch.setattr("exchange.search.engine.searchindex.STALE_SECONDS", 0.0)
    assert index.search(spec).total == 0


def test_gunicorn_hook_warms_the_app_and_starts_the_watcher(app, db, world, make_practice):
    from exchange.search.queries import current_index

    make_practice("Wachtlijstaanpak in de regio")
    index = current_index()
    index.close()
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        config["post_worker_init"](SimpleNamespace(wsgi=app))

        assert index._view is not None and index._view.facets
        assert index._watching()
        assert gc.get_freeze_count() > 0  # what the warm worker holds is left out of collections
    finally:
        gc.unfreeze()  # this is the test process, not a worker
        index.stop_watching()


def test_warm_app_without_an_index_does_not_raise(app, tmp_path):
    from exchange.search.warmup import warm_app

    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "no-index")
    app.config["SEARCH_WATCH"] = False

    assert warm_app(app) is None


def test_newest_first_over_several_segments_is_the_global_order(index):
    index.apply(
        upserts=[dict(doc, key=f"practice:{100 + i}", date=5 + 7 * i) for i, doc in enumerate(_docs("x", 30))]
    )
    index.apply(
        upserts=[dict(doc, key=f"practice:{200 + i}", date=3 * i) for i, doc in enumerate(_docs("y", 30))]
    )
    spec = engine.SearchSpec(sort="date", limit=50, offset=0)

    result = index.search(spec)

    dates = {f"practice:{i}": i for i in range(40)}
    dates.update({f"practice:{100 + i}": 5 + 7 * i for i in range(30)})
    dates.update({f"practice:{200 + i}": 3 * i for i in range(30)})
    expected = sorted(dates, key=lambda k: -dates[k])[:50]
    assert result.total == 100
    assert [dates[k] for k, _ in result.hits] == [dates[k] for k in expected]
    # The merged per-segment orders (what a page of a large match set walks) are the global order.
    with index._lock:
        view = index._current_view()
        assert len(view.leaves) == 3
        values = view.sort_values("date")
        assert list(view.sort_order("date")) == sorted(range(view.size), key=lambda d: (-values[d], d))
    first = index.search(engine.SearchSpec(sort="date", limit=1))
    assert [dates[k] for k, _ in first.hits] == [dates[expected[0]]]
