"""Sending digests to a real SMTP server on loopback: headers, both parts, one per subscriber and period,
and nothing lost or doubled when the server fails, refuses, or the process dies half-way."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from exchange.database import utcnow
from exchange.digests import dispatch, sending
from exchange.digests.models import Delivery, DeliveryStatus, DigestRun, Frequency, RunStatus
from exchange.digests.periods import Period
from exchange.digests.sending import send_digests
from exchange.extensions import db as _db
from tests.digests.conftest import AFTER_WEEK, IN_WEEK, WEEK, smtp_config


@pytest.fixture
def app_overrides(smtp_sink):
    return smtp_config(smtp_sink)


@pytest.fixture
def readers(cast, make_subscriber):
    """Three confirmed weekly subscribers to the cast's theme, one of whom also follows the other theme."""
    return [
        make_subscriber("een@example.org", [cast.theme, cast.other_theme]),
        make_subscriber("twee@example.org", [cast.theme]),
        make_subscriber("drie@example.org", [cast.theme]),
    ]


def statuses(db) -> Counter:
    return Counter(d.status for d in db.session.scalars(select(Delivery)))


def test_one_digest_per_subscriber_with_headers_and_both_parts(db, cast, publish, readers, smtp_sink):
    publish("Thuiszitterstafel", IN_WEEK, themes=[cast.theme])
    publish("Gezinshuis", IN_WEEK, themes=[cast.other_theme])
    report = send_digests(Frequency.WEEKLY, AFTER_WEEK)

    assert [p.sent for p in report.periods] == [3]
    assert sorted(smtp_sink.handler.recipients()) == [
        "drie@example.org",
        "een@example.org",
        "twee@example.org",
    ]
    message = next(m for m in smtp_sink.handler.messages() if m["To"] == "een@example.org")
    key = readers[0].key
    assert message["Message-ID"] == f"<digest.weekly.20250303.{key}@127.0.0.1>"
    assert message["List-Id"] == "Jeugdkennis themaoverzicht <themaoverzicht.127.0.0.1>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(
        r"<(http://127\.0\.0\.1:5000/abonnementen/beheer/[^>]+)>", message["List-Unsubscribe"]
    )
    assert unsubscribe, message["List-Unsubscribe"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert "week van 3 t/m 9 maart 2025" in message["Subject"]

    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Thuiszitterstafel" in part and "Gezinshuis" in part  # both themes in one email
        assert cast.region.display_name in part and cast.phases[0].name in part
        assert unsubscribe.group(1) in part  # a visible unsubscribe link too
        assert "Waarom krijgt u deze e-mail?" in part
    assert '<html lang="nl">' in html and "<h1" in html and "<h2" in html and "<img" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith("http://127.0.0.1:5000/") for link in links)
    first, second = sorted([cast.theme, cast.other_theme], key=lambda t: (t.position, t.name))
    assert text.index(f"== {first.name}") < text.index(f"== {second.name}"), "sections in theme order"

    deliveries = list(db.session.scalars(select(Delivery)))
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert all(d.sent_at is not None and d.attempts == 1 for d in deliveries)
    run = db.session.scalar(select(DigestRun))
    assert (run.status, run.sent, run.considered, run.period_start) == (RunStatus.DONE, 3, 3, WEEK.start)


@pytest.mark.parametrize(("senders", "connections"), [(1, 1), (4, 5)])
def test_smtp_connections_are_reused_for_many_messages(
    app, db, cast, publish, make_subscriber, smtp_sink, senders, connections
):
    app.config["DIGEST_SENDERS"] = senders
    publish("Nieuw", IN_WEEK)
    for n in range(30):
        make_subscriber(f"lezer{n}@example.org", [cast.theme])
    report = send_digests(Frequency.WEEKLY, AFTER_WEEK)
    assert report.periods[0].sent == 30
    # One connection per sender, plus (with several senders) the check made before anything is claimed.
    assert smtp_sink.handler.sessions <= connections


def test_nothing_is_sent_when_nothing_is_new_or_to_unconfirmed_addresses(
    db, cast, publish, readers, smtp_sink, make_subscriber
):
    unconfirmed = make_subscriber("nog-niet@example.org", [cast.other_theme])
    unconfirmed.confirmed_at = None
    db.session.commit()
    publish("Alleen pleegzorg", IN_WEEK, themes=[cast.other_theme])
    report = send_digests(Frequency.WEEKLY, AFTER_WEEK)
    assert smtp_sink.handler.recipients() == ["een@example.org"]
    assert (report.periods[0].sent, report.periods[0].empty) == (1, 2)


