"""Independent read-only statements of one request, run at the same time on PostgreSQL.

A page that counts its facets over many practices sends several statements that do not depend on each other
(at 100,000 practices `/praktijken` sends three of 60-90 ms each after a change). Run one after the other their
times add up; each on a connection of its own they overlap, on as many cores as the machine has. PostgreSQL and
SQLite in a file (WAL) run them so; an in-memory SQLite database, and a single statement, run in the session.

The other statements run outside the session's transaction, so they see what is committed, not what this
request has flushed: use this for reads of pages that write nothing. Under PostgreSQL's READ COMMITTED (the
default) each statement of a transaction takes a snapshot of its own anyway, so separate statements were never
one consistent view.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, Executable, Row

from exchange.extensions import db

# At most this many statements run beside the request's own thread; each holds a pooled connection meanwhile.
WORKERS = 3

_executor: tuple[int, ThreadPoolExecutor] | None = None


def _pool() -> ThreadPoolExecutor:
    # One per process: a forked gunicorn worker has none of its parent's threads.
    global _executor
    if _executor is None or _executor[0] != os.getpid():
        _executor = (os.getpid(), ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="parallel-read"))
    return _executor[1]


def _read(engine: Engine, statement: Executable) -> list[Row]:
    with engine.connect() as connection:
        return list(connection.execute(statement).all())


def _concurrent(engine: Engine) -> bool:
    """PostgreSQL, and SQLite in a file (WAL: readers on separate connections do not wait for each other, and
    the sqlite3 module lets go of the interpreter while a statement runs). An in-memory SQLite database lives in
    one connection only."""
    if engine.dialect.name == "postgresql":
        return True
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


def read_all(statements: Sequence[Executable]) -> list[list[Row]]:
    """The rows of each statement, in order: all but the first on connections of their own at the same time,
    the first in the session meanwhile (PostgreSQL, SQLite in a file); otherwise one after the other in the
    session."""
    engine = db.session.get_bind()
    if len(statements) < 2 or not _concurrent(engine):
        return [list(db.session.execute(statement).all()) for statement in statements]
    futures = [_pool().submit(_read, engine, statement) for statement in statements[1:]]
    first = list(db.session.execute(statements[0]).all())
    return [first, *(future.result() for future in futures)]
