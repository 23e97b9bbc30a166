"""Mail through the real web path: hostile text adds no header (SMTP, mail folder, outbox copy), and a mail server
that is down, refuses or stalls never turns a saved change into a 500."""

from __future__ import annotations

import email
import socket
from contextlib import contextmanager
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exchange.extensions import db as _db
from exchange.mail.models import OutgoingMail
from exchange.practices.models import FeedbackMessage
from tests.mail.conftest import free_port
from tests.web import login, post, text

TITLE = "Praktijk\r\nBcc: evil@example.org"
CLEAN_SUBJECT = "Nieuwe feedback op: Praktijk Bcc: evil@example.org"
HEADERS = {"Content-Type", "Date", "From", "MIME-Version", "Message-ID", "Subject", "To"}


def send_through(app, port: int, timeout: int = 2) -> None:
    """Make `app` deliver over SMTP to 127.0.0.1:`port` (Flask-Mail keeps its settings from init_app)."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=timeout)
    state = app.extensions["mail"]
    state.server, state.port, state.suppress = "127.0.0.1", port, False


@pytest.fixture
def hostile_practice(db, make_practice):
    """A practice whose title carries a line break and a Bcc header (as an old import could have stored it)."""
    practice = make_practice()
    practice.title = TITLE
    db.session.commit()
    return practice


def give_feedback(client, cast, practice):
    """The coach posts feedback through the form: the region's staff are mailed, with the title in the Subject."""
    login(client, cast.coach)
    return post(
        client,
        f"/praktijken/{practice.id}/feedback",
        {"body": "Meet ook de uitval."},
        form_page=f"/praktijken/{practice.id}",
    )


def assert_clean(raw: bytes) -> None:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert set(parsed.keys()) == HEADERS
    assert parsed["Subject"] == CLEAN_SUBJECT
    assert b"evil@example.org" not in raw.split(b"\r\n\r\n")[0].replace(
        b"Subject: " + CLEAN_SUBJECT.encode(), b""
    )


def test_a_line_break_in_a_title_adds_no_recipient_or_header_over_smtp(
    app, client, cast, hostile_practice, smtp
):
    send_through(app, smtp.port)

    response = give_feedback(client, cast, hostile_practice)

    assert response.status_code == 302
    assert len(smtp.messages) == 1
    assert smtp.envelopes[0].rcpt_tos == [cast.staff.email]
    assert_clean(smtp.envelopes[0].content)


def test_a_line_break_in_a_title_adds_no_header_in_the_mail_folder(app, client, cast, hostile_practice):
    response = give_feedback(client, cast, hostile_practice)

    assert response.status_code == 302
    files = list(Path(app.config["MAIL_FOLDER"]).glob("*.eml"))
    assert len(files) == 1
    assert_clean(files[0].read_bytes())


@contextmanager
def _closed_port():
    yield free_port()  # nothing listens there


@contextmanager
def _stalled_server():
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        yield silent.getsockname()[1]


@pytest.mark.parametrize("server", [_closed_port, _stalled_server], ids=["closed-port", "stalled"])
def test_a_mail_server_that_is_down_keeps_the_change_and_the_mail(
    app, client, cast, hostile_practice, server
):
    with server() as port:
        send_through(app, port, timeout=1)
        response = give_feedback(client, cast, hostile_practice)
        page = client.get(response.headers["Location"])

    assert response.status_code == 302
    assert page.status_code == 200 and "Uw bericht is geplaatst." in text(page)
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(FeedbackMessage.id))) == 1
    stored = _db.session.scalars(select(OutgoingMail)).all()
    assert [(row.recipients, row.attempts) for row in stored] == [(cast.staff.email, 1)]
    assert stored[0].last_error and stored[0].subject == CLEAN_SUBJECT
    assert_clean(stored[0].message)


def test_a_refused_recipient_keeps_the_change_and_the_mail(app, client, cast, hostile_practice, smtp):
    smtp.refuse.add(cast.staff.email)
    send_through(app, smtp.port)

    response = give_feedback(client, cast, hostile_practice)

    assert response.status_code == 302
    assert smtp.messages == []
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(FeedbackMessage.id))) == 1
    assert _db.session.scalar(select(OutgoingMail.attempts)) == 1


def test_an_address_stored_before_the_policy_does_not_break_the_change(app, client, cast, hostile_practice):
    cast.staff.email = "sänne@rijnmond.example"  # a non-ASCII local part cannot be sent without SMTPUTF8
    _db.session.commit()

    response = give_feedback(client, cast, hostile_practice)

    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(FeedbackMessage.id))) == 1
    assert _db.session.scalar(select(func.count(OutgoingMail.id))) == 0
    assert list(Path(app.config["MAIL_FOLDER"]).glob("*.eml")) == []
