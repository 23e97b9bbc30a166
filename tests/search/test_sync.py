"""Keeping the index true: change log row in the same transaction, applied after commit, nothing lost on crash or
lock."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import select, update

from exchange.policy import SYSTEM
from exchange.search import engine, outbox
from exchange.search.engine import searchindex
from tests.search.conftest import titles


def pending(db) -> int:
    """Change log rows this index has not applied yet (rows stay in the log for the other servers)."""
    return outbox.pending_count(db.session)


def current_index(app):
    return engine.get_index(app.config["SEARCH_INDEX_DIR"])


def test_a_save_is_searchable_as_soon_as_it_is_committed(world, make_practice, search, db):
    # How fast (the "within a second" target) is measured by bench/search.py, not by a timed test.
    make_practice("Thuiszitters direct vindbaar")

    assert search("thuiszitters").total == 1
    assert pending(db) == 0


def test_outbox_row_is_written_in_the_same_transaction_and_rolled_back_with_it(
    world, make_practice, search, db
):
    make_practice("Thuiszitters teruggedraaid", commit=False)
    db.session.flush()
    assert pending(db) >= 1

    db.session.rollback()

    assert pending(db) == 0
    assert search("thuiszitters").total == 0


def test_rows_flushed_by_autoflush_before_commit_are_indexed(world, make_practice, search, db):
    from exchange.practices.models import Practice

    practice = make_practice("Thuiszitters eerst", commit=False)
    practice.title = "Thuiszitters later"
    db.session.scalar(select(Practice.id).where(Practice.id == practice.id))  # autoflush
    db.session.commit()

    assert titles(search("thuiszitters")) == ["Thuiszitters later"]


def test_a_rolled_back_savepoint_is_not_indexed(world, make_practice, search, db):
    kept = make_practice("Thuiszitters blijft", commit=False)
    with db.session.begin_nested() as savepoint:
        make_practice("Thuiszitters verdwijnt", commit=False)
        db.session.flush()
        savepoint.rollback()
    db.session.commit()

    assert titles(search("thuiszitters")) == [kept.title]
    assert pending(db) == 0


def test_deleting_a_practice_removes_it_and_its_results(world, make_practice, search, db):
    from datetime import date
    from decimal import Decimal

    from exchange.practices import services

    practice = make_practice("Thuiszitters tijdelijk")
    services.add_result(
        SYSTEM,
        practice,
        services.ResultData(
            indicator="Thuiszitters per maand",
            value=Decimal(4),
            measured_on=date(2024, 2, 1),
            phase=world.phases[0],
        ),
    )
    db.session.commit()
    assert search("thuiszitters", soort=["praktijk", "resultaat"]).total == 2

    db.session.delete(practice)
    db.session.commit()

    assert search("thuiszitters", soort=["praktijk", "resultaat"]).total == 0


def test_a_crash_after_commit_loses_nothing(world, make_practice, search, db, monkeypatch, runner):
    def crash(*args, **kwargs):
        raise RuntimeError("worker died after the commit")

    monkeypatch.setattr(outbox, "apply_pending", crash)
    make_practice("Thuiszitters na de crash")  # committed; applying fails (logged, not raised)
    assert pending(db) >= 1
    assert search("thuiszitters").total == 0
    monkeypatch.undo()

    result = runner.invoke(args=["search", "sync"])

    assert result.exit_code == 0, result.output
    assert pending(db) == 0
    assert search("thuiszitters").total == 1


def test_the_next_write_applies_what_an_earlier_one_left_behind(
    world, make_practice, search, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "SEARCH_APPLY_ON_COMMIT", False)  # as if the worker died
    make_practice("Thuiszitters eerder")
    monkeypatch.setitem(app.config, "SEARCH_APPLY_ON_COMMIT", True)

    make_practice("Wachtlijst later")

    assert search("thuiszitters").total == 1
    assert pending(db) == 0


def test_a_locked_index_keeps_the_change_in_the_outbox(world, make_practice, search, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_WRITER_TIMEOUT", 0.1)
    index = current_index(app)
    with index.locked():
        make_practice("Thuiszitters tijdens slot")  # the commit succeeds; the index write gives up
        assert pending(db) >= 1
    assert search("thuiszitters").total == 0

    make_practice("Iets anders")  # the next write applies both

    assert search("thuiszitters").total == 1
    assert pending(db) == 0


def test_a_big_import_is_applied_in_one_writer(world, make_practice, search, db, app):
    index = current_index(app)
    generation = index.generation()

    for i in range(150):
        make_practice(f"Geimporteerd wijkteam {i}", commit=False)
    db.session.commit()

    assert search("wijkteam").total == 150
    assert index.generation() == generation + 1
    assert pending(db) == 0


def test_bulk_updates_skip_the_hooks_and_check_fix_repairs_them(world, make_practice, search, db, runner):
    from exchange.practices.models import Practice

    make_practice("Thuiszitters oude titel")
    db.session.execute(update(Practice).values(title="Wachtlijst nieuwe titel"))
    db.session.commit()
    assert search("wachtlijst").total == 0  # documented: bulk statements bypass the session hooks

    report = runner.invoke(args=["search", "check"])
    assert report.exit_code == 1
    assert "verouderd: practice:" in report.output

    fixed = runner.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert titles(search("wachtlijst")) == ["Wachtlijst nieuwe titel"]
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_check_reports_missing_and_superfluous_documents(world, make_practice, db, app, runner):
    practice = make_practice("Thuiszitters")
    index = current_index(app)
    index.apply(
        deletes=[f"practice:{practice.id}"],
        upserts=[{"key": "practice:999999", "type": "practice", "title": "spook"}],
    )

    result = runner.invoke(args=["search", "check"])

    assert result.exit_code == 1
    assert f"ontbreekt: practice:{practice.id}" in result.output
    assert "overbodig: practice:999999" in result.output


def test_changing_a_region_rewrites_its_practices(world, make_practice, search, db):
    make_practice("Thuiszitters in Rijnmond")
    world.region.province = "Utrecht"
    db.session.commit()

    outcome = search("thuiszitters")

    assert {v.value: v.count for v in next(f for f in outcome.facets if f.param == "provincie").values} == {
        "utrecht": 1
    }


def test_replaced_documents_never_show_twice_to_a_long_lived_searcher(world, make_practice, search, db):
    practice = make_practice("Thuiszitters versie een")
    assert search("thuiszitters").total == 1  # the searcher of this process is open now
    for n in ("twee", "drie"):
        practice.title = f"Thuiszitters versie {n}"
        db.session.commit()

    assert titles(search("thuiszitters")) == ["Thuiszitters versie drie"]


def test_one_searcher_per_process_reopened_only_when_the_index_changed(
    world, make_practice, search, monkeypatch
):
    make_practice("Thuiszitters")
    search("thuiszitters")
    opened = []
    real_open = searchindex.index.open_dir
    monkeypatch.setattr(searchindex.index, "open_dir", lambda *a, **k: opened.append(a) or real_open(*a, **k))

    for _ in range(5):
        search("thuiszitters")

    assert opened == []


def test_reindex_swaps_in_a_new_build_that_running_searchers_notice(
    world, make_practice, search, db, runner, app
):
    make_practice("Thuiszitters")
    assert search("thuiszitters").total == 1
    from exchange.practices.models import Practice

    db.session.execute(update(Practice).values(title="Wachtlijst na herbouw"))  # bypasses the hooks
    db.session.commit()

    result = runner.invoke(args=["search", "reindex", "--procs", "1"])

    assert result.exit_code == 0, result.output
    assert "Index opnieuw opgebouwd" in result.output
    assert search("wachtlijst").total == 1
    assert search("thuiszitters").total == 0


def test_changes_saved_during_a_rebuild_reach_the_new_index(world, make_practice, search, db, app):
    from exchange.search import documents

    index = current_index(app)
    make_practice("Thuiszitters vooraf")

    def documents_with_a_save_halfway():
        for i, doc in enumerate(documents.all_documents()):
            if i == 10:
                # Another worker saves while the rebuild holds the lock: its write gives up at once.
                make_practice("Wachtlijst tijdens herbouw")
            yield doc

    index.rebuild(documents_with_a_save_halfway())
    assert pending(db) >= 1
    outbox.apply_pending()

    assert search("wachtlijst").total == 1
    assert search("thuiszitters").total == 1


def _writer_process(config: dict, prefix: str, count: int, ready, go) -> None:
    """A second worker: its own app on the same database and index, saving `count` practices."""
    from sqlalchemy import select as sa_select

    from exchange import create_app
    from exchange.extensions import db as sa_db
    from exchange.practices import services
    from exchange.reference.models import CyclePhase, Region, Theme

    app = create_app("config.TestConfig", **config)
    with app.app_context():
        region = sa_db.session.scalar(sa_select(Region).where(Region.code == "JZ29"))
        theme = sa_db.session.scalar(sa_select(Theme).where(Theme.slug == "onderwijs-zorg"))
        phase = sa_db.session.scalar(sa_select(CyclePhase).order_by(CyclePhase.position).limit(1))
        ready.set()
        go.wait(10)
        for i in range(count):
            data = services.PracticeData(
                title=f"{prefix} wijkteam {i}", summary="Samen.", themes=[theme], phase=phase
            )
            practice = services.create_practice(SYSTEM, region, data)
            services.publish_practice(SYSTEM, practice)
            sa_db.session.commit()
        sa_db.session.remove()
        sa_db.engine.dispose()


def _run_writers(app, locked: bool) -> None:
    context = multiprocessing.get_context("fork")
    config = {
        "INSTANCE_PATH": app.instance_path,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "MAIL_FOLDER": app.config["MAIL_FOLDER"],
        "SEARCH_WRITER_TIMEOUT": 0.2 if locked else 10.0,
    }
    go = context.Event()
    workers = []
    for prefix in ("Eerste", "Tweede"):
        ready = context.Event()
        process = context.Process(target=_writer_process, args=(config, prefix, 5, ready, go))
        process.start()
        ready.wait(30)
        workers.append(process)
    go.set()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0


@pytest.mark.parametrize("locked", [False, True], ids=["concurrent", "index-locked"])
def test_two_processes_writing_at_once_lose_no_update(world, search, db, app, runner, locked):
    # No connection shared with the forked workers: return this test's connection, then empty the pool.
    db.session.remove()
    db.engine.dispose()
    index = current_index(app)
    index.ensure()
    if locked:
        with index.locked():
            _run_writers(app, locked=True)
        assert search("wijkteam").total < 10  # the workers' writes gave up; the outbox has them
        assert runner.invoke(args=["search", "sync"]).exit_code == 0
    else:
        _run_writers(app, locked=False)
        outbox.apply_pending()

    assert search("wijkteam").total == 10
    assert {h.title.split()[0] for h in search("wijkteam", per_pagina=50).hits} == {"Eerste", "Tweede"}
    assert pending(db) == 0
