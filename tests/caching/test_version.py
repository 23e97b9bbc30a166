"""The data version: raised once by each commit that changes what visitors see, and by nothing else."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import create_engine, select, text, update

from exchange.caching import version
from exchange.practices import services
from exchange.practices.models import Practice
from tests.web import login


def test_a_visible_commit_raises_the_version_by_one(db, make_practice):
    practice = make_practice("Thuiszitterstafel")
    before = version.current()
    practice.summary = "Een nieuwe samenvatting."
    db.session.commit()
    assert version.current() == before + 1


def test_publishing_raises_the_version(db, cast, make_practice):
    practice = make_practice("Thuiszitterstafel")
    before = version.current()
    services.publish_practice(cast.staff, practice)
    db.session.commit()
    assert version.current() == before + 1


def test_a_rolled_back_change_leaves_the_version(db, make_practice):
    practice = make_practice("Thuiszitterstafel")
    before = version.current()
    practice.summary = "Teruggedraaid."
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert version.current() == before


def test_renaming_a_theme_raises_the_version(db, cast):
    before = version.current()
    cast.theme.name = "Onderwijs en zorg, hernoemd"
    db.session.commit()
    assert version.current() == before + 1


def test_a_bulk_update_raises_the_version(db, make_practice):
    make_practice("Thuiszitterstafel")
    before = version.current()
    db.session.execute(update(Practice).values(summary="Alles anders."))
    db.session.commit()
    assert version.current() == before + 1


def test_signing_in_leaves_the_version(app, client, cast):
    with app.app_context():
        before = version.current()
    login(client, cast.staff)
    client.get("/werkruimte")
    with app.app_context():
        assert version.current() == before


def test_the_version_survives_an_emptied_table(db, make_practice):
    practice = make_practice("Thuiszitterstafel")
    db.session.execute(version.DataVersion.__table__.delete())
    db.session.commit()
    assert version.current() == 0
    practice.summary = "Na het legen."
    db.session.commit()
    assert version.current() == 2


def test_the_version_is_read_where_the_application_writes(app, db, backend):
    """SQLite reads on the application's own engine (an in-memory database exists only there); any other
    database has a reader of its own whose connections are in autocommit and are neither pinged nor reset."""
    reader = version.reader()
    if backend == "sqlite":
        assert reader is db.engine
        return
    assert reader is not db.engine
    assert reader.url == db.engine.url
    with reader.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is True
    assert reader.pool._pre_ping is False
    assert version.reader() is reader  # one per process and engine, not one per read


def test_a_commit_elsewhere_is_read_at_once(app, db, backend, make_practice):
    """The reader never keeps a snapshot: a commit on another connection is the next read's answer."""
    practice = make_practice("Thuiszitterstafel")
    before = version.current()
    other = create_engine(db.engine.url)
    try:
        with other.begin() as connection:
            connection.execute(text("UPDATE data_version SET version = version + 5 WHERE id = 1"))
    finally:
        other.dispose()
    assert version.current() == before + 5
    practice.summary = "Daarna nog een wijziging."
    db.session.commit()
    assert version.current() == before + 6


def test_a_reader_connection_the_server_dropped_is_replaced(app, db, backend, make_practice):
    if (
        backend == "sqlite"
    ):  # no server drops a file's connection, so none is pinged (database.engine_options)
        assert version.reader().pool._pre_ping is False
        return
    make_practice("Thuiszitterstafel")
    before = version.current()
    reader = version.reader()
    with reader.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with db.engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    assert version.current() == before
    with reader.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


def test_disposing_the_engine_closes_the_reader(app, db, backend):
    reader = version.reader()
    version.current()
    db.engine.dispose()
    if backend == "sqlite":
        assert reader is db.engine
        return
    assert version.READER_KEY not in app.extensions or not app.extensions[version.READER_KEY]
    assert reader.pool.checkedin() == 0
    assert version.reader() is not reader


