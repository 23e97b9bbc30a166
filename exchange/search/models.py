"""Search tables: the change log that keeps the index true, the synonym list, and searches that found nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.database import utcnow
from exchange.extensions import db


class SearchOutbox(db.Model):
    """The search change log: a searchable row changed in a committed transaction (the id is the sequence).

    Written by a session hook in the same transaction as the change; kept, because every server's index
    applies it from its own position (changelog.py), until `flask search prune-log` deletes rows older than
    SEARCH_LOG_RETENTION_HOURS. Several rows for the same object are fine (they are applied once).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        CheckConstraint("kind IN ('practice', 'result', 'theme', 'region')", name="kind_known"),
        Index("ix_search_outbox_kind_object", "kind", "object_id"),
    )

    def __repr__(self) -> str:
        return f"<SearchOutbox {self.id} {self.kind}:{self.object_id}>"


class SearchSynonym(db.Model):
    """A group of words that mean the same in our field ("jeugdhulp, jeugdzorg"); maintained by administrators."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Comma-separated, as typed (normalised: lower case, single spaces); a term may be several words.
    terms: Mapped[str] = mapped_column(String(500), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("terms <> ''", name="terms_not_empty"),)

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.split(",") if t.strip()]

    def __repr__(self) -> str:
        return f"<SearchSynonym {self.id} {self.terms!r}>"


class SearchMiss(db.Model):
    """A search that found nothing, as a signal of missing knowledge. No user, address or time of day per search."""

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200), unique=True)
    count: Mapped[int] = mapped_column(default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (CheckConstraint("count >= 1", name="count_positive"),)

    def __repr__(self) -> str:
        return f"<SearchMiss {self.query!r} x{self.count}>"
