"""The mail outbox: a message queued with a change is stored with it, and is neither lost nor sent twice when the
SMTP server is down, refuses, or fails half-way. Against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import Role, User
from exchange.extensions import db
from exchange.mail import MailDeliveryError, queue_mail
from exchange.mail.models import OutgoingMail
from exchange.mail.outbox import send_pending
from exchange.policy import SYSTEM
from tests.conftest import smtp_app_context
from tests.digests.smtp import RecordingHandler, SmtpSink


@pytest.fixture
def sink():
    """A recording SMTP server, not started: each test decides when the server is up."""
    server = SmtpSink(RecordingHandler())
    yield server
    server.stop()


@pytest.fixture
def mail_app(database_urls, backend, tmp_path, sink):
    with smtp_app_context(database_urls[backend], tmp_path, sink.port) as app:
        yield app


def waiting() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def later(minutes: int = 5) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def invite(address: str) -> None:
    """A real change with its mail: an invitation (the account row and the message commit together)."""
    from exchange.accounts.services import invitations

    invitations.invite_user(SYSTEM, address, Role.ADMIN)
    db.session.commit()


def test_a_delivered_message_leaves_nothing_in_the_outbox(mail_app, sink):
    sink.start()
    invite("nieuw@example.org")
    assert sink.handler.recipients() == ["nieuw@example.org"]
    assert waiting() == []


def test_a_rolled_back_change_leaves_no_message_behind(mail_app, sink):
    sink.start()
    queue_mail("iemand@example.org", "Nooit", "email_in_use")
    db.session.rollback()
    assert waiting() == [] and sink.handler.received == []


def test_mail_queued_while_the_server_is_down_is_kept_and_sent_once_later(mail_app, sink):
    invite("nieuw@example.org")  # the server is not running
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "nieuw@example.org")) == 1
    [row] = waiting()
    assert row.attempts == 1 and row.last_error and "nieuw@example.org" in row.recipients
    assert row.template == "invitation"

    with pytest.raises(MailDeliveryError):  # still down: the run stops, the row stays
        send_pending()
    assert len(waiting()) == 1

    sink.start()
    run = send_pending()
    assert (run.sent, run.failed) == (1, 0)
    assert waiting() == []
    [received] = sink.handler.messages()
    assert received["To"] == "nieuw@example.org"
    assert "/uitnodiging/" in received.get_body(("plain",)).get_content()
    assert send_pending().sent == 0  # a second run sends nothing again
    assert len(sink.handler.received) == 1


def test_the_message_sent_later_is_the_one_that_was_queued(mail_app, sink):
    queue_mail("iemand@example.org", "Onderwerp met é", "email_in_use")
    db.session.commit()
    [row] = waiting()
    sink.start()
    send_pending()
    [received] = sink.handler.messages()
    assert received["Subject"] == "Onderwerp met é"
    assert (
        received["Message-ID"] in row.message.decode()
    )  # same Message-ID: a receiver can recognise a resend
    assert received.get_body(("html",)) is not None and received.get_body(("plain",)) is not None


def test_a_refused_recipient_stays_in_the_outbox_and_the_others_go(mail_app, sink):
    sink.handler.refuse.add("weg@example.org")
    sink.start()
    queue_mail("weg@example.org", "Eerste", "email_in_use")
    queue_mail("iemand@example.org", "Tweede", "email_in_use")
    db.session.commit()
    assert sink.handler.recipients() == ["iemand@example.org"]
    [row] = waiting()
    assert row.recipients == "weg@example.org" and "550" in row.last_error

    run = send_pending()
    assert (run.sent, run.failed) == (0, 1) and "weg@example.org" in run.errors[0]
    assert waiting()[0].attempts == 2


def test_a_server_failing_half_way_loses_and_doubles_nothing(mail_app, sink):
    for i in range(6):
        queue_mail(f"p{i}@example.org", f"Bericht {i}", "email_in_use")
    db.session.commit()  # server down: all six wait
    assert len(waiting()) == 6

    sink.handler.fail_after = 4  # accepts four, then 451 for the rest
    sink.start()
    run = send_pending()
    assert (run.sent, run.failed) == (4, 2)
    assert len(waiting()) == 2

    sink.handler.fail_after = None
    run = send_pending()
    assert (run.sent, run.failed) == (2, 0)
    assert sorted(sink.handler.recipients()) == [f"p{i}@example.org" for i in range(6)]
    assert waiting() == []


def test_a_fresh_message_belongs_to_the_process_that_queued_it_until_the_grace_period_ends(mail_app, sink):
    # A process that died between its commit and its delivery leaves a row without attempts.
    row = OutgoingMail(
        key="a" * 32,
        recipients="iemand@example.org",
        sender="noreply@example.org",
        subject="S",
        template="email_in_use",
        message=b"Subject: S\r\n\r\nbody\r\n",
    )
    db.session.add(row)
    db.session.commit()
    sink.start()
    assert send_pending().sent == 0  # might still be sent by its own process
    assert send_pending(now=later(minutes=3)).sent == 1
    assert sink.handler.recipients() == ["iemand@example.org"] and waiting() == []


def test_messages_older_than_the_maximum_age_are_given_up_and_reported(mail_app, sink):
    queue_mail("iemand@example.org", "Te oud", "email_in_use")
    db.session.commit()
    sink.start()
    run = send_pending(now=later(minutes=60 * mail_app.config["MAIL_OUTBOX_MAX_AGE_HOURS"] + 1))
    assert (run.sent, run.given_up) == (0, 1)
    assert waiting() == [] and sink.handler.received == []


def test_two_runs_at_the_same_time_send_each_message_once(mail_app, sink):
    for i in range(12):
        queue_mail(f"p{i}@example.org", f"Bericht {i}", "email_in_use")
    db.session.commit()
    sink.start()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with mail_app.app_context():
                send_pending()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(sink.handler.recipients()) == sorted(f"p{i}@example.org" for i in range(12))
    assert waiting() == []


# --- the command line -----------------------------------------------------------------------------------------------


def test_cli_reports_what_it_sent_and_what_still_waits(mail_app, sink):
    queue_mail("iemand@example.org", "Later", "email_in_use")
    db.session.commit()
    runner = mail_app.test_cli_runner()

    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0 and "1 wachtende e-mail" in result.output and "email_in_use" in result.output

    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1 and "niet bereikbaar" in result.output
    assert len(waiting()) == 1

    sink.start()
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "1 verstuurd, 0 mislukt, 0 opgegeven" in result.output and "0 wachtend" in result.output
    assert runner.invoke(args=["mail", "status"]).output.strip() == "Geen wachtende e-mails."


def test_cli_exits_non_zero_when_a_message_failed(mail_app, sink):
    sink.handler.refuse.add("weg@example.org")
    sink.start()
    queue_mail("weg@example.org", "Geweigerd", "email_in_use")
    db.session.commit()
    result = mail_app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1
    assert "0 verstuurd, 1 mislukt" in result.output and "weg@example.org" in result.output


def test_without_a_server_waiting_mail_goes_to_the_mail_folder(app, db, tmp_path):
    from pathlib import Path

    db.session.add(
        OutgoingMail(
            key="b" * 32,
            recipients="iemand@example.org",
            sender="noreply@example.org",
            subject="S",
            template="email_in_use",
            attempts=1,
            message=b"Subject: Uit de wachtrij\r\n\r\nbody\r\n",
        )
    )
    db.session.commit()
    assert send_pending().sent == 1
    [written] = Path(app.config["MAIL_FOLDER"]).glob("*.eml")
    assert b"Uit de wachtrij" in written.read_bytes()
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0


# --- erasure ----------------------------------------------------------------------------------------------------------


def _waiting_for(address: str, key: str) -> OutgoingMail:
    return OutgoingMail(
        key=key * 32,
        recipients=address,
        sender="noreply@example.org",
        subject="S",
        template="password_reset",
        message=b"x",
        attempts=1,
    )


def test_deleting_ones_account_erases_mail_still_waiting_for_it(app, db, reference, make_user):
    from exchange.accounts.services import own_account
    from tests.conftest import DEFAULT_PASSWORD

    user = make_user("staff", region="JZ01", email="weg@example.org")
    db.session.add_all([_waiting_for("Weg@Example.org", "f"), _waiting_for("blijft@example.org", "g")])
    db.session.commit()
    own_account.delete_own_account(user, user, DEFAULT_PASSWORD)
    db.session.commit()
    assert [row.recipients for row in waiting()] == ["blijft@example.org"]


def test_erasing_a_subscriber_erases_mail_still_waiting_for_them(app, db, reference):
    from exchange.digests import services
    from exchange.digests.models import Subscriber

    subscriber = Subscriber(email="lezer@example.org")
    db.session.add_all(
        [subscriber, _waiting_for("lezer@example.org", "h"), _waiting_for("ander@example.org", "i")]
    )
    db.session.commit()
    services.erase_subscriber(subscriber)
    db.session.commit()
    assert [row.recipients for row in waiting()] == ["ander@example.org"]


@pytest.mark.parametrize(
    "args",
    [
        ["mail", "send-pending", "extra"],
        ["mail", "status", "--all"],
        ["mail", "send-pending", "--now", "gisteren"],
    ],
)
def test_cli_refuses_unexpected_arguments_and_sends_nothing(app, db, args):
    db.session.add(
        OutgoingMail(
            key="j" * 32,
            recipients="iemand@example.org",
            sender="noreply@example.org",
            subject="S",
            template="email_in_use",
            attempts=1,
            message=b"x",
        )
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2 and (
        "No such option" in result.output or "unexpected extra" in result.output
    )
    assert len(waiting()) == 1
