"""Outgoing mail: rendered from templates/email/<name>.txt + .html and sent only after the database commit.

`queue_mail()` renders now, writes the message to the outbox table (OutgoingMail) in the current transaction and
keeps it on the SQLAlchemy session; it is sent right after that session commits and forgotten when it rolls back,
so mail never runs ahead of the data it talks about. A delivered message's row is deleted at once; when the SMTP
server is down or refuses, the row stays with the error and `flask mail send-pending` (cron, exchange.mail.outbox)
sends it later, so a failure never undoes the change, never answers a saved change with a 500, and never
loses the mail. `send_mail_now()` sends at once and raises
MailDeliveryError, for callers that keep their own delivery records (digests).

Without MAIL_SERVER every message is written as an .eml file into MAIL_FOLDER instead (development, tests).
Every message is a MailMessage (exchange.mail.message, the one builder: it cleans every header value); addresses
follow the one policy in exchange.mail.addresses.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import BadHeaderError, Connection, Message, email_dispatched
from sqlalchemy import delete, event, update
from sqlalchemy.orm import Session

from exchange.mail.addresses import UnsendableAddress
from exchange.mail.message import MailMessage

log = logging.getLogger(__name__)

PENDING_KEY = "exchange.pending_mail"


class MailDeliveryError(Exception):
    """The SMTP server could not be reached or refused the message."""


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout (Flask-Mail 0.10 passes none to smtplib)."""

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        timeout = current_app.config.get("MAIL_TIMEOUT", 10)
        host: smtplib.SMTP | smtplib.SMTP_SSL
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def external_url(endpoint: str, **values) -> str:
    """An absolute URL under EXTERNAL_URL; works without a request (CLI, after-commit hooks)."""
    anchor = values.pop("_anchor", None)
    values.pop("_external", None)
    base = urlsplit(current_app.config["EXTERNAL_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{quote(anchor, safe='')}" if anchor else url


def build_message(
    to: str | tuple[str, str] | Iterable[str | tuple[str, str]],
    subject: str,
    template: str,
    *,
    headers: dict[str, str] | None = None,
    sender: str | tuple[str, str] | None = None,
    message_id: str | None = None,
    language: str | None = None,
    **context,
) -> MailMessage:
    """Render templates/email/<template>.txt and .html into one message (both parts), through the one builder
    (exchange.mail.message), which cleans every header value.

    `to` is an address, a (display name, address) pair or a list of them. `message_id` sets a deterministic
    Message-ID (e.g. per digest period and subscriber); by default a random one on the EXTERNAL_URL host is used.
    `language` ("nl"/"en", the recipient's) writes the subject (pass a lazy string), texts, names and dates in
    that language, whatever the language of the page that caused the mail; without it the current locale is used.
    Raises UnsendableAddress for an address that cannot be sent at all.
    """
    recipients = [to] if isinstance(to, str | tuple) else list(to)
    context.setdefault("external_url", external_url)
    context.setdefault("site_url", current_app.config["EXTERNAL_URL"].rstrip("/"))
    domain = urlsplit(current_app.config["EXTERNAL_URL"]).hostname or "jeugdkennis.localhost"
    with force_locale(language) if language else nullcontext():
        subject = str(subject)
        body = render_template(f"email/{template}.txt", subject=subject, **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    message = MailMessage(
        subject,
        recipients,
        body=body,
        html=html,
        sender=sender or current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=dict(headers or {}),
        message_id=message_id or make_msgid(domain=domain),
    )
    message.date = time.time()
    return message


def queue_mail(to: str | Iterable[str], subject: str, template: str, **context) -> MailMessage | None:
    """Render a message now, store it in the outbox with the current transaction, and send it after the commit.

    Dropped with the transaction on rollback; kept in the outbox (for `flask mail send-pending`) when sending fails.
    An address that cannot be sent at all (stored before the address policy) is logged and skipped (None): the
    change it belongs to still goes through.
    """
    from exchange.extensions import db
    from exchange.mail.models import OutgoingMail

    try:
        message = build_message(to, subject, template, **context)
    except UnsendableAddress as exc:
        log.error("Mail %s not queued: %s", template, exc)
        return None
    session = db.session()
    key = uuid.uuid4().hex
    session.add(
        OutgoingMail(
            key=key,
            recipients=",".join(message.recipients),
            sender=str(message.sender),
            subject=message.subject[:500],
            template=template,
            message=message.as_bytes(),
        )
    )
    # Remember the innermost transaction, so rolling back a savepoint drops only the mail queued inside it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING_KEY, []).append(_Pending(transaction, key, message))
    return message


@dataclass
class _Pending:
    transaction: object
    key: str
    message: Message = field(repr=False)


def pending_mail() -> list[Message]:
    """Messages queued in the current session and not yet sent (for tests and diagnostics)."""
    from exchange.extensions import db

    return [pending.message for pending in db.session().info.get(PENDING_KEY, [])]


def send_mail_now(to: str | Iterable[str], subject: str, template: str, **context) -> MailMessage:
    """Render and send a message at once. Raises MailDeliveryError when it could not be built or delivered."""
    try:
        message = build_message(to, subject, template, **context)
    except UnsendableAddress as exc:
        raise MailDeliveryError(str(exc)) from exc
    deliver(message)
    return message


@contextmanager
def mail_connection() -> Iterator[TimeoutConnection | None]:
    """One SMTP connection for many messages (None when mail goes to the mail folder)."""
    if not current_app.config.get("MAIL_SERVER"):
        yield None
        return
    try:
        connection = TimeoutConnection(current_app.extensions["mail"])
        connection.__enter__()
    except (smtplib.SMTPException, OSError) as exc:
        raise MailDeliveryError(f"SMTP connection failed: {exc}") from exc
    try:
        yield connection
    finally:
        try:
            connection.__exit__(None, None, None)
        except (smtplib.SMTPException, OSError):
            log.warning("Closing the SMTP connection failed", exc_info=True)


def deliver(message: Message, connection: TimeoutConnection | None = None) -> None:
    """Send one built message over `connection` (or a new one), or write it to the mail folder."""
    app = current_app._get_current_object()
    if not app.config.get("MAIL_SERVER"):
        _write_to_folder(message)
        email_dispatched.send(app, message=message)
        return
    try:
        if connection is not None:
            connection.send(message)
        else:
            with mail_connection() as own:
                own.send(message)
    except MailDeliveryError:
        raise
    # UnicodeError: an address or message smtplib cannot encode; BadHeaderError: Flask-Mail's own check.
    except (smtplib.SMTPException, OSError, UnicodeError, BadHeaderError) as exc:
        raise MailDeliveryError(f"Sending to {', '.join(message.recipients)} failed: {exc}") from exc


def _write_to_folder(message: Message) -> Path:
    if message.date is None:
        message.date = time.time()
    try:
        return write_eml(message.as_bytes())
    except OSError as exc:
        raise MailDeliveryError(f"Writing to the mail folder failed: {exc}") from exc


def write_eml(content: bytes) -> Path:
    folder = Path(current_app.config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(content)
    return path


def _send_pending(session: Session) -> None:
    pending: list[_Pending] = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    delivered: list[str] = []
    failed: dict[str, str] = {}
    try:
        with mail_connection() as connection:
            for item in pending:
                try:
                    deliver(item.message, connection)
                    delivered.append(item.key)
                except MailDeliveryError as exc:
                    failed[item.key] = str(exc)
                    log.error(
                        "Mail to %s could not be sent; it stays in the outbox (%s)",
                        item.message.recipients,
                        exc,
                    )
    except MailDeliveryError as exc:
        log.error(
            "Mail server unreachable; %d message(s) not sent, kept in the outbox (%s)", len(pending), exc
        )
        failed.update((item.key, str(exc)) for item in pending if item.key not in delivered)
    _record_outcome(delivered, failed)


def _record_outcome(delivered: list[str], failed: dict[str, str]) -> None:
    """Delete delivered rows and note failures, on a connection of its own (the session's transaction is over)."""
    from exchange.extensions import db
    from exchange.mail.models import OutgoingMail

    if not delivered and not failed:
        return
    now = datetime.now(UTC)
    try:
        with db.engine.begin() as connection:
            if delivered:
                connection.execute(delete(OutgoingMail).where(OutgoingMail.key.in_(delivered)))
            for key, error in failed.items():
                connection.execute(
                    update(OutgoingMail)
                    .where(OutgoingMail.key == key)
                    .values(attempts=OutgoingMail.attempts + 1, last_attempt_at=now, last_error=error[:500])
                )
    except Exception:
        log.exception("Could not update the mail outbox after sending (%d delivered)", len(delivered))


def _within(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Also fired when a savepoint is released; only the outermost commit makes the data durable.
    if session.get_nested_transaction() is None:
        try:
            _send_pending(session)
        except Exception:  # the change is committed: a 500 now would invite a duplicate retry
            log.exception("Sending mail after the commit failed; the messages stay in the outbox")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        return
    session.info[PENDING_KEY] = [
        item for item in pending if not _within(item.transaction, previous_transaction)
    ]
