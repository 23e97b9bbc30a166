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


def _row(table, n: int, **given) -> dict:
    """Values for every column a row of `table` (reflected) must have, plus `given`: a row the models would make,
    written without them (the schema of an older revision)."""
    from datetime import UTC, date, datetime

    from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Integer, Numeric, String

    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type
        if isinstance(kind, Enum) and kind.enums:
            row[column.name] = kind.enums[0]
        elif isinstance(kind, String):
            row[column.name] = f"{column.name[:10]}-{n}"
        elif isinstance(kind, Boolean):
            row[column.name] = False
        elif isinstance(kind, (Integer, Numeric)):
            row[column.name] = 1
        elif isinstance(kind, DateTime):
            row[column.name] = datetime(2021, 3, 1, tzinfo=UTC)
        elif isinstance(kind, Date):
            row[column.name] = date(2021, 3, 1)
        elif isinstance(kind, JSON):
            row[column.name] = []
        else:
            row[column.name] = f"{n}"
    return row


def test_the_tally_migration_counts_the_practices_already_there(empty_database_url, tmp_path):
    """0022 adds practice_tally to a database with practices, links and results: the
    counts it writes are those of the practices, and its triggers keep them from then on."""
    from sqlalchemy import MetaData, Table, insert

    from exchange.practices import tally

    app = create_app(
        "config.TestConfig", INSTANCE_PATH=str(tmp_path / "i"), SQLALCHEMY_DATABASE_URI=empty_database_url
    )
    with app.app_context():
        from exchange.extensions import db

        upgrade(revision="0021")
        with db.engine.begin() as conn:
            meta = MetaData()
            tables = {
                name: Table(name, meta, autoload_with=conn)
                for name in ("region", "cycle_phase", "theme", "practice", "practice_theme", "result")
            }
            for n in (1, 2):
                conn.execute(insert(tables["region"]).values(_row(tables["region"], n, id=n)))
                conn.execute(
                    insert(tables["cycle_phase"]).values(_row(tables["cycle_phase"], n, id=n, position=n))
                )
                conn.execute(insert(tables["theme"]).values(_row(tables["theme"], n, id=n, position=n)))
            statuses = ["published", "published", "published", "draft"]
            for n, status in enumerate(statuses, start=1):
                values = _row(tables["practice"], n, id=n, status=status, region_id=1 + n % 2, phase_id=1)
                conn.execute(insert(tables["practice"]).values(values))
                conn.execute(insert(tables["practice_theme"]).values(practice_id=n, theme_id=1))
            for n, practice_id in enumerate([1, 1, 4], start=1):
                values = _row(tables["result"], n, id=n, practice_id=practice_id, phase_id=1)
                conn.execute(insert(tables["result"]).values(values))
        upgrade()
        with db.engine.begin() as conn:
            kept = {(f, v): n for f, v, n in conn.execute(text("SELECT facet, value, n FROM practice_tally"))}
            assert kept == {
                ("regio", 1): 1,  # practices 2 (published) and 4 (a draft) are in region 1
                ("regio", 2): 2,
                ("fase", 1): 3,
                ("jaar", 2021): 3,
                ("thema", 1): 3,
                ("resultaten", 1): 1,
            }
            # From here on the triggers keep them: the draft is published.
            conn.execute(text("UPDATE practice SET status = 'published' WHERE id = 4"))
            kept = dict(conn.execute(text("SELECT facet || value, n FROM practice_tally")).all())
            assert (kept["regio1"], kept["thema1"], kept["resultaten1"]) == (2, 4, 2)
            if conn.dialect.name == "postgresql":
                names = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'exchange_tally_%'"
            else:
                names = (
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'exchange_tally_%'"
                )
            found = set(conn.execute(text(names)).scalars())
        assert found == {f"exchange_tally_{name}" for name in tally.TRIGGERS}
        db.engine.dispose()