def test_sqlite_reads_go_through_a_connection_of_the_thread(tmp_path):
    """On a SQLite file the reads of every request skip the pool: each thread has its own autocommit
    connection, which sees every commit at once, and is opened again once the engine is disposed; a database in
    memory (only on the engine's own connections) is read through the pool."""
    import threading

    engine = create_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (n INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        first = version._thread_connection(engine)
        assert first is not None and version._thread_connection(engine) is first
        assert version._fetch_one_sqlite(engine, "SELECT n FROM t", ()) == (1,)
        with engine.begin() as connection:
            connection.execute(text("UPDATE t SET n = 2"))
        assert version._fetch_one_sqlite(engine, "SELECT n FROM t", ()) == (2,)
        assert engine.pool.checkedout() == 0

        others: list = []
        thread = threading.Thread(target=lambda: others.append(version._thread_connection(engine)))
        thread.start()
        thread.join()
        assert others[0] is not None and others[0] is not first

        engine.dispose()
        assert version._thread_connection(engine) is not first
    finally:
        engine.dispose()
    memory = create_engine("sqlite://")
    assert version._thread_connection(memory) is None
    assert version._fetch_one_sqlite(memory, "SELECT 7", ()) == (7,)


def test_sqlite_reads_keep_a_row_until_any_connection_commits(tmp_path):
    """The thread's connection answers a repeated read from the row it kept while `PRAGMA data_version` says
    nothing was committed; a commit by another process, or by another connection of this one, is read at once."""
    path = tmp_path / "kept.db"
    engine = create_engine(f"sqlite:///{path}")
    own = version._thread_connection(engine)
    executed: list[str] = []
    own.set_trace_callback(executed.append)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (n INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        assert version._fetch_one_sqlite(engine, "SELECT n FROM t", ()) == (1,)
        assert version._fetch_one_sqlite(engine, "SELECT n FROM t", ()) == (1,)
        assert executed.count("SELECT n FROM t") == 1  # the second answer was the kept row

        script = (
            f"import sqlite3; c = sqlite3.connect({str(path)!r}); c.execute('UPDATE t SET n = 2'); c.commit()"
        )
        subprocess.run([sys.executable, "-c", script], check=True)
        assert version._fetch_one_sqlite(engine, "SELECT n FROM t", ()) == (2,)
        with engine.begin() as connection:
            connection.execute(text("UPDATE t SET n = 3"))
        assert version._fetch_one_sqlite(engine, "SELECT n FROM t", ()) == (3,)
        assert version._fetch_one_sqlite(engine, "SELECT n FROM t", ()) == (3,)
        assert executed.count("SELECT n FROM t") == 3

        # Kept converted, and per parameters.
        doubled = version._fetch_one_sqlite(engine, "SELECT n * ? FROM t", (2,), lambda row: (row[0], "x"))
        assert doubled == (6, "x")
        assert version._fetch_one_sqlite(engine, "SELECT n * ? FROM t", (5,)) == (15,)
    finally:
        own.set_trace_callback(None)
        engine.dispose()

    # Another file gets a new connection with nothing kept: a fresh connection's data_version is the same
    # number whatever the file, so rows kept for one file would otherwise answer for the next.
    for n, name in ((7, "first.db"), (8, "second.db")):
        other = create_engine(f"sqlite:///{tmp_path / name}")
        try:
            with other.begin() as connection:
                connection.execute(text("CREATE TABLE t (n INTEGER)"))
                connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            assert version._fetch_one_sqlite(other, "SELECT n FROM t", ()) == (n,)
        finally:
            other.dispose()


# --- counts_version: raised with the version, except by writes that move no count of practices ---------------


def _counts_version() -> int:
    return version.counts_current()


def _same_but(practice, **changes) -> services.PracticeData:
    """The practice's own data (as its edit form holds it), with `changes`."""
    data = services.PracticeData(
        title=practice.title,
        summary=practice.summary,
        themes=list(practice.themes),
        phase=practice.phase,
        action_lines=list(practice.action_lines),
        body=practice.body,
        target_group=practice.target_group,
        contact_name=practice.contact_name,
        contact_email=practice.contact_email,
        period_start=practice.period_start,
        period_end=practice.period_end,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_a_text_edit_raises_the_version_but_not_the_counts_version(db, cast, make_practice):
    practice = make_practice("Thuiszitterstafel", publish=True)
    before, counts_before, revision = version.current(), _counts_version(), practice.revision
    changed = services.update_practice(
        cast.staff,
        practice,
        _same_but(practice, summary="Een nieuwe samenvatting.", body="Nieuwe tekst.", title="Andere titel"),
        expected_revision=None,
    )
    db.session.commit()
    assert changed and practice.revision == revision + 1  # a real edit, with its revision row
    assert (version.current(), _counts_version()) == (before + 1, counts_before)


def test_writes_that_move_a_count_raise_both(db, cast, make_practice):
    from datetime import date
    from decimal import Decimal

    practice = make_practice("Thuiszitterstafel")
    steps = [
        lambda: services.publish_practice(cast.staff, practice),  # status
        lambda: services.update_practice(  # a theme more
            cast.staff,
            practice,
            _same_but(practice, themes=[cast.theme, cast.other_theme]),
            expected_revision=None,
        ),
        lambda: services.add_result(  # "met resultaten"
            cast.staff,
            practice,
            services.ResultData(
                indicator="Thuiszitters", value=Decimal(3), measured_on=date(2024, 1, 1), phase=practice.phase
            ),
        ),
        lambda: setattr(practice, "published_at", practice.published_at.replace(year=2019)),  # the year
        lambda: setattr(practice, "evidence_level", "goed-beschreven"),  # a profile filter
        lambda: db.session.execute(update(Practice).values(summary="Alles anders.")),  # bulk: not inspected
    ]
    for step in steps:
        before, counts_before = version.current(), _counts_version()
        step()
        db.session.commit()
        assert (version.current(), _counts_version()) == (before + 1, counts_before + 1)


def test_a_text_edit_and_a_counted_change_in_one_commit_raise_both_once(db, cast, make_practice):
    practice = make_practice("Thuiszitterstafel")
    before, counts_before = version.current(), _counts_version()
    practice.summary = "Eerst de tekst."
    db.session.flush()
    services.publish_practice(cast.staff, practice)
    db.session.commit()
    assert (version.current(), _counts_version()) == (before + 1, counts_before + 1)


def _next_phase(db, practice):
    from exchange.reference.models import CyclePhase

    phases = list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)))
    return phases[(phases.index(practice.phase) + 1) % len(phases)]


def test_a_phase_move_raises_only_the_phase_counts_version(db, cast, make_practice):
    from exchange.practices import cycle

    practice = make_practice("Thuiszitterstafel", publish=True)
    before, (counts, phases) = version.current(), version.counts_versions()
    cycle.move_phase(cast.staff, practice, _next_phase(db, practice), "De pilot is klaar, we gaan verder.")
    db.session.commit()
    assert (version.current(), version.counts_versions()) == (before + 1, (counts, phases + 1))
    # a phase move with a change that moves other counts: counts_version (which empties everything)
    before, (counts, phases) = version.current(), version.counts_versions()
    cycle.move_phase(cast.staff, practice, _next_phase(db, practice), "En weer een stap verder gezet.")
    practice.region = cast.other_region
    db.session.commit()
    assert (version.current(), version.counts_versions()) == (before + 1, (counts + 1, phases))
