"""Recording the SQL statements an app runs, on every engine it runs them on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def recording(app) -> Iterator[list[str]]:
    """The statements `app` runs inside the block, in order: on its engine and on the data version's reader
    (a separate engine on PostgreSQL, see exchange/caching/version.py), and the reads that version.py runs on a
    pooled SQLite DB-API connection itself (which no engine event sees)."""
    from exchange.caching import version
    from exchange.extensions import db

    statements: list[str] = []
    with app.app_context():
        engines = {db.engine, version.reader()}

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    fetch_one = version._fetch_one_sqlite

    def fetch_one_recorded(engine, sql, parameters, *convert):
        statements.append(sql)  # also when the thread's connection answers from a kept row
        return fetch_one(engine, sql, parameters, *convert)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    version._fetch_one_sqlite = fetch_one_recorded
    try:
        yield statements
    finally:
        version._fetch_one_sqlite = fetch_one
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
