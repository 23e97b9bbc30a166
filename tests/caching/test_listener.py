"""The data version from PostgreSQL notifications (exchange/caching/listener.py): no read per request, never an
older number after this process's own write, and reads again while the listener is not connected."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from exchange import create_app
from exchange.caching import listener, version
from exchange.extensions import db as _db
from tests.statements import recording
from tests.waiting import until as _until


@pytest.fixture
def listening(app, monkeypatch):
    monkeypatch.setattr(listener, "RESYNC_SECONDS", 0.5)
    app.config["DATA_VERSION_LISTEN"] = True
    return app


def _stored(app) -> int:
    """The number in the table, on a connection of its own."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return connection.execute(text(version.CURRENT_SQL)).scalar() or 0
    finally:
        engine.dispose()


def _other_process_writes(app, practice_id: int, summary: str) -> None:
    """A write of another server process: an application of its own (its own engine), through the ORM."""
    from exchange.practices.models import Practice

    other = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with other.app_context():
        _db.session.get(Practice, practice_id).summary = summary
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()


def test_another_process_s_commit_arrives_without_a_read(listening, db, backend, make_practice):
    practice = make_practice("Thuiszitterstafel")
    with listening.app_context():
        held = version._listener()
        if backend == "sqlite":
            assert held is None  # SQLite reads a local file per request
            return
        _until(lambda: held.value is not None)
        before = version.current()
        _other_process_writes(listening, practice.id, "Een andere samenvatting.")
        _until(lambda: held.value == before + 1)
        with recording(listening) as statements:
            assert version.current() == before + 1 == _stored(listening)
        assert statements == []  # from the notification: no round trip


def test_this_process_s_commit_is_seen_at_once(listening, db, backend, make_practice):
    practice = make_practice("Thuiszitterstafel")
    with listening.app_context():
        held = version._listener()
        if held is not None:
            _until(lambda: held.value is not None)
        for round_ in range(20):
            practice.summary = f"Ronde {round_}."
            db.session.commit()
            assert version.current() == _stored(listening)  # never the number from before this commit


def test_a_lost_connection_reads_per_request_and_the_listener_comes_back(
    listening, db, backend, make_practice
):
    practice = make_practice("Thuiszitterstafel")
    with listening.app_context():
        held = version._listener()
        if backend == "sqlite":
            assert held is None and version.current() == _stored(listening)
            return
        _until(lambda: held.value is not None and held.backend_pid is not None)
        conninfo, held.conninfo = (
            held.conninfo,
            "postgresql://postgres@127.0.0.1:1/none",
        )  # it cannot reconnect
        with _db.engine.connect() as connection:  # the server ends the listening connection
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": held.backend_pid})
        _until(lambda: held.value is None)
        _other_process_writes(listening, practice.id, "Terwijl niemand luisterde.")
        assert held.value is None  # still down: what follows is read, not the number from before
        assert version.current() == _stored(listening)
        held.conninfo = conninfo
        _until(lambda: held.value is not None)  # reconnected, and read the row afresh
        assert held.value == _stored(listening)


def test_a_raise_that_sent_no_notification_is_read_at_the_next_resync(listening, db, backend):
    with listening.app_context():
        held = version._listener()
        if backend == "sqlite":
            assert held is None
            return
        _until(lambda: held.value is not None)
        engine = create_engine(listening.config["SQLALCHEMY_DATABASE_URI"])
        with engine.begin() as connection:  # by hand, as in psql: no NOTIFY
            connection.execute(text("UPDATE data_version SET version = version + 100"))
        engine.dispose()
        _until(lambda: held.value == _stored(listening), seconds=5)


def test_disposing_the_engine_stops_the_listener(listening, db, backend):
    with listening.app_context():
        held = version._listener()
        if backend == "sqlite":
            assert held is None
            return
        _until(lambda: held.backend_pid is not None)
        _db.engine.dispose()
        _until(lambda: not held._thread.is_alive(), seconds=5)


def test_a_late_notification_never_takes_the_number_back():
    # A listener that cannot connect (a closed loopback port), fed by hand as its thread would feed it.
    held = listener.Listener("postgresql://postgres@127.0.0.1:1/none", version.CURRENT_SQL)
    held.stop()
    held._thread.join(timeout=10)  # its thread gone, nothing but this test sets the number
    assert not held._thread.is_alive() and held.value is None  # never connected: read per request
    held._set(5)  # connected: the row read
    held.saw(7)  # this process commits 7
    held._set(6)  # another process's notification of 6 arrives late
    assert held.value == 7
    held._set(8)
    assert held.value == 8
