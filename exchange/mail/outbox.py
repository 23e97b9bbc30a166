"""The outbox's second chance: send what could not be sent after the commit, and erase mail for a person.

`exchange.mail.queue_mail` writes every message to OutgoingMail with its change and deletes the row once the
message is delivered. What stays is sent here by `flask mail send-pending` (cron).
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from exchange.extensions import db
from exchange.mail import MailDeliveryError, TimeoutConnection, mail_connection, write_eml
from exchange.mail.models import OutgoingMail

log = logging.getLogger(__name__)


class _NoBar:
    def update(self, steps: int) -> None:
        pass


@contextmanager
def _no_progress(length: int, label: str):
    yield _NoBar()


def forget_recipient(address: str) -> int:
    """Erase mail still waiting for `address` (erasure of a person or subscriber); flushes, never commits.

    A message queued in the current transaction is still sent after the commit (it is in memory), but is not kept
    for a retry.
    """
    db.session.flush()
    return db.session.execute(
        delete(OutgoingMail)
        .where(func.lower(OutgoingMail.recipients) == address.lower())
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass
class OutboxRun:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    errors: list[str] = field(default_factory=list)


def outbox_candidates(now: datetime | None = None) -> list[int]:
    """Ids of outbox rows `send_pending` may take: failed before, or older than the grace period.

    A fresh row without attempts belongs to the request that queued it (it is being sent right after the commit);
    after MAIL_OUTBOX_GRACE_SECONDS that process has finished or died, and the row is fair game.
    """
    now = now or datetime.now(UTC)
    grace = timedelta(seconds=current_app.config.get("MAIL_OUTBOX_GRACE_SECONDS", 120))
    query = (
        select(OutgoingMail.id)
        .where((OutgoingMail.attempts > 0) | (OutgoingMail.created_at < now - grace))
        .order_by(OutgoingMail.created_at, OutgoingMail.id)
    )
    return list(db.session.scalars(query))


def send_pending(now: datetime | None = None, progress=None) -> OutboxRun:
    """Send what the outbox still owes, over one SMTP connection; give up messages older than the maximum age.

    Each row is claimed with a short lease (locked_until, checked and set in one UPDATE) and committed before it
    is sent, so two runs at the same time never send one message twice; it is deleted once the server accepted
    it, and released with the error when the server refused it.
    `progress(length, label)` is a context manager factory for a progress bar (click.progressbar in the CLI).
    """
    now = now or datetime.now(UTC)
    max_age = timedelta(hours=current_app.config.get("MAIL_OUTBOX_MAX_AGE_HOURS", 48))
    # Long enough for one message to be sent (connect, then a stalled server at most MAIL_TIMEOUT per step).
    lease = timedelta(seconds=10 * current_app.config.get("MAIL_TIMEOUT", 10))
    progress = progress or _no_progress
    run = OutboxRun()
    ids = outbox_candidates(now)
    if not ids:
        return run
    with mail_connection() as connection, progress(len(ids), "E-mails versturen") as bar:
        for mail_id in ids:
            row = db.session.get(OutgoingMail, mail_id)
            if row is None:  # sent by another run meanwhile
                pass
            elif row.created_at < now - max_age:
                log.warning(
                    "Giving up mail %s to %s after %d attempt(s): older than %s",
                    row.template,
                    row.recipients,
                    row.attempts,
                    max_age,
                )
                db.session.delete(row)
                db.session.commit()
                run.given_up += 1
            else:
                # A lease, not a version check: another run that read the row after this claim must not take it.
                claimed = db.session.execute(
                    update(OutgoingMail)
                    .where(
                        OutgoingMail.id == mail_id,
                        (OutgoingMail.locked_until.is_(None)) | (OutgoingMail.locked_until < now),
                    )
                    .values(attempts=OutgoingMail.attempts + 1, last_attempt_at=now, locked_until=now + lease)
                    .execution_options(synchronize_session=False)
                ).rowcount
                db.session.commit()
                if claimed:
                    _send_stored(db.session.get(OutgoingMail, mail_id), connection, run)
            bar.update(1)
    return run


def _send_stored(row, connection: TimeoutConnection | None, run: OutboxRun) -> None:
    try:
        if connection is None:
            write_eml(row.message)
        elif connection.host is not None:  # None when MAIL_SUPPRESS_SEND: Flask-Mail's "sent" without sending
            connection.host.sendmail(row.sender, row.recipient_list, row.message)
    except (
        smtplib.SMTPException,
        OSError,
        UnicodeError,
    ) as exc:  # UnicodeError: an address smtplib cannot send
        row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        row.locked_until = None
        db.session.commit()
        run.failed += 1
        run.errors.append(f"{row.recipients}: {exc}")
        # SMTPException is an OSError too: only a lost connection (not a refusal) ends the run.
        lost = isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
        if lost or isinstance(exc, smtplib.SMTPServerDisconnected):
            raise MailDeliveryError(f"SMTP connection lost: {exc}") from exc
        return
    db.session.delete(row)
    db.session.commit()
    run.sent += 1
