"""exchange/parallel.py: independent reads of one request, at the same time on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, event, func, literal, select, text

from exchange import parallel


def test_rows_come_back_in_the_order_of_the_statements(app, db, backend):
    with app.app_context():
        statements = [select(literal(i).label("i")) for i in range(6)]
        assert [rows[0][0] for rows in parallel.read_all(statements)] == list(range(6))
        assert parallel.read_all([]) == []


def test_at_the_same_time_on_connections_of_their_own(app, db, backend):
    with app.app_context():
        session_connection = db.session.connection()
        if backend == "postgresql":
            # Each sleeps 0.3 s: in turn that is 1.2 s, at the same time about 0.3 s.
            statements = [
                select(func.pg_backend_pid(), func.pg_sleep(0.3)) for _ in range(parallel.WORKERS + 1)
            ]
            started = os.times().elapsed
            results = parallel.read_all(statements)
            took = os.times().elapsed - started
            pids = [rows[0][0] for rows in results]
            assert len(set(pids)) == len(statements)  # each on a connection of its own
            assert pids[0] == db.session.scalar(text("SELECT pg_backend_pid()"))  # the first in the session
            assert took < 0.9, took
        else:  # SQLite in a file (WAL): statements long enough to overlap (a count to 300,000, some 50 ms)
            slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) "
            statements = [text(f"{slow}SELECT count(*) + {i} FROM c") for i in range(parallel.WORKERS + 1)]
            used = []
            listener = lambda conn, *args: used.append(conn.connection.dbapi_connection)
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                rows = parallel.read_all(statements)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            assert [r[0][0] for r in rows] == [300000 + i for i in range(parallel.WORKERS + 1)]
            assert session_connection.connection.dbapi_connection in used
            # Not all in the session's connection (as in turn): the others ran on connections of their own. (One
            # that ended before another started may hand its connection on, so no count of distinct ones.)
            assert len(set(map(id, used))) >= 2, used


def test_an_in_memory_sqlite_database_is_read_in_turn_in_its_one_connection():
    assert not parallel._concurrent(create_engine("sqlite://"))
    assert not parallel._concurrent(create_engine("sqlite:///:memory:"))
    assert parallel._concurrent(create_engine("sqlite:////tmp/some.db"))


def test_an_error_in_one_statement_reaches_the_caller(app, db, backend):
    from sqlalchemy.exc import DBAPIError

    with app.app_context():
        statements = [select(literal(1)), select(text("no_such_column")).select_from(text("practice"))]
        with pytest.raises(DBAPIError):
            parallel.read_all(statements)