def test_running_twice_sends_nothing_twice(db, cast, publish, readers, smtp_sink):
    publish("Eén keer", IN_WEEK)
    send_digests(Frequency.WEEKLY, AFTER_WEEK)
    again = send_digests(Frequency.WEEKLY, AFTER_WEEK + timedelta(hours=1))
    assert again.periods == [] and again.already_done
    assert len(smtp_sink.handler.received) == 3


def test_smtp_failing_after_n_messages_loses_and_doubles_nothing(
    db, cast, publish, make_subscriber, smtp_sink
):
    publish("Nieuw", IN_WEEK)
    for n in range(10):
        make_subscriber(f"lezer{n}@example.org", [cast.theme])
    smtp_sink.handler.fail_after = 4

    first = send_digests(Frequency.WEEKLY, AFTER_WEEK)
    assert (first.periods[0].sent, first.periods[0].failed) == (4, 6)
    assert first.periods[0].status == RunStatus.PARTIAL
    assert statuses(db) == Counter({DeliveryStatus.SENT: 4, DeliveryStatus.FAILED: 6})
    failed = db.session.scalar(select(Delivery).where(Delivery.status == DeliveryStatus.FAILED))
    assert failed.error.startswith("451") and failed.attempts == 1

    smtp_sink.handler.fail_after = None
    second = send_digests(Frequency.WEEKLY, AFTER_WEEK + timedelta(hours=1))
    assert [(p.retry_only, p.sent) for p in second.periods] == [(True, 6)]
    counts = Counter(smtp_sink.handler.recipients())
    assert len(counts) == 10 and set(counts.values()) == {1}
    assert statuses(db) == Counter({DeliveryStatus.SENT: 10})


def test_a_refused_recipient_is_recorded_and_the_run_continues(db, cast, publish, readers, smtp_sink):
    publish("Nieuw", IN_WEEK)
    smtp_sink.handler.refuse.add("twee@example.org")
    report = send_digests(Frequency.WEEKLY, AFTER_WEEK)
    assert (report.periods[0].sent, report.periods[0].rejected) == (2, 1)
    refused = db.session.scalar(select(Delivery).where(Delivery.status == DeliveryStatus.REJECTED))
    assert refused.subscriber_id == readers[1].id and "550" in refused.error
    assert sorted(smtp_sink.handler.recipients()) == ["drie@example.org", "een@example.org"]
    # A refusal is final: the next run does not try again.
    send_digests(Frequency.WEEKLY, AFTER_WEEK + timedelta(hours=1))
    assert len(smtp_sink.handler.received) == 2


def test_mail_server_dying_half_way_stops_the_run_and_the_rerun_sends_the_rest(
    app, db, cast, publish, make_subscriber, smtp_sink, monkeypatch
):
    app.config["DIGEST_SENDERS"] = 1  # one sender, so "half-way" is an exact point
    publish("Nieuw", IN_WEEK)
    for n in range(6):
        make_subscriber(f"lezer{n}@example.org", [cast.theme])
    sent_before = dispatch.Sender.send

    def send_then_die(self, message):
        if smtp_sink.handler.accepted == 2 and smtp_sink.controller is not None:
            smtp_sink.stop()  # the server goes away between two messages
        return sent_before(self, message)

    monkeypatch.setattr(dispatch.Sender, "send", send_then_die)
    first = send_digests(Frequency.WEEKLY, AFTER_WEEK)
    assert first.periods[0].aborted and first.periods[0].sent == 2 and not first.ok
    assert db.session.scalar(select(DigestRun.status)) == RunStatus.ABORTED
    # Nothing is left "claimed": what was not sent is handed back for the next run.
    assert statuses(db) == Counter({DeliveryStatus.SENT: 2, DeliveryStatus.FAILED: 4})

    monkeypatch.undo()
    smtp_sink.start()
    second = send_digests(Frequency.WEEKLY, AFTER_WEEK + timedelta(minutes=10))
    assert [p.sent for p in second.periods] == [4]
    counts = Counter(smtp_sink.handler.recipients())
    assert len(counts) == 6 and set(counts.values()) == {1}


class ProcessDied(BaseException):
    """Stands in for a killed process: not an Exception, so nothing in the sender catches it."""


