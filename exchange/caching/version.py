"""Raise the data version in the transaction of every write that changes what visitors see; read it per request.

A flush that adds, changes or removes a row of a visible table marks the session; just before the outermost
commit one `UPDATE data_version SET version = version + 1` joins the same transaction, so the number changes
exactly when the change becomes visible (and not at all when it rolls back). Bulk ORM `update()`/`delete()`
statements mark the session too. Tables that visitors never see (sign-ins, tokens, the audit log, outboxes,
subscriptions, feedback, search misses) and bookkeeping columns of people (last sign-in, workspace visits, password)
do not raise it, so signing in or searching keeps every cached page.

The same row holds `counts_version`, raised with the version by every visible write except those that change
only what no count of practices depends on (text columns of a practice, its revisions, links and partners; see
COUNT_NEUTRAL_COLUMNS): counts kept for visitors (`caching.counts`) outlive text edits. A write whose only
count-moving change is where practices are on the cycle (a practice's phase, a new cycle step: PHASE_COLUMNS,
PHASE_TABLES) raises `phase_counts_version` instead, so counts that do not depend on phases outlive it too.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from typing import Any, TypeVar

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import Connection, Engine, Select, create_engine, event, func, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from exchange.caching import listener
from exchange.caching.models import ROW_ID, DataVersion
from exchange.extensions import db

T = TypeVar("T")

MARK_KEY = "exchange.data_version_changed"

# Tables whose rows no visitor page shows.
INVISIBLE_TABLES = frozenset(
    {
        "data_version",
        "account_token",
        "audit_event",
        "consent",
        "delivery",
        "digest_run",
        "feedback_message",
        "outgoing_mail",
        "password_reset_request",
        "recovery_code",
        "search_miss",
        "search_outbox",
        "subscriber",
        "subscription",
        "subscription_region",
        "two_factor",
        "user_session",
    }
)
# Columns no visitor page shows, per table: changing only these does not raise the version.
INVISIBLE_COLUMNS = {
    "user": frozenset(
        {
            "last_login_at",
            "password_hash",
            "session_token",
            "workspace_seen_at",
            "workspace_previous_visit_at",
        }
    ),
}


COUNTS_KEY = "exchange.counts_changed"
PHASE_KEY = "exchange.phase_counts_changed"
RAISED_KEY = "exchange.data_version_raised"
_MARKS = (MARK_KEY, COUNTS_KEY, PHASE_KEY)


def _clear_marks(session: Session) -> None:
    for key in _MARKS:
        session.info.pop(key, None)


# What no count of practices depends on (the facets of /praktijken, the theme and region pages: status, region,
# phase, dates shown, themes, action lines, results, the profile filters): a visible write that changes only these
# raises the data version but not `counts_version`. Anything not listed moves the counts.
COUNT_NEUTRAL_TABLES = frozenset({"practice_revision", "practice_link", "practice_partner", "organisation"})
COUNT_NEUTRAL_COLUMNS = {
    "practice": frozenset(
        {
            "title",
            "summary",
            "body",
            "target_group",
            "contact_name",
            "contact_email",
            "participation_note",
            "evidence_url",
            "cost_indication",
            "revision",
            "updated_at",
        }
    ),
}


# What moves only the counts that depend on phases (where practices are on the development cycle).
PHASE_TABLES = frozenset({"cycle_step"})
PHASE_COLUMNS = {"practice": frozenset({"phase_id", "phase", "steps"})}  # the column, its relationship, steps


def _table_name(obj) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


def _changes_visible(session: Session, obj) -> bool:
    name = _table_name(obj)
    if name is None or name in INVISIBLE_TABLES:
        return False
    if obj in session.new or obj in session.deleted:
        return True
    hidden = INVISIBLE_COLUMNS.get(name)
    state = inspect(obj)
    changed = [attr.key for attr in state.attrs if attr.history.has_changes()]
    if hidden is None:
        return bool(changed)
    return any(key not in hidden for key in changed)


def _counts_moved(session: Session, obj) -> str | None:
    """Which counts of practices a visible change of `obj` can move: "all", "phases" (only where practices are
    on the cycle) or None (see COUNT_NEUTRAL_COLUMNS and PHASE_COLUMNS)."""
    name = _table_name(obj) or ""
    if name in COUNT_NEUTRAL_TABLES:
        return None
    if name in PHASE_TABLES:
        return "phases"
    neutral = COUNT_NEUTRAL_COLUMNS.get(name)
    if neutral is None or obj in session.new or obj in session.deleted:
        return "all"
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()} - neutral
    if not changed:
        return None
    return "phases" if changed <= PHASE_COLUMNS.get(name, frozenset()) else "all"


def _mark(session: Session, obj) -> bool:
    """Mark the session for what `obj`'s change raises; True once everything is marked."""
    if _changes_visible(session, obj):
        session.info[MARK_KEY] = True
        moved = _counts_moved(session, obj)
        if moved == "all":
            session.info[COUNTS_KEY] = True
        elif moved == "phases":
            session.info[PHASE_KEY] = True
    return bool(session.info.get(MARK_KEY) and session.info.get(COUNTS_KEY))


