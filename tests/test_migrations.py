"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and downgrade cleanly."""

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


@pytest.fixture
def empty_database_url(backend, database_urls, tmp_path):
    """A brand-new empty database of the current backend, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    base = make_url(database_urls["postgresql"])
    name = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_match_models_and_downgrade(empty_database_url, tmp_path):
    app = create_app(
        "config.TestConfig", INSTANCE_PATH=str(tmp_path / "i"), SQLALCHEMY_DATABASE_URI=empty_database_url
    )
    with app.app_context():
        upgrade()
        from exchange.extensions import db

        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        if db.engine.dialect.name == "postgresql":  # migration 0020: every table a sign-in reads notifies
            from exchange.caching import signins

            with db.engine.connect() as conn:
                found = conn.exec_driver_sql(signins.TRIGGERS_SQL).scalar()
            assert found == len(signins.PEOPLE_TABLES)

        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()  # before the fixture drops the database: a killed pooled connection would leak
        db.engine.dispose()
