"""Shared fixtures: an app per test on SQLite (and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from exchange import create_app
from exchange.database import Base
from tests import world
from tests.web import DEFAULT_PASSWORD, csrf_token_from, login, logout

__all__ = ["DEFAULT_PASSWORD", "Auth", "csrf_token_from"]  # still imported from here by older tests

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _normalise_pg(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _worker_database(url: str, worker_id: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database next to the given one."""
    if worker_id == "master":
        return url
    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_worker_database(url: str, worker_id: str) -> None:
    if worker_id == "master":
        return
    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory, worker_id) -> dict[str, str]:
    """One database per backend (and per xdist worker) for the whole run; the schema is created once."""
    from exchange import models  # noqa: F401

    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"}
    if POSTGRES_URL:
        urls["postgresql"] = _worker_database(_normalise_pg(POSTGRES_URL), worker_id)
    for url in urls.values():
        engine = create_engine(url)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        engine.dispose()
    yield urls
    if POSTGRES_URL:
        _drop_worker_database(urls["postgresql"], worker_id)


@pytest.fixture(scope="session")
def module_database_urls(tmp_path_factory, worker_id) -> dict[str, str]:
    """A second database per backend (and per xdist worker) for module-scoped worlds (`module_app`).

    Kept apart from `database_urls` because every function-scoped `app` empties its tables afterwards, which
    would wipe a world that a module builds once and reads in many tests.
    """
    from exchange import models  # noqa: F401

    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('module-db') / 'module.db'}"}
    if POSTGRES_URL:
        base = make_url(_normalise_pg(POSTGRES_URL))
        urls["postgresql"] = _worker_database(
            base.set(database=f"{base.database}_module").render_as_string(hide_password=False),
            worker_id if worker_id != "master" else "main",
        )
    for url in urls.values():
        engine = create_engine(url)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        engine.dispose()
    yield urls
    if POSTGRES_URL:
        _drop_worker_database(urls["postgresql"], "module")


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def module_app(module_backend, module_database_urls, tmp_path_factory):
    """An application for a whole test module, for read-only tests that share data built once (e.g. one
    parametrised test over many URLs). Its tables are emptied when the module is done."""
    from exchange.extensions import db

    base = tmp_path_factory.mktemp("module-app")
    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(base / "instance"),
        SQLALCHEMY_DATABASE_URI=module_database_urls[module_backend],
        SEARCH_INDEX_DIR=str(base / "search-index"),
        MAIL_FOLDER=str(base / "mail"),
    )
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture(scope="module")
def module_db(module_app):
    """The Flask-SQLAlchemy handle inside an application context of `module_app` that lasts the module."""
    from exchange.extensions import db as _db

    with module_app.app_context():
        yield _db