@event.listens_for(Session, "before_flush")
def _mark_visible_changes(session: Session, flush_context, instances) -> None:
    if session.info.get(MARK_KEY) and session.info.get(COUNTS_KEY):
        return
    for obj in chain(session.new, session.deleted, session.dirty):
        if _mark(session, obj):
            return


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_changes(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in INVISIBLE_TABLES:
        state.session.info[MARK_KEY] = state.session.info[COUNTS_KEY] = True


@event.listens_for(Session, "before_commit")
def _raise_version(session: Session) -> None:
    # Also fired for a savepoint; only the outermost commit makes the change visible.
    if session.get_nested_transaction() is not None:
        return
    for obj in chain(session.new, session.deleted, session.dirty):
        if _mark(session, obj):
            break
    if session.info.get(MARK_KEY):
        bump(session, counts=bool(session.info.get(COUNTS_KEY)), phases=bool(session.info.get(PHASE_KEY)))


def bump(session: Session, *, counts: bool = True, phases: bool = False) -> None:
    """Raise the data version by one inside the session's transaction, and `counts_version` too unless
    `counts` is False; with `phases` (and not `counts`) `phase_counts_version` instead. Creates the row when it
    is missing."""
    _clear_marks(session)
    connection = session.connection()
    table = DataVersion.__table__
    values = {"version": table.c.version + 1}
    if counts:
        values["counts_version"] = table.c.counts_version + 1
    elif phases:
        values["phase_counts_version"] = table.c.phase_counts_version + 1
    raised = connection.execute(
        update(table).where(table.c.id == ROW_ID).values(**values).returning(table.c.version)
    ).scalar()
    if raised is None:
        connection.execute(
            insert(table).values(id=ROW_ID, version=2, counts_version=2, phase_counts_version=2)
        )
        raised = 2
    if connection.dialect.name == "postgresql":
        # Delivered at commit, in commit order, to every process's listener (caching.listener).
        connection.execute(select(func.pg_notify(listener.CHANNEL, str(raised))))
    session.info[RAISED_KEY] = raised


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is None:
        _clear_marks(session)
        raised = session.info.pop(RAISED_KEY, None)
        if raised is not None and has_app_context():
            held = _listener(start=False)  # a command that only writes needs none
            if held is not None:  # this process's own write: no waiting for its notification
                held.saw(raised)
        if has_request_context():  # a request that wrote reads the version afresh (for_request)
            request.environ.pop(REQUEST_KEY, None)
            request.environ.pop(COUNTS_REQUEST_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _clear_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        _clear_marks(session)
        session.info.pop(RAISED_KEY, None)


CURRENT_SQL = f"SELECT version FROM data_version WHERE id = {ROW_ID}"
READER_KEY = "data_version_reader"


def reader() -> Engine:
    """The engine of the one-statement reads every request makes: the data version, and for a signed-in person
    their sign-in (`accounts.services.sessions`) and state (`caching.personal.user_state`).

    SQLite: the application's own engine (a read is a file access; an in-memory database exists only there).
    Other databases: a small engine of this process next to the application's, whose connections are in
    autocommit and are neither pinged on checkout nor rolled back on return. On the application's pool one read
    costs four or five round trips (ping, BEGIN, SELECT, ROLLBACK); here it costs one. A connection the server
    dropped is retried once (`run_on_reader`). Disposed with the application's engine.
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        return engine
    readers = current_app.extensions.setdefault(READER_KEY, {})
    key = (id(engine), os.getpid())  # a forked worker must not share its parent's sockets
    reader = readers.get(key)
    if reader is None:
        reader = readers[key] = create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pool_reset_on_return=None,
            pool_size=2,
            max_overflow=8,
        )
        event.listen(engine, "engine_disposed", lambda _engine: _drop_reader(readers, key))
    return reader


def _drop_reader(readers: dict, key: tuple) -> None:
    reader = readers.pop(key, None)
    if reader is not None:
        reader.dispose()


LISTENER_KEY = "data_version_listener"


def _listener(*, start: bool = True) -> listener.Listener | None:
    """This process's listener (PostgreSQL with DATA_VERSION_LISTEN), started on first use (unless `start` is
    False: then only one that runs already); stopped with the application's engine."""
    if not current_app.config.get("DATA_VERSION_LISTEN", True):
        return None
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    listeners = current_app.extensions.setdefault(LISTENER_KEY, {})
    key = (id(engine), os.getpid())  # a forked worker starts its own thread and connection
    held = listeners.get(key)
    if held is None and start:
        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        held = listeners[key] = listener.Listener(conninfo, CURRENT_SQL)
        event.listen(engine, "engine_disposed", lambda _engine: listeners.pop(key, held).stop())
    return held


def listener_of_process() -> listener.Listener | None:
    """This process's listener (started on first use), or None where there is none (SQLite, or
    DATA_VERSION_LISTEN off)."""
    return _listener()


def current() -> int:
    """The data version as committed now (0 before the row exists). On PostgreSQL the number this process's
    listener holds (`caching.listener`: no round trip); otherwise, or while the listener is not connected, one
    primary-key read on a connection of the version reader (`reader`: no ORM session and no statement
    compilation: it runs on every visitor request)."""
    held = _listener()
    if held is not None and held.value is not None:
        return held.value
    return _read_number(CURRENT_SQL)


def _read_number(sql: str) -> int:
    """The number `sql` selects (0 when there is no row), on the reader."""
    return _read_numbers(sql, 1)[0]


def _read_numbers(sql: str, width: int) -> tuple[int, ...]:
    """The `width` numbers of the row `sql` selects (zeros when there is no row), on the reader."""
    engine = reader()
    if engine.dialect.name != "sqlite":
        row = run_on_reader(lambda connection: connection.exec_driver_sql(sql).first())
    else:
        row = _fetch_one_sqlite(engine, sql, ())
    return tuple(value or 0 for value in row) if row else (0,) * width


def read_row(statement: Select, params: dict[str, Any]) -> tuple | None:
    """The first row of `statement` with `params`, on the reader (None without one), its values converted as a
    Result would convert them (e.g. times and enumerations). For the reads of every request: the data version,
    a signed-in person's sign-in."""
    engine = reader()
    if engine.dialect.name != "sqlite":
        row = run_on_reader(lambda connection: connection.execute(statement, params).first())
        return tuple(row) if row is not None else None
    sql, names, convert = _compiled_for_sqlite(statement, engine.dialect)
    return _fetch_one_sqlite(engine, sql, tuple(params[name] for name in names), convert)


@lru_cache(maxsize=32)
def _compiled_for_sqlite(statement: Select, dialect) -> tuple[str, tuple[str, ...], Callable[[tuple], tuple]]:
    """The SQL of `statement`, its parameters' names in order, and what converts a row it reads."""
    compiled = statement.compile(dialect=dialect)
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )

    def convert(row: tuple) -> tuple:
        return tuple(value if process is None else process(value) for process, value in zip(processors, row))

    return compiled.string, tuple(compiled.positiontup or ()), convert


