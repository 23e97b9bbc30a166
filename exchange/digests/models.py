"""Subscribers, their theme subscriptions, consent records, delivery records and digest runs."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from exchange.database import utcnow
from exchange.extensions import db

if TYPE_CHECKING:
    from exchange.reference.models import Region, Theme


class Frequency(str, enum.Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class DeliveryStatus(str, enum.Enum):
    """claimed -> sent | failed (retried later) | rejected (refused for good); see docs/digests.md."""

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    REJECTED = "rejected"


class RunStatus(str, enum.Enum):
    RUNNING = "running"
    DONE = "done"  # every subscriber handled, nothing failed
    PARTIAL = "partial"  # every subscriber handled, some deliveries failed and will be retried
    ABORTED = "aborted"  # stopped half-way (mail server unreachable); the next run redoes the period


def _enum(cls):
    return Enum(
        cls,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


def new_key() -> str:
    """A random public identifier: used in links and Message-IDs instead of row ids (which can be reused)."""
    return secrets.token_urlsafe(16)


subscription_region = Table(
    "subscription_region",
    db.metadata,
    Column("subscription_id", ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("region.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Subscriber(db.Model):
    """An email address that follows themes. Nothing is ever sent before `confirmed_at` is set."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_key)
    # Stored lower-cased (accounts.services.rules.normalise_email), so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency), default=Frequency.WEEKLY, index=True)
    # The language of every mail to this address ("nl" or "en"): chosen when subscribing, default the page's.
    language: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The first double opt-in confirmation.
    confirmed_at: Mapped[datetime | None]
    # Set when the last subscription was ended; the address is erased after DIGEST_RETENTION (flask digests purge).
    left_at: Mapped[datetime | None]

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Subscription.id",
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", passive_deletes=True, order_by="Consent.id"
    )
    deliveries: WriteOnlyMapped[Delivery] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.frequency.value}>"


class Subscription(db.Model):
    """A confirmed subscription of one subscriber to one theme, optionally narrowed to regions (none = all)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it took effect (the confirmation); a digest only covers subscriptions confirmed before its period ended.
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")
    theme: Mapped[Theme] = relationship()
    regions: Mapped[list[Region]] = relationship(
        secondary=subscription_region, order_by="Region.display_name"
    )

    __table_args__ = (UniqueConstraint("subscriber_id", "theme_id"),)

    def __repr__(self) -> str:
        return f"<Subscription {self.id} subscriber={self.subscriber_id} theme={self.theme_id}>"


class Consent(db.Model):
    """One subscribe request: the exact consent text shown, what was asked for, when, and when it was confirmed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_key)
    text: Mapped[str] = mapped_column(Text)
    # {"themes": [slug, ...], "regions": [slug, ...], "frequency": "weekly"}
    request: Mapped[dict] = mapped_column(JSON, default=dict)
    # "form" (double opt-in by mail) or "account" (a signed-in person, whose address is already verified).
    source: Mapped[str] = mapped_column(String(20), default="form")
    locale: Mapped[str] = mapped_column(String(8), default="nl")
    given_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None]

    subscriber: Mapped[Subscriber] = relationship(back_populates="consents")

    __table_args__ = (CheckConstraint("source IN ('form', 'account', 'manage')", name="source_known"),)

    def __repr__(self) -> str:
        return f"<Consent {self.id} subscriber={self.subscriber_id}>"


class DigestRun(db.Model):
    """One pass of `flask digests send` over one period: what it did, for the administrators' overview."""

    id: Mapped[int] = mapped_column(primary_key=True)
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    # The instant the run treated as "now" (--now, or the clock).
    run_for: Mapped[datetime]
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus), default=RunStatus.RUNNING)
    considered: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    empty: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_digest_run_frequency_period", "frequency", "period_start"),)

    def __repr__(self) -> str:
        return f"<DigestRun {self.id} {self.frequency.value} {self.status.value}>"


class Delivery(db.Model):
    """One digest for one subscriber and period. Committed (claimed) before sending; at most one per period."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("digest_run.id", ondelete="SET NULL"), index=True)
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus), default=DeliveryStatus.CLAIMED)
    # SMTP attempts made (a claim alone is not an attempt).
    attempts: Mapped[int] = mapped_column(default=0)
    item_count: Mapped[int] = mapped_column(default=0)
    message_id: Mapped[str] = mapped_column(String(255))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))

    subscriber: Mapped[Subscriber] = relationship(back_populates="deliveries")

    __table_args__ = (
        UniqueConstraint("subscriber_id", "frequency", "period_start"),
        Index("ix_delivery_frequency_period_status", "frequency", "period_start", "status"),
        CheckConstraint("period_start < period_end", name="period_order"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
    )

    def __repr__(self) -> str:
        return f"<Delivery {self.id} subscriber={self.subscriber_id} {self.status.value}>"
