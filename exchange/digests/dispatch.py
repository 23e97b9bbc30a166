"""Handing claimed digests to the SMTP server and recording each outcome the moment it is known.

One SMTP connection per sender (exchange.mail.mail_connection), reused for many messages and reopened once
after the server dropped it. With DIGEST_SENDERS > 1 that many threads send in parallel, each with its own
connection and database session: sending is mostly waiting (the server's replies, the commit of each "sent"
mark), so a few senders overlap that waiting. Each sender has at most one message in flight, so after a
crash at most DIGEST_SENDERS messages are in the window described in docs/digests.md.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Self

from sqlalchemy import text, update

from exchange.database import utcnow
from exchange.digests.models import Delivery, DeliveryStatus
from exchange.extensions import db
from exchange.mail import MailDeliveryError, deliver, mail_connection

log = logging.getLogger(__name__)

NOT_ATTEMPTED = "Niet verstuurd: mailserver onbereikbaar"


class Rejected(Exception):
    """The server refused this message for good (5xx): recorded as rejected, never retried."""


class TemporaryFailure(Exception):
    """This message failed for now (4xx, dropped connection): recorded as failed, retried by the next run."""


class MailServerUnavailable(Exception):
    """No connection to the mail server could be made: the run for this period stops."""


def _reason(exc) -> str:
    return " ".join(str(exc).split())[:500]


class Sender:
    """One SMTP connection for many messages, reopened after the server dropped it. Without MAIL_SERVER,
    messages go to MAIL_FOLDER (exchange.mail.deliver handles that)."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._connection = None
        self._open = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def _connect(self) -> None:
        self._stack.close()
        self._stack = ExitStack()
        try:
            self._connection = self._stack.enter_context(mail_connection())
        except MailDeliveryError as exc:
            self._open = False
            raise MailServerUnavailable(_reason(exc)) from exc
        self._open = True

    def ensure_open(self) -> None:
        if not self._open:
            self._connect()

    def send(self, message) -> None:
        """Hand one message to the server; returns only once the server accepted it."""
        self.ensure_open()
        try:
            deliver(message, self._connection)
        except MailDeliveryError as exc:
            cause = exc.__cause__
            if isinstance(cause, smtplib.SMTPRecipientsRefused):
                codes = [code for code, _msg in cause.recipients.values()]
                if codes and all(code >= 500 for code in codes):
                    raise Rejected(_reason(cause.recipients)) from exc
                raise TemporaryFailure(_reason(cause.recipients)) from exc
            if isinstance(cause, smtplib.SMTPResponseException) and not isinstance(
                cause, smtplib.SMTPServerDisconnected
            ):
                # 500/503 mean the conversation went wrong, not that this message is unwanted: try again later.
                if cause.smtp_code >= 500 and cause.smtp_code not in (500, 503):
                    raise Rejected(f"{cause.smtp_code} {_reason(cause)}") from exc
                if cause.smtp_code == 421:
                    self._open = False  # the server is closing the connection
                raise TemporaryFailure(f"{cause.smtp_code} {_reason(cause)}") from exc
            # Dropped connection, timeout, refused connection: open a new one for the next message.
            self._open = False
            raise TemporaryFailure(_reason(exc)) from exc


def finish_delivery(
    delivery_id: int, status: DeliveryStatus, *, items: int, error: str | None = None, attempted: bool = True
) -> None:
    """Record the outcome of one delivery and COMMIT at once (this keeps the crash window to one message)."""
    table = Delivery.__table__
    if db.engine.dialect.name == "postgresql":
        # The mark need not wait for the WAL flush: if *our* process dies after this commit, the server still
        # writes it; only a crash of the database server itself within ~0.6 s could lose it, and then the
        # message is sent once more (never lost). The claims before sending stay fully synchronous.
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    values: dict = {"status": status, "error": error, "item_count": items}
    if status == DeliveryStatus.SENT:
        values["sent_at"] = utcnow()
    if attempted:
        values["attempts"] = table.c.attempts + 1
    db.session.execute(update(table).where(table.c.id == delivery_id).values(**values))
    db.session.commit()


@dataclass
class Job:
    subscriber_id: int
    delivery_id: int
    message: object
    items: int


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    rejected: int = 0
    unavailable: str | None = None


class Dispatcher:
    """Sends jobs and records outcomes; `workers` senders (threads when more than one).

    `run(jobs)` returns once every job is handled. When the server becomes unreachable, the jobs not yet
    attempted are handed back at once (recorded failed, not attempted) so the next run sends them without
    waiting for DIGEST_CLAIM_TIMEOUT.
    """

    def __init__(self, app, workers: int) -> None:
        self.app = app
        self.workers = max(1, workers)
        self.outcome = Outcome()
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._probe = Sender()
        self._queue: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._crash: BaseException | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._probe.__exit__(None, None, None)

    def ensure_open(self) -> None:
        """Check the server is reachable before anything is claimed (MailServerUnavailable if not)."""
        self._probe.ensure_open()

    def run(self, jobs: list[Job]) -> None:
        if self.workers == 1:
            for job in jobs:
                self._handle(self._probe, job)
            return
        if not self._threads:
            for n in range(self.workers):
                thread = threading.Thread(target=self._work, name=f"digest-sender-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)
        for job in jobs:
            self._queue.put(job)
        self._queue.join()
        if self._crash is not None:
            raise self._crash

    def _work(self) -> None:
        with self.app.app_context(), Sender() as sender:
            while True:
                job = self._queue.get()
                try:
                    if job is None:
                        return
                    if self._crash is None:
                        self._handle(sender, job)
                except BaseException as exc:  # noqa: BLE001 - a dying sender stops every sender, like a killed process
                    self._crash = self._crash or exc
                finally:
                    self._queue.task_done()

    def _count(self, field: str, error: str | None = None) -> None:
        with self._lock:
            setattr(self.outcome, field, getattr(self.outcome, field) + 1)
            if error:
                self.errors.append(error)

    def _handle(self, sender: Sender, job: Job) -> None:
        if self.outcome.unavailable:
            finish_delivery(
                job.delivery_id, DeliveryStatus.FAILED, items=job.items, error=NOT_ATTEMPTED, attempted=False
            )
            self._count("failed")
            return
        try:
            sender.send(job.message)
        except Rejected as exc:
            log.warning("Digest for subscriber %s refused: %s", job.subscriber_id, exc)
            finish_delivery(job.delivery_id, DeliveryStatus.REJECTED, items=job.items, error=str(exc))
            self._count("rejected", str(exc))
        except TemporaryFailure as exc:
            log.warning("Digest for subscriber %s failed (will be retried): %s", job.subscriber_id, exc)
            finish_delivery(job.delivery_id, DeliveryStatus.FAILED, items=job.items, error=str(exc))
            self._count("failed", str(exc))
        except MailServerUnavailable as exc:
            with self._lock:
                self.outcome.unavailable = self.outcome.unavailable or f"Mailserver onbereikbaar: {exc}"
            finish_delivery(
                job.delivery_id, DeliveryStatus.FAILED, items=job.items, error=NOT_ATTEMPTED, attempted=False
            )
            self._count("failed")
        else:
            finish_delivery(job.delivery_id, DeliveryStatus.SENT, items=job.items)
            self._count("sent")
