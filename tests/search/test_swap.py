"""No cold start after an index swap or a new generation: the watcher stages a swapped-in build's spelling
tables and learned compounds and publishes them with the build in one swap (engine/watching.py), and refreshes
a new generation with its tables ready; a fresh worker after warm_app corrects without building tables."""

from __future__ import annotations

import gc
import runpy
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from exchange.search import engine, learned
from exchange.search.engine import vocabulary

ROOT = Path(__file__).resolve().parents[2]


def _docs(words: list[str], count: int = 30, first: int = 0) -> list[dict]:
    return [
        {
            "key": f"practice:{first + i}",
            "type": "practice",
            "status": "published",
            "title": f"{words[i % len(words)]} {i}",
            "body": f"Een aanpak met {words[i % len(words)]} en {words[(i + 1) % len(words)]}.",
            "spell": f"{words[i % len(words)]} aanpak {words[(i + 1) % len(words)]}",
            "region": str(i % 3),
            "theme": "1",
            "date": i,
            "updated": 1000 - i,
        }
        for i in range(count)
    ]


OLD_WORDS = ["wachtlijst", "crisis", "opvang", "crisisopvang"]
NEW_WORDS = ["pleegzorg", "gezinshuis", "woning", "gezinshuiswoning"]


@pytest.fixture
def counting(monkeypatch):
    """Counts of spelling tables built and compound learnings, from now on."""
    counts = {"tables": 0, "learn": 0}
    original_init = vocabulary.Table.__init__
    original_learn = learned.learn

    def table_init(self, *args, **kwargs):
        counts["tables"] += 1
        original_init(self, *args, **kwargs)

    def learn(*args, **kwargs):
        counts["learn"] += 1
        return original_learn(*args, **kwargs)

    monkeypatch.setattr(vocabulary.Table, "__init__", table_init)
    monkeypatch.setattr(learned, "learn", learn)
    return counts


@pytest.fixture
def index(tmp_path, counting):
    ix = engine.SearchIndex(tmp_path / "ix")
    ix.rebuild(_docs(OLD_WORDS))
    ix.warm()
    learned.learned_from(ix)  # as warm_app: the compounds (with the counting `learn`) and the spelling tables
    ix.warm_vocabulary()
    yield ix
    ix.close()


def _wait(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _swap_in(index, words: list[str]) -> str:
    """Another process rebuilds (as `flask search reindex`); returns the new build id."""
    other = engine.SearchIndex(index.path)
    other.rebuild(_docs(words))
    other.close()
    return (index.path / "BUILD").read_text().strip()


def _published(index, build: str) -> bool:
    with index._lock:
        return index._build == build


def test_a_swap_publishes_the_build_with_its_spelling_tables_and_compounds(index, counting):
    old_compounds = learned.learned_from(index)
    assert "crisisopvang" in old_compounds.compounds_of("opvang")
    index.watch(interval=0.02)
    try:
        build = _swap_in(index, NEW_WORDS)
        assert _wait(lambda: _published(index, build))

        # Published together with the build, before any search ran.
        with index._lock:
            spelling_build, tables = index._spelling
            (compounds_build, _), compounds = index._per_build["compounds"]
        assert spelling_build == build and tables.base is not None
        assert "pleegzorg" in tables.base.freq and "wachtlijst" not in tables.base.freq
        assert compounds_build == build
        assert "gezinshuis" in compounds.compounds_of("gezin")
        assert not compounds.compounds_of("opvang")
        built = dict(counting)

        # The first searches use them: no table is built, nothing is learned.
        assert index.correct("pleegzorgg") is not None
        assert index.correct("pleegzorgg")[0] == "pleegzorg"
        assert learned.learned_from(index) is compounds
        assert counting == built
    finally:
        index.stop_watching()


def test_a_search_during_the_swap_keeps_the_old_build_and_its_tables(index):
    old_build = index._build
    seen: list = []

    def hook(ix, view):
        # Runs on the staged view while the build is being prepared: a search now still gets the old set.
        seen.append(
            (
                view is not ix._view,
                ix.search(engine.SearchSpec(clauses=[[("wachtlijst",)]], limit=1)).total,
                ix.correct("wachtlijts"),
                ix._spelling[0],
                ix._per_build["compounds"][0][0],
                ix._build,
                "gezinshuis" in learned.learned_from(ix, view).compounds_of("gezin"),
            )
        )

    index.swap_hooks.append(hook)
    index.watch(interval=0.02)
    try:
        build = _swap_in(index, NEW_WORDS)
        assert _wait(lambda: _published(index, build))
    finally:
        index.stop_watching()

    assert len(seen) == 1
    staged_apart, total, correction, spelling_build, compounds_build, current, staged_compounds = seen[0]
    assert staged_apart
    assert total > 0 and correction is not None and correction[0] == "wachtlijst"
    assert spelling_build == compounds_build == current == old_build
    assert staged_compounds  # the hook's own learning is on the staged build
    assert index.search(engine.SearchSpec(clauses=[[("wachtlijst",)]], limit=1)).total == 0


def test_from_vocabulary_takes_only_the_staged_view(index):
    with index._lock:
        view = index._view
    with pytest.raises(ValueError):
        learned.learned_from(index, view)


def test_a_new_generation_is_served_with_its_spelling_tables_ready(index, counting):
    index.watch(interval=0.02)
    try:
        other = engine.SearchIndex(index.path)
        other.apply(upserts=_docs(["kraanvogelnest"], count=3, first=100))
        generation = other.generation()
        other.close()
        assert _wait(lambda: index._generation == generation)

        with index._lock:
            view = index._view
            tables = index._spelling[1]
            assert any("kraanvogelnest" in table.freq for table in tables.tables(view))
            assert getattr(view, "_public_slices", None) is not None
        built = dict(counting)
        assert index.correct("kraanvogelnesst")[0] == "kraanvogelnest"
        assert counting == built
    finally:
        index.stop_watching()


def test_a_small_index_relearns_its_compounds_on_the_watcher(index, counting):
    index.watch(interval=0.02)
    try:
        other = engine.SearchIndex(index.path)
        other.apply(upserts=_docs(["jeugd", "zorg", "jeugdzorg"], count=6, first=200))
        generation = other.generation()
        other.close()
        assert _wait(lambda: index._generation == generation)
        assert _wait(lambda: "jeugdzorg" in learned.learned_from(index).compounds_of("zorg"))
    finally:
        index.stop_watching()


def test_a_fresh_worker_corrects_without_building_tables(app, db, world, make_practice, counting, caplog):
    from sqlalchemy import select

    from exchange.search import queries
    from exchange.search.models import SearchMiss
    from exchange.search.parsing import SearchRequest

    make_practice("Jeugdhulp thuis", body="Jeugdhulp aan huis.")
    make_practice("Samen wonen", body="Veel jongvolwassenen zoeken een eigen plek.")
    index = queries.current_index()
    index.close()
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](SimpleNamespace(wsgi=app))
        built = dict(counting)

        with app.test_request_context("/zoeken"):
            outcome = queries.search(None, SearchRequest(q="jongvolwasenen"), grouped=True)

        assert outcome.corrected_from == "jongvolwasenen" and outcome.total == 1
        assert counting == built
        # The warm-up's own searches (a correction, one that finds nothing) are not in the search log.
        assert db.session.scalar(select(SearchMiss)) is None
        assert not [r for r in caplog.records if r.levelname == "WARNING" and "warm" in r.getMessage()]
    finally:
        gc.unfreeze()  # the hook froze this test process's objects
        index.stop_watching()