def test_a_crash_before_sending_loses_nothing(
    app, db, cast, publish, make_subscriber, smtp_sink, monkeypatch
):
    app.config["DIGEST_SENDERS"] = 1
    publish("Nieuw", IN_WEEK)
    for n in range(5):
        make_subscriber(f"lezer{n}@example.org", [cast.theme])
    real_send = dispatch.Sender.send

    def die_at_third(self, message):
        if smtp_sink.handler.accepted == 2:
            raise ProcessDied()
        return real_send(self, message)

    monkeypatch.setattr(dispatch.Sender, "send", die_at_third)
    with pytest.raises(ProcessDied):
        send_digests(Frequency.WEEKLY, AFTER_WEEK)
    _db.session.rollback()
    assert statuses(db) == Counter({DeliveryStatus.SENT: 2, DeliveryStatus.CLAIMED: 3})
    assert db.session.scalar(select(DigestRun.status)) == RunStatus.RUNNING

    monkeypatch.undo()  # DIGEST_CLAIM_TIMEOUT is 0 here: abandoned claims are taken over at once
    send_digests(Frequency.WEEKLY, AFTER_WEEK + timedelta(minutes=20))
    counts = Counter(smtp_sink.handler.recipients())
    assert len(counts) == 5 and set(counts.values()) == {1}
    assert statuses(db) == Counter({DeliveryStatus.SENT: 5})
    runs = list(db.session.scalars(select(DigestRun).order_by(DigestRun.id)))
    assert [(r.status, r.sent) for r in runs] == [(RunStatus.ABORTED, 2), (RunStatus.DONE, 3)]
    assert runs[0].error == "Proces gestopt tijdens het versturen"


def test_a_crash_between_acceptance_and_recording_resends_only_that_message(
    app, db, cast, publish, make_subscriber, smtp_sink, monkeypatch
):
    """The documented crash window: the server accepted a message but the process died before committing
    "sent". The next run sends that one message again (same Message-ID) and nothing else twice."""
    app.config["DIGEST_SENDERS"] = 1
    publish("Nieuw", IN_WEEK)
    for n in range(4):
        make_subscriber(f"lezer{n}@example.org", [cast.theme])
    real_finish = dispatch.finish_delivery

    def die_recording_second(delivery_id, status, **kwargs):
        if status == DeliveryStatus.SENT and smtp_sink.handler.accepted == 2:
            raise ProcessDied()
        return real_finish(delivery_id, status, **kwargs)

    monkeypatch.setattr(dispatch, "finish_delivery", die_recording_second)
    with pytest.raises(ProcessDied):
        send_digests(Frequency.WEEKLY, AFTER_WEEK)
    _db.session.rollback()
    monkeypatch.undo()
    send_digests(Frequency.WEEKLY, AFTER_WEEK + timedelta(minutes=20))
    counts = Counter(smtp_sink.handler.recipients())
    assert sorted(counts.values()) == [1, 1, 1, 2]
    doubled = [m for m in smtp_sink.handler.messages() if counts[m["To"]] == 2]
    assert len({m["Message-ID"] for m in doubled}) == 1


def test_a_claim_held_by_a_live_run_is_left_alone(app, db, cast, publish, readers, smtp_sink):
    publish("Nieuw", IN_WEEK)
    app.config["DIGEST_CLAIM_TIMEOUT"] = timedelta(minutes=15)
    db.session.add(
        Delivery(
            subscriber_id=readers[0].id,
            frequency=Frequency.WEEKLY,
            period_start=WEEK.start,
            period_end=WEEK.end,
            status=DeliveryStatus.CLAIMED,
            message_id="<x@y>",
            claimed_at=utcnow(),
        )
    )
    db.session.commit()
    report = send_digests(Frequency.WEEKLY, AFTER_WEEK)
    assert (report.periods[0].sent, report.periods[0].skipped) == (2, 1)
    assert "een@example.org" not in smtp_sink.handler.recipients()


def test_catching_up_after_downtime_sends_each_missed_period_once(db, cast, publish, readers, smtp_sink):
    weeks = [WEEK, WEEK.next(), WEEK.next().next()]
    send_digests(Frequency.WEEKLY, WEEK.start + timedelta(hours=8))  # the run before the downtime
    for n, week in enumerate(weeks):
        publish(f"Week {n}", week.start + timedelta(days=1))
    report = send_digests(Frequency.WEEKLY, weeks[-1].end + timedelta(days=2))
    assert [p.period for p in report.periods] == weeks
    by_reader = Counter(smtp_sink.handler.recipients())
    assert set(by_reader.values()) == {3}
    subjects = sorted(m["Subject"] for m in smtp_sink.handler.messages() if m["To"] == "twee@example.org")
    assert len(set(subjects)) == 3
    bodies = [
        m.get_body(("plain",)).get_content()
        for m in smtp_sink.handler.messages()
        if m["To"] == "twee@example.org"
    ]
    assert sorted(sum(f"Week {n}" in body for n in range(3)) for body in bodies) == [1, 1, 1]


def test_a_late_run_sends_the_last_completed_period(db, cast, publish, readers, smtp_sink):
    publish("Nieuw", IN_WEEK)
    report = send_digests(Frequency.WEEKLY, WEEK.end + timedelta(days=6, hours=23))
    assert [p.period for p in report.periods] == [WEEK] and report.periods[0].sent == 3


