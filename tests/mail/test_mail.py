"""Outgoing mail against a real SMTP server on loopback (aiosmtpd): after commit only, both parts, no lost data."""

from __future__ import annotations

import email
import logging
import socket
import time
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import User
from exchange.extensions import db
from exchange.mail import (
    MailDeliveryError,
    external_url,
    mail_connection,
    pending_mail,
    queue_mail,
    send_mail_now,
)
from exchange.policy import SYSTEM
from tests.conftest import smtp_app_context
from tests.mail.conftest import free_port


@pytest.fixture
def smtp_app(database_urls, backend, tmp_path, smtp):
    """An app that sends through the loopback SMTP server."""
    with smtp_app_context(database_urls[backend], tmp_path, smtp.port) as app:
        yield app


def make_person(email_address: str = "iemand@example.org") -> User:
    from exchange.accounts.models import Role

    user = User(email=email_address, role=Role.ADMIN, name="Iemand")
    db.session.add(user)
    return user


def wait_for(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the SMTP server")
        time.sleep(0.01)


def test_queued_mail_leaves_only_after_commit_with_both_parts(smtp_app, smtp):
    make_person()
    queue_mail("iemand@example.org", "Onderwerp met é", "email_in_use")
    db.session.flush()
    assert smtp.messages == [] and len(pending_mail()) == 1
    db.session.commit()
    wait_for(lambda: smtp.messages)
    message = smtp.messages[0]
    assert message["Subject"] == "Onderwerp met é" and message["To"] == "iemand@example.org"
    assert "noreply@jeugdkennis.localhost" in message["From"]
    assert message["Message-ID"].endswith("@127.0.0.1>")
    assert "multipart/alternative" in [part.get_content_type() for part in message.walk()]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Jeugdkennis" in plain and "<html" not in plain
    assert html.lstrip().startswith("<!doctype html>") and "http://127.0.0.1:5000" in html
    assert smtp.envelopes[0].rcpt_tos == ["iemand@example.org"]
    assert pending_mail() == []


def test_rolled_back_mail_is_never_sent(smtp_app, smtp):
    make_person()
    queue_mail("iemand@example.org", "Niet versturen", "email_in_use")
    db.session.rollback()
    db.session.commit()
    time.sleep(0.1)
    assert smtp.messages == []
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_savepoint_rollback_drops_only_the_mail_queued_inside_it(smtp_app, smtp):
    make_person()
    queue_mail("buiten@example.org", "Buiten", "email_in_use")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        queue_mail("binnen@example.org", "Binnen", "email_in_use")
        raise RuntimeError("undo the savepoint")
    with db.session.begin_nested():
        queue_mail("bewaard@example.org", "Bewaard", "email_in_use")
    assert smtp.messages == []  # releasing a savepoint is not the commit
    db.session.commit()
    wait_for(lambda: len(smtp.messages) == 2)
    assert sorted(m["Subject"] for m in smtp.messages) == ["Bewaard", "Buiten"]


def test_many_queued_messages_share_one_smtp_connection(smtp_app, smtp):
    for i in range(5):
        queue_mail(f"persoon{i}@example.org", f"Bericht {i}", "email_in_use")
    db.session.commit()
    wait_for(lambda: len(smtp.messages) == 5)
    assert smtp.sessions == 1


def test_a_refused_recipient_does_not_stop_the_others_or_lose_data(smtp_app, smtp, caplog):
    smtp.refuse.add("weg@example.org")
    make_person()
    queue_mail("weg@example.org", "Eerste", "email_in_use")
    queue_mail("iemand@example.org", "Tweede", "email_in_use")
    with caplog.at_level(logging.ERROR, logger="exchange.mail"):
        db.session.commit()
    wait_for(lambda: smtp.messages)
    assert [m["Subject"] for m in smtp.messages] == ["Tweede"]
    assert "weg@example.org" in caplog.text
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_send_now_raises_on_a_refused_recipient(smtp_app, smtp):
    smtp.refuse.add("weg@example.org")
    with pytest.raises(MailDeliveryError):
        send_mail_now("weg@example.org", "Onderwerp", "email_in_use")


def test_unreachable_server_never_loses_the_change(smtp_app, caplog):
    smtp_app.config["MAIL_PORT"] = free_port()  # nothing listens there
    smtp_app.extensions["mail"].port = smtp_app.config["MAIL_PORT"]
    make_person()
    queue_mail("iemand@example.org", "Onderwerp", "email_in_use")
    with caplog.at_level(logging.ERROR, logger="exchange.mail"):
        db.session.commit()
    assert "not sent" in caplog.text
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == 1
    with pytest.raises(MailDeliveryError):
        send_mail_now("iemand@example.org", "Onderwerp", "email_in_use")


def test_a_stalled_server_times_out(smtp_app):
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        smtp_app.config.update(MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=1)
        smtp_app.extensions["mail"].port = smtp_app.config["MAIL_PORT"]
        started = time.monotonic()
        with pytest.raises(MailDeliveryError):
            send_mail_now("iemand@example.org", "Onderwerp", "email_in_use")
        assert time.monotonic() - started < 5


def test_invitation_arrives_with_an_absolute_single_use_link(smtp_app, smtp):
    from exchange.accounts.models import Role
    from exchange.accounts.services import invitations

    invitations.invite_user(SYSTEM, "nieuw@example.org", Role.ADMIN)
    db.session.commit()
    wait_for(lambda: smtp.messages)
    message = smtp.messages[0]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = next(line for line in plain.splitlines() if line.startswith("http"))
    assert link.startswith("http://127.0.0.1:5000/uitnodiging/") and link in html
    assert "7 dagen" in plain


def test_mail_connection_reuses_one_session_for_many_messages(smtp_app, smtp):
    from exchange.mail import build_message, deliver

    with mail_connection() as connection:
        for i in range(3):
            deliver(
                build_message(
                    f"p{i}@example.org",
                    f"Digest {i}",
                    "email_in_use",
                    message_id=f"<digest-{i}@jeugdkennis.test>",
                ),
                connection,
            )
    wait_for(lambda: len(smtp.messages) == 3)
    assert smtp.sessions == 1
    assert [m["Message-ID"] for m in smtp.messages] == [f"<digest-{i}@jeugdkennis.test>" for i in range(3)]


# --- without an SMTP server: files in the mail folder -------------------------------------------------------------


def test_without_a_server_mail_is_written_to_the_mail_folder_after_commit(db, app, outbox):
    folder = Path(app.config["MAIL_FOLDER"])
    queue_mail("iemand@example.org", "Naar de map", "email_in_use")
    assert not folder.exists() or not list(folder.glob("*.eml"))
    db.session.commit()
    files = list(folder.glob("*.eml"))
    assert len(files) == 1 and len(outbox) == 1
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Naar de map" and parsed.get_body(("html",)) is not None


def test_external_url_works_without_a_request(app_ctx):
    app_ctx.config["EXTERNAL_URL"] = "https://jeugdkennis.example/platform"
    assert external_url("accounts.login") == "https://jeugdkennis.example/platform/inloggen"
    assert external_url("reference.theme", slug="pleegzorg", _anchor="contact") == (
        "https://jeugdkennis.example/platform/themas/pleegzorg#contact"
    )