def _fetch_one_sqlite(
    engine: Engine, sql: str, parameters: tuple, convert: Callable[[tuple], tuple] | None = None
) -> tuple | None:
    """The first row `sql` reads with `parameters` (None without one), made by `convert` when given."""
    # On a DB-API connection itself: a Connection, its execution context and its Result cost more than twice
    # the statement (some 50 of 70 us, on every request that reads the version or a sign-in). For a file, on
    # this thread's own connection (`_thread_connection`); for a database in memory, on a pooled one.
    own = _thread_connection(engine)
    if own is not None:
        return _kept_or_read(own, sql, parameters, convert)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, parameters)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool
    return convert(row) if convert is not None and row is not None else row


class _ThreadReads(threading.local):
    pool: weakref.ref | None = None
    pid: int | None = None
    connection: sqlite3.Connection | None = None
    seen: int | None = None  # the connection's PRAGMA data_version when `rows` were read
    rows: dict | None = None  # (sql, parameters) -> the row it read


KEPT_ROWS = 256
_DATA_VERSION_PRAGMA = "PRAGMA data_version"


def _kept_or_read(
    connection: sqlite3.Connection, sql: str, parameters: tuple, convert: Callable[[tuple], tuple] | None
) -> tuple | None:
    """The row `sql` reads with `parameters` on this thread's own connection, kept while nothing was committed.

    SQLite's `PRAGMA data_version` on a connection changes whenever any other connection, in this process or
    another, has committed since the connection last asked; this connection only reads. While it is unchanged,
    a row read earlier is what the statement would read again, so a signed-in request's sign-in and the data
    version cost one pragma (about 2 us) instead of their statements (a third of the sign-in's time). A commit
    between the pragma and a statement only makes the kept row newer than the pragma, and the next pragma sees
    the commit and drops it. Rows are kept as `convert` makes them."""
    reads = _thread_reads
    seen = connection.execute(_DATA_VERSION_PRAGMA).fetchone()[0]
    if seen != reads.seen or reads.rows is None:
        reads.rows, reads.seen = {}, seen
    key = (sql, parameters)
    rows = reads.rows
    if key in rows:
        return rows[key]
    row = connection.execute(sql, parameters).fetchone()
    if convert is not None and row is not None:
        row = convert(row)  # kept converted: values such as times are immutable
    if len(rows) >= KEPT_ROWS:
        rows.clear()
    rows[key] = row
    return row