@pytest.fixture(scope="module")
def module_reference(module_app):
    """`module_app` with the shipped reference data, loaded once for the module."""
    from exchange.extensions import db as _db
    from exchange.reference.seeding import load_reference, read_reference_file

    with module_app.app_context():
        load_reference(read_reference_file())
        _db.session.commit()
    return module_app


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend of this test run: 'sqlite' and, with TEST_DATABASE_URL, 'postgresql'."""
    return request.param


@contextmanager
def smtp_app_context(database_url: str, tmp_path: Path, port: int):
    """An app (in its app context) that really sends through an SMTP server on loopback at `port`.

    Flask-Mail would suppress sending under TESTING; tables are emptied and the engine disposed afterwards.
    """
    from exchange.extensions import db

    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "instance"),
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_SUPPRESS_SEND=False,
        MAIL_TIMEOUT=2,
        MAIL_FOLDER=str(tmp_path / "mail"),
    )
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            _empty_tables(db.engine)
            db.engine.dispose()


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
    from exchange.reference.seeding import load_reference, read_reference_file

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


# --- the test world: people, practices, signing in through the real form -----------------------------------


@pytest.fixture
def make_user(db):
    """Factory for committed accounts: make_user(role="staff", region=None, themes=(), coaches=(), ...).

    `role` is a Role or its value. Staff get `region` (a Region or code/slug; default: the first region, so
    load `reference` first). Functionaries get `themes` (Themes or slugs) and `coaches`, a list of
    (region, theme-or-None) assignments. The password is DEFAULT_PASSWORD unless given; `active=False`
    makes a deactivated account; `invited=True` one without a password. Administrators and functionaries get
    a second factor (tests.web.TOTP_SECRET) unless `two_factor=False`.
    """
    from sqlalchemy import select

    from exchange.accounts.models import Role
    from exchange.reference.models import Region

    counter = iter(range(1, 10_000))

    def as_region(value):
        return world.region(value) if isinstance(value, str) else value

    def as_theme(value):
        return world.theme(value) if isinstance(value, str) else value

    def make(
        role="staff",
        *,
        region=None,
        themes=(),
        coaches=(),
        email=None,
        name=None,
        password=DEFAULT_PASSWORD,
        active=True,
        invited=False,
        two_factor=None,
    ):
        role = Role(role)
        number = next(counter)
        if role == Role.STAFF:
            region = as_region(region) or db.session.scalar(select(Region).order_by(Region.id).limit(1))
            if region is None:
                raise RuntimeError("make_user(role='staff') needs a region: use the `reference` fixture")
        user = world.person(
            email or f"{role.value}{number}@example.org",
            role,
            region=region if role == Role.STAFF else None,
            name=name if name is not None else f"{role.value.capitalize()} {number}",
            password=None if invited else password,
            themes=[as_theme(t) for t in themes],
            coaches=[(as_region(r), as_theme(t) if t is not None else None) for r, t in coaches],
            active=active,
            two_factor=two_factor,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def cast(reference, db) -> world.Cast:
    """The standard cast of tests.world: Rijnmond's staff and coaches, Zeeland's staff and coach, an admin."""
    return world.build_cast()


@pytest.fixture
def make_practice(db, cast):
    """make_practice(title, publish=False, themes=, region=, actor=, **fields): a practice of the cast's staff."""
    return lambda title="Thuiszitterstafel", **fields: world.practice(cast, title, **fields)


@pytest.fixture
def csrf(client):
    """csrf(path) -> the CSRF token of the form on that page, for posting like a browser does."""
    return lambda path="/inloggen", on=None: csrf_token_from(on or client, path)


class Auth:
    """Signs a test client in and out through the real login form (tests.web.login), returning the answer.

    A sign-in that does not succeed fails the test, unless `check=False` (for tests of refused sign-ins)."""

    def __init__(self, client):
        self.client = client

    def login(
        self, user, password: str = DEFAULT_PASSWORD, *, remember=False, next=None, client=None, check=True
    ):
        return login(client or self.client, user, password, remember=remember, next=next, check=check)

    def logout(self, client=None):
        return logout(client or self.client)


@pytest.fixture
def auth(client):
    """auth.login(user_or_email, password=DEFAULT_PASSWORD, remember=False, next=None) and auth.logout()."""
    return Auth(client)


@pytest.fixture
def admin(reference, make_user):
    return make_user("admin", name="Ada Beheer")


@pytest.fixture
def as_admin(client, admin):
    """The test client, signed in as `admin`."""
    login(client, admin)
    return client


@pytest.fixture
def outbox(app):
    """Every message sent (or written to the mail folder) during the test, as Flask-Mail Message objects."""
    from exchange.extensions import mail

    with mail.record_messages() as messages:
        yield messages


@pytest.fixture
def query_counter(app):
    """query_counter() -> a context manager whose `.count` is the number of SQL statements run inside it."""
    from contextlib import contextmanager

    from tests.statements import recording

    @contextmanager
    def counting():
        class Counter:
            statements: list[str] = []

            @property
            def count(self) -> int:
                return len(self.statements)

        counter = Counter()
        with recording(app) as counter.statements:
            yield counter

    return counting
