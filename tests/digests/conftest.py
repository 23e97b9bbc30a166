"""Fixtures for digest tests: an app whose config a module can extend (real SMTP), subscribers, content at
chosen instants, and a fixed past week to send."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from exchange import create_app
from exchange.digests.models import Consent, Frequency, Subscriber, Subscription
from exchange.digests.periods import Period
from tests.conftest import _empty_tables
from tests.digests.smtp import SmtpSink

# Monday 3 March 2025 00:00 up to Monday 10 March 2025 00:00, Amsterdam time (CET, UTC+1).
WEEK = Period(Frequency.WEEKLY, date(2025, 3, 3))
IN_WEEK = WEEK.start + timedelta(days=2)
AFTER_WEEK = WEEK.end + timedelta(hours=7)  # Monday 08:00 local: when cron would run
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def app_overrides() -> dict:
    """Extra configuration for the app of this test (a module overrides this, e.g. for a real SMTP server)."""
    return {}


@pytest.fixture
def app(backend, database_urls, tmp_path: Path, app_overrides):
    """Like the shared `app` fixture, plus `app_overrides` (read when the app is created, as Flask-Mail needs)."""
    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "instance"),
        SQLALCHEMY_DATABASE_URI=database_urls[backend],
        SEARCH_INDEX_DIR=str(tmp_path / "search-index"),
        MAIL_FOLDER=str(tmp_path / "mail"),
        **app_overrides,
    )
    yield app
    from exchange.extensions import db

    with app.app_context():
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def smtp_sink():
    """A recording SMTP server on loopback for the duration of the test."""
    with SmtpSink() as sink:
        yield sink


def smtp_config(sink: SmtpSink) -> dict:
    """Settings that make the app deliver to `sink` for real (Flask-Mail suppresses sending under TESTING)."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": sink.port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_TIMEOUT": 5,
        "DIGEST_CLAIM_TIMEOUT": timedelta(0),
    }


@pytest.fixture
def make_subscriber(db):
    """make_subscriber(email, themes, regions=(), frequency=WEEKLY, confirmed_at=LONG_AGO): a confirmed one."""

    def make(email, themes, *, regions=(), frequency=Frequency.WEEKLY, confirmed_at=LONG_AGO):
        subscriber = Subscriber(
            email=email, frequency=frequency, created_at=confirmed_at, confirmed_at=confirmed_at
        )
        for theme in themes:
            subscriber.subscriptions.append(
                Subscription(
                    theme=theme, created_at=confirmed_at, confirmed_at=confirmed_at, regions=list(regions)
                )
            )
        subscriber.consents.append(
            Consent(text="Toestemming (test)", request={}, given_at=confirmed_at, confirmed_at=confirmed_at)
        )
        db.session.add(subscriber)
        db.session.commit()
        return subscriber

    return make


@pytest.fixture
def published_at(db):
    """published_at(practice, when): pretend the practice was created and published at `when`."""
    from exchange.practices.models import Practice, PracticeRevision

    def move(practice, when):
        db.session.execute(
            update(Practice)
            .where(Practice.id == practice.id)
            .values(published_at=when, created_at=when, updated_at=when)
        )
        db.session.execute(
            update(PracticeRevision)
            .where(PracticeRevision.practice_id == practice.id)
            .values(created_at=when)
        )
        db.session.commit()
        db.session.expire_all()
        return practice

    return move


@pytest.fixture
def publish(make_practice, published_at):
    """publish(title, when=IN_WEEK, **fields): a practice in the cast's region, published at `when`."""

    def make(title, when=IN_WEEK, **fields):
        return published_at(make_practice(title, publish=True, **fields), when)

    return make