def test_a_period_is_not_read_before_it_settled(db, cast, publish, readers, smtp_sink):
    publish("Net voor middernacht", WEEK.end - timedelta(seconds=1))
    report = send_digests(Frequency.WEEKLY, WEEK.end + timedelta(minutes=1))
    assert [p.period for p in report.periods] == [WEEK.previous()]
    report = send_digests(Frequency.WEEKLY, WEEK.end + timedelta(minutes=10))
    assert [p.period for p in report.periods] == [WEEK] and report.periods[0].sent == 3


def test_daily_and_monthly_subscribers_get_their_own_periods(db, cast, publish, make_subscriber, smtp_sink):
    make_subscriber("dag@example.org", [cast.theme], frequency=Frequency.DAILY)
    make_subscriber("maand@example.org", [cast.theme], frequency=Frequency.MONTHLY)
    publish("Nieuw", IN_WEEK)
    daily = send_digests(Frequency.DAILY, IN_WEEK + timedelta(days=1, hours=8))
    monthly = send_digests(Frequency.MONTHLY, IN_WEEK + timedelta(days=40))
    send_digests(Frequency.WEEKLY, AFTER_WEEK)
    assert sorted(smtp_sink.handler.recipients()) == ["dag@example.org", "maand@example.org"]
    assert daily.periods[0].period.contains(IN_WEEK) and daily.periods[0].period.frequency == Frequency.DAILY
    assert monthly.periods[0].period == Period(Frequency.MONTHLY, WEEK.first_day.replace(day=1))
    assert db.session.scalar(select(func.count(DigestRun.id))) == 3


def test_the_query_count_per_batch_does_not_grow_with_the_batch(
    app, db, cast, publish, make_subscriber, smtp_sink, query_counter
):
    publish("Nieuw", IN_WEEK)
    for n in range(24):
        make_subscriber(f"lezer{n}@example.org", [cast.theme, cast.other_theme])

    def statements(batch_size):
        app.config["DIGEST_BATCH_SIZE"] = batch_size
        _db.session.execute(update(Delivery).values(status=DeliveryStatus.FAILED, attempts=0))
        _db.session.commit()
        with query_counter() as counter:
            summary = sending.send_period(Frequency.WEEKLY, WEEK, AFTER_WEEK, retry_only=True)
        assert summary.sent == 24
        marks = sum(
            1
            for s in counter.statements
            if s.lstrip().startswith("UPDATE delivery") and "WHERE delivery.id =" in s
        )
        # On PostgreSQL each mark also relaxes synchronous_commit for its own transaction.
        relaxed = sum(1 for s in counter.statements if "synchronous_commit" in s)
        return counter.count - marks - relaxed, marks

    send_digests(Frequency.WEEKLY, AFTER_WEEK)
    small_other, small_marks = statements(4)  # 6 batches
    large_other, large_marks = statements(24)  # 1 batch
    assert small_marks == large_marks == 24, "one 'sent' mark per message, nothing else per message"
    assert large_other <= 20, f"{large_other} statements for one batch of 24: something runs per subscriber"
    assert small_other - large_other <= 5 * 6, "more than 6 statements per extra batch"


def test_parallel_senders_with_a_crash_send_everyone_exactly_once_after_the_rerun(
    app, db, cast, publish, make_subscriber, smtp_sink, monkeypatch
):
    """Four senders; one dies after the server accepted a few messages. Whatever was in flight, the rerun
    delivers to everyone, and only messages that were in flight at the crash can arrive twice."""
    app.config["DIGEST_SENDERS"] = 4
    publish("Nieuw", IN_WEEK)
    for n in range(20):
        make_subscriber(f"lezer{n}@example.org", [cast.theme])
    real_send = dispatch.Sender.send

    def die_after_five(self, message):
        real_send(self, message)
        if smtp_sink.handler.accepted >= 5:
            raise ProcessDied()

    monkeypatch.setattr(dispatch.Sender, "send", die_after_five)
    with pytest.raises(ProcessDied):
        send_digests(Frequency.WEEKLY, AFTER_WEEK)
    _db.session.rollback()
    monkeypatch.undo()
    send_digests(Frequency.WEEKLY, AFTER_WEEK + timedelta(minutes=20))
    counts = Counter(smtp_sink.handler.recipients())
    assert len(counts) == 20, "nobody was lost"
    assert sum(c - 1 for c in counts.values()) <= 4, "only the (at most four) messages in flight came twice"
    assert statuses(db) == Counter({DeliveryStatus.SENT: 20})
