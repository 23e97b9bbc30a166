"""Shared fixtures: an app per test on SQLite (and PostgreSQL when TEST_DATABASE_URL is set)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from exchange import create_app
from exchange.database import Base

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _normalise_pg(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory) -> dict[str, str]:
    """One database per backend for the whole run; the schema is created once from the models."""
    from exchange import models  # noqa: F401

    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"}
    if POSTGRES_URL:
        urls["postgresql"] = _normalise_pg(POSTGRES_URL)
    for url in urls.values():
        engine = create_engine(url)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        engine.dispose()
    return urls


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend of this test run: 'sqlite' and, with TEST_DATABASE_URL, 'postgresql'."""
    return request.param


def _empty_tables(engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(backend, database_urls, tmp_path: Path):
    """A fresh application bound to the backend's database; every table is emptied afterwards."""
    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "instance"),
        SQLALCHEMY_DATABASE_URI=database_urls[backend],
        SEARCH_INDEX_DIR=str(tmp_path / "search-index"),
        MAIL_FOLDER=str(tmp_path / "mail"),
    )
    yield app
    from exchange.extensions import db

    with app.app_context():
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield app


@pytest.fixture
def db(app_ctx):
    """The Flask-SQLAlchemy handle inside an application context."""
    from exchange.extensions import db as _db

    return _db


@pytest.fixture
def reference(app):
    """Load the shipped reference data (42 regions, 6 action lines, themes, phases, fund).

    Uses its own short app context, so request tests do not share `g` with a long-lived context.
    """
    from exchange.extensions import db as _db
    from exchange.reference.services import load_reference, read_reference_file

    with app.app_context():
        load_reference(read_reference_file())
        _db.session.commit()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a skipped test would hide a missing part of the machine."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI: tests were skipped; failing the run.", red=True)
        session.exitstatus = 1
