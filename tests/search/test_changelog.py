"""The change log every server's index follows: positions inside the index, gaps from out-of-order commits,
a second index on the same database, retention (an index too far behind rebuilds itself) and /healthz lag."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from exchange import create_app
from exchange.database import utcnow
from exchange.search import changelog, outbox
from exchange.search.models import SearchOutbox
from exchange.search.queries import current_index
from tests.search.conftest import titles

CLEAN = "Ontbrekend: 0, verouderd: 0, overbodig: 0."


def test_advance_records_unseen_sequences_as_gaps_and_closes_them_when_they_appear():
    start = changelog.Position(applied=10)

    after = changelog.advance(start, [12, 14], now=100.0, gap_seconds=300)
    assert (after.applied, after.gaps) == (14, {11: 100.0, 13: 100.0})

    later = changelog.advance(after, [13], now=150.0, gap_seconds=300)
    assert (later.applied, later.gaps) == (14, {11: 100.0})

    expired = changelog.advance(later, [], now=401.0, gap_seconds=300)
    assert (expired.applied, expired.gaps) == (14, {})


def test_the_position_lives_inside_the_index_and_moves_with_each_commit(world, make_practice, db, app):
    index = current_index()
    make_practice("Thuiszitters positie")

    position = changelog.read_position(index.path)
    assert position.applied == db.session.scalar(select(func.max(SearchOutbox.id)))
    assert (Path(app.config["SEARCH_INDEX_DIR"]) / changelog.POSITION_FILE).is_file()
    # Applied rows stay in the log for the other servers.
    assert db.session.scalar(select(func.count(SearchOutbox.id))) >= 1
    assert outbox.pending_count(db.session) == 0


def _last(db) -> int:
    return db.session.scalar(select(func.max(SearchOutbox.id))) or 0


def _hold_back(db, after: int, upto: int) -> list[dict]:
    """Play a transaction that took its sequence numbers first but commits last: its log rows disappear until
    `_commit_late` puts them back with the same sequences."""
    rows = db.session.execute(
        select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.object_id, SearchOutbox.created_at).where(
            SearchOutbox.id > after, SearchOutbox.id <= upto
        )
    ).all()
    db.session.execute(
        SearchOutbox.__table__.delete().where(SearchOutbox.id > after, SearchOutbox.id <= upto)
    )
    db.session.commit()
    return [dict(row._mapping) for row in rows]


def _commit_late(db, rows: list[dict]) -> None:
    db.session.execute(insert(SearchOutbox.__table__), rows)
    db.session.commit()


def _play_out_of_order(db, make_practice) -> list[dict]:
    before = _last(db)
    make_practice("Thuiszitters traag")  # its sequences come first, its transaction "is still running"
    mine = _last(db)
    make_practice("Wachtlijst snel")  # later sequences, committed first
    return _hold_back(db, before, mine)


def test_a_change_that_commits_after_a_later_sequence_is_not_lost(
    world, make_practice, search, db, app, runner
):
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    late = _play_out_of_order(db, make_practice)
    app.config["SEARCH_APPLY_ON_COMMIT"] = True

    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    position = changelog.read_position(current_index().path)
    assert late and all(row["id"] in position.gaps for row in late)
    assert position.applied > max(row["id"] for row in late)
    assert search("thuiszitters").total == 0 and search("wachtlijst").total == 1

    _commit_late(db, late)
    assert runner.invoke(args=["search", "sync"]).exit_code == 0

    assert titles(search("thuiszitters")) == ["Thuiszitters traag"]
    assert not changelog.read_position(current_index().path).gaps


def test_without_a_gap_window_that_late_change_would_be_lost(world, make_practice, search, db, app, runner):
    # The same play with a gap window of 0 s: proves the test above depends on the re-read window.
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    app.config["SEARCH_GAP_SECONDS"] = 0
    late = _play_out_of_order(db, make_practice)
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    time.sleep(0.01)
    _commit_late(db, late)
    assert runner.invoke(args=["search", "sync"]).exit_code == 0

    assert search("thuiszitters").total == 0
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "ontbreekt: practice:" in result.output  # check finds what was lost


@pytest.fixture
def other_server(app, tmp_path):
    """A second app server on the same database with its own index folder (its connections closed after)."""
    from exchange.extensions import db

    server = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "other-instance"),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SEARCH_INDEX_DIR=str(tmp_path / "other-index"),
        MAIL_FOLDER=str(tmp_path / "other-mail"),
    )
    yield server
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def _on(server, *args: str):
    """Run `flask ...` on another server (its own app context: the CLI runner reuses the current one)."""
    with server.app_context():
        return server.test_cli_runner().invoke(args=list(args))


def test_a_second_server_applies_the_changes_the_first_one_applied_too(
    world, make_practice, db, runner, other_server
):
    assert _on(other_server, "search", "reindex", "--procs", "1").exit_code == 0
    make_practice("Thuiszitters eerste server")  # applied here right after the commit
    practice = make_practice("Wachtlijst eerste server")
    practice.title = "Wachtlijst hernoemd"
    db.session.commit()

    assert runner.invoke(args=["search", "check"]).output.strip().endswith(CLEAN)
    behind = _on(other_server, "search", "check")
    assert behind.exit_code == 1 and "ontbreekt: practice:" in behind.output

    synced = _on(other_server, "search", "sync")
    assert synced.exit_code == 0, synced.output
    assert _on(other_server, "search", "check").output.strip().endswith(CLEAN)
    assert runner.invoke(args=["search", "sync"]).output.strip() == "Geen openstaande wijzigingen."


def test_an_index_behind_the_logs_retention_rebuilds_itself_and_healthz_says_so(
    world, make_practice, db, app, runner, client
):
    index = current_index()
    make_practice("Thuiszitters oud")
    position = changelog.read_position(index.path)
    position.synced_at = time.time() - 80 * 3600  # offline for longer than the 72 hours the log keeps
    changelog.write_position(index.path, position)
    db.session.execute(update(SearchOutbox).values(created_at=utcnow() - timedelta(hours=80)))
    db.session.commit()
    pruned = runner.invoke(args=["search", "prune-log"])
    assert pruned.exit_code == 0 and "ouder dan 72 uur verwijderd" in pruned.output
    assert (
        db.session.scalar(select(func.count(SearchOutbox.id))) == 1
    )  # the newest row stays (see changelog.prune)
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    make_practice("Wachtlijst gemist")  # its log row is all that is left; the first one was pruned
    app.config["SEARCH_APPLY_ON_COMMIT"] = True

    result = runner.invoke(args=["search", "sync"])

    assert result.exit_code == 0, result.output
    assert "opnieuw opgebouwd" in result.output
    assert runner.invoke(args=["search", "check"]).output.strip().endswith(CLEAN)
    log = client.get("/healthz").json["checks"]["search_log"]
    assert log["rebuilt"]["reason"] == "behind the change log's retention"
    assert log["behind"] == 0


def test_healthz_reports_the_lag_and_answers_503_above_the_setting(
    world, make_practice, db, app, client, runner
):
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    make_practice("Thuiszitters achter")
    make_practice("Wachtlijst achter")
    db.session.execute(update(SearchOutbox).values(created_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()

    response = client.get("/healthz")

    assert response.status_code == 503
    log = response.json["checks"]["search_log"]
    assert log["ok"] is False and log["behind"] >= 2 and log["seconds"] >= 590
    assert log["latest"] - log["applied"] >= 2

    app.config["SEARCH_MAX_LAG_SECONDS"] = 3600
    assert client.get("/healthz").status_code == 200
    app.config["SEARCH_MAX_LAG_SECONDS"] = 120
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    caught_up = client.get("/healthz")
    assert caught_up.status_code == 200
    assert caught_up.json["checks"]["search_log"]["behind"] == 0


def test_the_watcher_timer_catches_up_without_a_request(world, make_practice, app, search):
    from exchange.search import warmup

    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    make_practice("Thuiszitters timer")
    assert search("thuiszitters").total == 0
    app.config["SEARCH_SYNC_SECONDS"] = 0.05
    app.config["SEARCH_WATCH_INTERVAL"] = 0.05
    index = current_index()
    try:
        warmup.warm_app(app)  # catches up on start (a server that was offline), then starts the timer
        assert search("thuiszitters").total == 1
        make_practice("Thuiszitters later")
        deadline = time.monotonic() + 30  # generous: the machine may be busy; usually a fraction of a second
        while search("thuiszitters").total < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert search("thuiszitters").total == 2
    finally:
        index.__dict__.get("_jobs", {}).clear()
        index.stop_watching()


def test_a_position_file_from_an_older_release_is_not_needed(world, make_practice, db, app, search, runner):
    # An index built before the change log has no position: it applies the rows the old outbox left.
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    make_practice("Thuiszitters van vroeger")
    (Path(app.config["SEARCH_INDEX_DIR"]) / changelog.POSITION_FILE).unlink()

    assert runner.invoke(args=["search", "sync"]).exit_code == 0

    assert search("thuiszitters").total == 1
    stored = json.loads((Path(app.config["SEARCH_INDEX_DIR"]) / changelog.POSITION_FILE).read_text())
    assert stored["applied"] == db.session.scalar(select(func.max(SearchOutbox.id)))
