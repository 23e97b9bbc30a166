"""The mail outbox: every queued message is a row written in the same transaction as the change it talks about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.database import utcnow
from exchange.extensions import db


class OutgoingMail(db.Model):
    """A message that has not been accepted by the SMTP server (or written to the mail folder) yet.

    The row is deleted as soon as the message is delivered, so the table holds only what is still owed. It keeps
    the whole rendered message (links with tokens included), which is why delivered rows are never kept and rows
    older than MAIL_OUTBOX_MAX_AGE_HOURS are given up by `flask mail send-pending`.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    # Chosen when the message is queued, before the row has an id, so the after-commit hook can find it again.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    # Comma-separated envelope recipients.
    recipients: Mapped[str] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    template: Mapped[str] = mapped_column(String(100))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Set by `flask mail send-pending` while it sends this message; another run leaves the row alone until then.
    locked_until: Mapped[datetime | None]

    __table_args__ = (Index("ix_outgoing_mail_created_at", "created_at"),)

    @property
    def recipient_list(self) -> list[str]:
        return [address for address in self.recipients.split(",") if address]

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.template} to {self.recipients}>"
