"""Migration 0004 builds exactly the search tables of the models, ships the default synonyms and downgrades."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from exchange import create_app
from exchange.database import Base

SEARCH_TABLES = {"search_outbox", "search_synonym", "search_miss"}


@pytest.fixture
def empty_url(backend, database_urls, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    base = make_url(database_urls["postgresql"])
    name = f"mig_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _search_diff(conn, later=("ix_search_outbox_created_at",)):
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    diff = compare_metadata(context, Base.metadata)
    # Only our tables: other domains' tables may be ahead of their migrations while they are being written.
    # `later`: what a later search migration adds (0015: the change log's created_at index).
    return [
        d
        for d in diff
        if any(t in repr(d) for t in SEARCH_TABLES) and not any(name in repr(d) for name in later)
    ]


def test_search_migration_matches_the_models_ships_synonyms_and_downgrades(empty_url, tmp_path):
    from exchange.search.synonyms import DEFAULT_SYNONYMS, EARLIER_DEFAULTS, join_group, parse_group

    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "i"),
        SQLALCHEMY_DATABASE_URI=empty_url,
        SEARCH_INDEX_DIR=str(tmp_path / "ix"),
    )
    with app.app_context():
        from exchange.extensions import db

        upgrade(revision="0004")
        with db.engine.connect() as conn:
            assert SEARCH_TABLES <= set(inspect(conn).get_table_names())
            assert _search_diff(conn) == []
            shipped = set(conn.execute(text("SELECT terms FROM search_synonym")).scalars())
        # Every group the migration ships is a current default, or an earlier version that load_defaults
        # brings up to date (the defaults grew since; `flask seed reference` adds the new groups).
        current = {join_group(*parse_group(t)) for t, _ in DEFAULT_SYNONYMS}
        assert len(shipped) >= 20 and {EARLIER_DEFAULTS.get(t, t) for t in shipped} <= current

        downgrade(revision="0003")
        with db.engine.connect() as conn:
            assert not SEARCH_TABLES & set(inspect(conn).get_table_names())
        upgrade(revision="0004")
        # 0015: the change log (rows kept for every server) gets its created_at index, on both databases.
        upgrade(revision="0015")
        with db.engine.connect() as conn:
            assert _search_diff(conn, later=()) == []
            indexes = {i["name"] for i in inspect(conn).get_indexes("search_outbox")}
            assert "ix_search_outbox_created_at" in indexes
        downgrade(revision="0014")
        with db.engine.connect() as conn:
            indexes = {i["name"] for i in inspect(conn).get_indexes("search_outbox")}
            assert "ix_search_outbox_created_at" not in indexes
        db.engine.dispose()
