"""Recording the SQL statements an app runs, on every engine it runs them on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def recording(app) -> Iterator[list[str]]:
    """The statements `app` runs inside the block, in order: on its engine and on the data version's reader
    (a separate engine on PostgreSQL, see exchange/caching/version.py)."""
    from exchange.caching import version
    from exchange.extensions import db

    statements: list[str] = []
    with app.app_context():
        engines = {db.engine, version.reader()}

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
