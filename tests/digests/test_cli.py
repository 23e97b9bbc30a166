"""`flask digests send` and `flask digests purge`: Dutch errors for bad arguments, dry runs, summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from exchange.database import utcnow
from exchange.digests.cli import parse_now
from exchange.digests.models import Consent, Delivery, DigestRun, Subscriber
from exchange.digests.periods import TZ
from tests.digests.conftest import AFTER_WEEK, IN_WEEK, smtp_config


@pytest.fixture
def app_overrides(smtp_sink):
    return smtp_config(smtp_sink)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frequency", "hourly"], "Onbekende frequentie 'hourly'"),
        ([], "Kies een frequentie: daily, weekly, monthly."),
        (["--frequency", "weekly", "--now", "volgende dinsdag"], "geen geldige ISO-8601-tijd"),
        (["--frequency", "weekly", "--now", "2025-13-01"], "geen geldige ISO-8601-tijd"),
        (["--frequency", "weekly", "--now", "2999-01-01T00:00"], "ligt in de toekomst"),
        (["--frequency", "weekly", "--now", "1970-01-01T00:00+00:00"], "te ver in het verleden"),
    ],
)
def test_bad_arguments_are_refused_in_dutch(runner, reference, args, message):
    result = runner.invoke(args=["digests", "send", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_parse_now_reads_amsterdam_time_without_an_offset():
    real_now = datetime(2025, 7, 1, tzinfo=UTC)
    assert parse_now("2025-03-31T07:00", real_now=real_now, tolerance=timedelta(0)) == datetime(
        2025, 3, 31, 5, tzinfo=UTC
    )
    assert parse_now("2025-01-06", real_now=real_now, tolerance=timedelta(0)) == datetime(
        2025, 1, 6, tzinfo=TZ
    )
    assert parse_now(
        "2025-03-31T05:00:00Z", real_now=real_now, tolerance=timedelta(0)
    ).utcoffset() == timedelta(0)


def test_a_dry_run_counts_but_sends_and_records_nothing(
    runner, db, cast, publish, make_subscriber, smtp_sink
):
    publish("Nieuw", IN_WEEK)
    make_subscriber("een@example.org", [cast.theme])
    make_subscriber("twee@example.org", [cast.other_theme])
    result = runner.invoke(
        args=["digests", "send", "--frequency", "weekly", "--now", AFTER_WEEK.isoformat(), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "proefdraai" in result.output and "1 zouden een e-mail krijgen" in result.output
    assert smtp_sink.handler.received == []
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    assert db.session.scalar(select(func.count(DigestRun.id))) == 0


def test_send_shows_progress_and_a_summary(runner, db, cast, publish, make_subscriber, smtp_sink):
    publish("Nieuw", IN_WEEK)
    make_subscriber("een@example.org", [cast.theme])
    make_subscriber("twee@example.org", [cast.other_theme])
    args = ["digests", "send", "--frequency", "weekly", "--now", AFTER_WEEK.isoformat()]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "week van 3 t/m 9 maart 2025" in result.output
    assert "2 abonnees bekeken: 1 verstuurd, 0 mislukt" in result.output and "1 niets nieuws" in result.output
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and "al verstuurd" in again.output
    assert len(smtp_sink.handler.received) == 1


def test_an_unreachable_mail_server_fails_the_command_and_leaves_no_claims(
    runner, db, cast, publish, make_subscriber, smtp_sink
):
    publish("Nieuw", IN_WEEK)
    make_subscriber("een@example.org", [cast.theme])
    smtp_sink.stop()
    result = runner.invoke(args=["digests", "send", "--frequency", "weekly", "--now", AFTER_WEEK.isoformat()])
    assert result.exit_code == 1 and "AFGEBROKEN" in result.output
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    smtp_sink.start()
    result = runner.invoke(args=["digests", "send", "--frequency", "weekly", "--now", AFTER_WEEK.isoformat()])
    assert result.exit_code == 0 and len(smtp_sink.handler.received) == 1


def test_purge_erases_stale_addresses_and_requests(app, runner, db, cast, make_subscriber):
    old = utcnow() - app.config["DIGEST_RETENTION"] - timedelta(days=1)
    never = make_subscriber("nooit@example.org", [])
    never.confirmed_at = None
    never.created_at = old
    left = make_subscriber("weg@example.org", [])
    left.left_at = old
    stays = make_subscriber("blijft@example.org", [cast.theme])
    db.session.add(Consent(subscriber=stays, text="t", request={}, given_at=old))
    db.session.commit()
    result = runner.invoke(args=["digests", "purge"])
    assert (
        result.exit_code == 0 and "2 adressen gewist, 1 onbevestigde aanmeldingen verwijderd" in result.output
    )
    assert list(db.session.scalars(select(Subscriber.email))) == ["blijft@example.org"]
    assert db.session.scalar(select(func.count(Consent.id))) == 1
