"""The database under a long import: on SQLite, WAL and a busy timeout keep every other request working; on
PostgreSQL nothing blocks readers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from exchange import create_app
from exchange.errors import DomainError
from exchange.practices.models import Practice
from tests.conftest import _empty_tables
from tests.practices.test_importer import document, item
from tests.web import login

ITEMS = 24
PAUSE = 0.06  # per imported practice, while the import's one transaction holds the write lock


@pytest.fixture
def app(backend, database_urls, tmp_path: Path):
    """The shared `app`, but pysqlite's own 5 s wait lowered to 0.1 s: without the busy timeout that
    exchange.database.tune_sqlite sets, a request meeting the import's lock then fails at once."""
    options: dict = {"pool_pre_ping": True}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": 0.1}
    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "instance"),
        SQLALCHEMY_DATABASE_URI=database_urls[backend],
        SQLALCHEMY_ENGINE_OPTIONS=options,
        SEARCH_INDEX_DIR=str(tmp_path / "search-index"),
        MAIL_FOLDER=str(tmp_path / "mail"),
    )
    yield app
    from exchange.extensions import db

    with app.app_context():
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()


def test_sqlite_connections_use_wal_and_the_busy_timeout(app, db, backend):
    if backend != "sqlite":
        assert db.engine.dialect.name == "postgresql"
        return
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_an_in_memory_sqlite_database_still_works(tmp_path):
    from exchange.extensions import db

    app = create_app("config.TestConfig", INSTANCE_PATH=str(tmp_path))
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def _slow_import(app, started: threading.Event, errors: list) -> None:
    from exchange.extensions import db
    from exchange.practices import transfer

    def pause(_step: int) -> None:
        started.set()  # after the first practice is flushed: the write lock is held from here to the commit
        time.sleep(PAUSE)

    try:
        with app.app_context():
            doc = document(*(item(n, title=f"Geïmporteerd {n}") for n in range(100, 100 + ITEMS)))
            transfer.apply_plans(transfer.check_document(doc), progress=pause)
            db.session.commit()
    except (DomainError, SQLAlchemyError) as exc:  # "database is locked" is an OperationalError
        errors.append(exc)
    finally:
        started.set()


def test_a_long_import_never_locks_out_readers_or_writers(app, db, client, cast, make_practice):
    practice = make_practice("Al gepubliceerd", publish=True)
    # As a deployment does (`flask search reindex` once): search pages answer 503 without an index.
    from exchange.search import outbox
    from exchange.search.queries import current_index

    current_index().ensure()
    outbox.apply_pending()
    staff = app.test_client()
    login(staff, cast.staff)
    pages = ["/praktijken", f"/praktijken/{practice.id}", "/api/v1/practices", "/zoeken?q=thuiszitters"]
    started, errors = threading.Event(), []
    importer = threading.Thread(target=_slow_import, args=(app, started, errors))

    importer.start()
    assert started.wait(30)
    answers = []
    while importer.is_alive():
        answers += [(page, client.get(page).status_code) for page in pages]
        # A page that writes (the visit stamp) waits for the import's lock instead of failing.
        answers.append(("/werkruimte", staff.get("/werkruimte").status_code))
    importer.join()

    assert errors == []
    assert len(answers) > len(pages)
    assert [a for a in answers if a[1] != 200] == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Practice)) == ITEMS + 1


def test_only_connections_a_server_can_drop_are_pinged_before_use(app, db, backend):
    from exchange.database import engine_options

    assert db.engine.pool._pre_ping is (backend != "sqlite")
    assert engine_options("sqlite:///x.db", {"pool_pre_ping": True, "echo": False}) == {"echo": False}
    options = {"pool_pre_ping": True}
    assert engine_options("postgresql+psycopg://h/db", options) == {"pool_pre_ping": True}
