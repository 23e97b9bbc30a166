"""Declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def utctoday() -> date:
    """Today's date in UTC: what "in the future" is measured against for phase moves, results and imports."""
    return utcnow().date()


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite returns naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # Flask-SQLAlchemy subclasses this base, so the type map must live on an explicit registry.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def engine_options(uri: str, options: dict) -> dict:
    """The engine options for a database URL: SQLite connections are files, which no server can drop, so they
    are not pinged before use (the ping was a statement on every checkout: one per request)."""
    if uri.startswith("sqlite"):
        return {key: value for key, value in options.items() if key != "pool_pre_ping"}
    return options


def tune_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    """On a SQLite engine, give every new connection write-ahead logging and a busy timeout (no-op elsewhere).

    With WAL, readers never wait for a writer (a long import holds the one write lock until it commits), and a
    second writer waits up to `busy_timeout_ms` for that lock instead of failing at once with "database is
    locked". PostgreSQL needs neither: its readers never block (MVCC).
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            # An in-memory database answers "memory" and stays so; a file switches once and remembers it.
            cursor.execute("PRAGMA journal_mode = WAL")
            # Safe with WAL (a power cut may lose the last commits, never corrupt the file), and much faster.
            cursor.execute("PRAGMA synchronous = NORMAL")
            # INSERT OR REPLACE deletes the row it replaces through the delete triggers too (the counts of
            # practices, `practices.tally`), not silently.
            cursor.execute("PRAGMA recursive_triggers = ON")
        finally:
            cursor.close()