_thread_reads = _ThreadReads()
READ_TIMEOUT_SECONDS = 5.0


def _thread_connection(engine: Engine) -> sqlite3.Connection | None:
    """This thread's own autocommit connection to the SQLite file of `engine` (None for a database in memory,
    which exists only on the engine's own connections).

    A pooled connection's checkout and return cost twice the read itself (some 10 of 15 us); the reads of
    every request (the version, a sign-in) are single statements that need none of the pool's resets. In WAL
    mode each statement on an autocommit connection sees everything committed before it, as a pooled one
    would. One connection per thread (a sync worker has one), opened again when the engine's pool is another
    (another engine, or the same one disposed: a file replaced, a forked worker) and closed with the thread."""
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query or database.startswith("file:"):
        return None
    reads = _thread_reads
    held = reads.pool() if reads.pool is not None else None
    if held is not engine.pool or reads.pid != os.getpid() or reads.connection is None:
        if reads.connection is not None and reads.pid == os.getpid():
            reads.connection.close()
        reads.connection = sqlite3.connect(database, timeout=READ_TIMEOUT_SECONDS, isolation_level=None)
        reads.pool, reads.pid = weakref.ref(engine.pool), os.getpid()
        reads.rows = reads.seen = None  # rows of another connection (another file) are not this one's
    return reads.connection


def run_on_reader(read: Callable[[Connection], T]) -> T:
    """`read(connection)` on a connection of `reader()`, retried once on a fresh connection when the server had
    dropped the first (a restart; the pool has let it go)."""
    engine = reader()
    try:
        with engine.connect() as connection:
            return read(connection)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as connection:
        return read(connection)


COUNTS_SQL = f"SELECT counts_version, phase_counts_version FROM data_version WHERE id = {ROW_ID}"


def counts_current() -> int:
    """`counts_version` as committed now (0 before the row exists), on the reader."""
    return counts_versions()[0]


def counts_versions() -> tuple[int, int]:
    """`counts_version` and `phase_counts_version` as committed now (zeros before the row exists), on the reader:
    read only by pages that compute counts, when the visitor cache did not answer."""
    counts, phases = _read_numbers(COUNTS_SQL, 2)
    return counts, phases


COUNTS_REQUEST_KEY = "exchange.caching.counts_version"


def counts_for_request() -> tuple[int, int]:
    """`counts_versions()`, read once per request (like `for_request`); read again after the request committed."""
    return _once_per_request(COUNTS_REQUEST_KEY, counts_versions)


def _once_per_request(key: str, read: Callable[[], T]) -> T:
    if not has_request_context():
        return read()
    environ = request.environ
    if key not in environ:
        environ[key] = read()
    return environ[key]


REQUEST_KEY = "exchange.caching.data_version"


def for_request() -> int:
    """The data version, read once per request and shared by every reader of that request (visitor cache key,
    API validators, reference lists); read again after the request committed a write. Kept in the request's
    environ, not `g`: an application context can outlive one request (tests, CLI), and each request must read
    the version again. Outside a request: `current()`."""
    return _once_per_request(REQUEST_KEY, current)
