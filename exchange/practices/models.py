"""Practice models: a region's practice placed on the development cycle, with results and coaching."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.database import utcnow
from exchange.extensions import db

if TYPE_CHECKING:
    from exchange.accounts.models import User
    from exchange.reference.models import ActionLine, CyclePhase, Region, Theme


class Status(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


def _enum(cls):
    return Enum(
        cls,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


practice_theme = Table(
    "practice_theme",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

practice_action_line = Table(
    "practice_action_line",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("action_line_id", ForeignKey("action_line.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

# The number of published practices per facet value, kept by triggers (`practices.tally`, migration 0022).
practice_tally = Table(
    "practice_tally",
    db.metadata,
    Column("facet", String(16), primary_key=True),
    Column("value", Integer, primary_key=True, autoincrement=False),
    Column("n", Integer, nullable=False, server_default="0"),
)


class Practice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("cycle_phase.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.DRAFT, index=True)
    # Stable id from another system, so re-importing a file updates instead of duplicating.
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    archived_at: Mapped[datetime | None]
    # The profile (issue 17): every field optional, so practices written before it stay valid.
    age_from: Mapped[int | None]
    age_to: Mapped[int | None]
    participation_level: Mapped[str | None] = mapped_column(String(20))
    participation_note: Mapped[str] = mapped_column(String(500), default="")
    evidence_level: Mapped[str | None] = mapped_column(String(30))
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    evidence_year: Mapped[int | None]
    cost_indication: Mapped[str] = mapped_column(String(200), default="")
    fund_used: Mapped[bool | None]  # None: not said; False: no Transformatiefonds money went into it
    fund_amount_eur: Mapped[int | None]

    region: Mapped[Region] = relationship()
    phase: Mapped[CyclePhase] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=practice_theme, order_by="Theme.position")
    action_lines: Mapped[list[ActionLine]] = relationship(
        secondary=practice_action_line, order_by="ActionLine.number"
    )
    links: Mapped[list[PracticeLink]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="PracticeLink.position"
    )
    results: Mapped[list[Result]] = relationship(
        back_populates="practice",
        cascade="all, delete-orphan",
        order_by="Result.measured_on.desc(), Result.id.desc()",
    )
    steps: Mapped[list[CycleStep]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="CycleStep.moved_on, CycleStep.id"
    )
    created_by: Mapped[User | None] = relationship()
    partner_links: Mapped[list[PracticePartner]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="PracticePartner.position"
    )

    __table_args__ = (
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end", name="period_order"
        ),
        CheckConstraint(
            "(age_from IS NULL OR age_from BETWEEN 0 AND 99) AND (age_to IS NULL OR age_to BETWEEN 0 AND 99) "
            "AND (age_from IS NULL OR age_to IS NULL OR age_from <= age_to)",
            name="age_range",
        ),
        CheckConstraint("fund_amount_eur IS NULL OR fund_amount_eur >= 0", name="fund_amount_not_negative"),
        CheckConstraint("title <> ''", name="title_not_empty"),
        Index("ix_practice_region_status", "region_id", "status"),
        # Issue 15 (migration 0017): newest per phase from an index; counts from a narrow covering index.
        Index("ix_practice_status_phase_updated", "status", "phase_id", "updated_at", "id"),
        Index(
            "ix_practice_listing",
            "id",
            "status",
            "phase_id",
            "region_id",
            "updated_at",
            "published_at",
            "created_at",
        ),
        # Issue 15 (migration 0018): facet counts by year over the visible practices from the index alone (counts
        # by phase use the prefix of ix_practice_status_phase_updated); pages of the published practices newest
        # update first (the API list) from the index, stopping early.
        Index("ix_practice_status_shown", "status", "published_at", "created_at"),
        Index("ix_practice_status_updated", "status", "updated_at", "id"),
    )

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def partners(self) -> list[Organisation]:
        return [link.organisation for link in self.partner_links]

    def __repr__(self) -> str:
        return f"<Practice {self.id} {self.status.value}>"


class PracticeLink(db.Model):
    """A link to a document (plan, evaluation, factsheet) about the practice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    practice: Mapped[Practice] = relationship(back_populates="links")


class CycleStep(db.Model):
    """A dated move of a practice to a phase of the cycle, with why (the first step has no `from_phase`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    from_phase_id: Mapped[int | None] = mapped_column(ForeignKey("cycle_phase.id", ondelete="RESTRICT"))
    to_phase_id: Mapped[int] = mapped_column(ForeignKey("cycle_phase.id", ondelete="RESTRICT"))
    moved_on: Mapped[date]
    explanation: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Indexed: the API's Last-Modified takes max(created_at), and feeds and digests read steps by period.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    practice: Mapped[Practice] = relationship(back_populates="steps")
    from_phase: Mapped[CyclePhase | None] = relationship(foreign_keys=[from_phase_id])
    to_phase: Mapped[CyclePhase] = relationship(foreign_keys=[to_phase_id])
    author: Mapped[User | None] = relationship()


class Result(db.Model):
    """A measurement posted on a practice at a cycle phase; one indicator over time forms a series."""

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("cycle_phase.id", ondelete="RESTRICT"))
    indicator: Mapped[str] = mapped_column(String(200))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(40), default="")
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    target: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    measured_on: Mapped[date] = mapped_column(index=True)
    narrative: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str | None] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The last correction (created_at when never corrected); indexed for the API's Last-Modified and digests.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    practice: Mapped[Practice] = relationship(back_populates="results")
    phase: Mapped[CyclePhase] = relationship()
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("practice_id", "external_id"),
        CheckConstraint("indicator <> ''", name="indicator_not_empty"),
    )


class PracticeRevision(db.Model):
    """A snapshot of a practice's editable fields after each save, for the history page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Indexed: digests select revisions by period, and the API's Last-Modified takes max(created_at).
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    snapshot: Mapped[dict] = mapped_column(JSON)

    author: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("practice_id", "number"),)


class FeedbackMessage(db.Model):
    """Coaching feedback on a practice: a private thread between its coaches and the region's staff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class Organisation(db.Model):
    """A partner organisation, shared by every practice that names it (same name and kind = same row)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name folded (lower case, single spaces): "Gemeente  Rotterdam" and "gemeente rotterdam" are one row.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))

    __table_args__ = (
        UniqueConstraint("name_key", "kind"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind}>"


class PracticePartner(db.Model):
    """An organisation involved in a practice, in the order the region lists them."""

    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    practice: Mapped[Practice] = relationship(back_populates="partner_links")
    organisation: Mapped[Organisation] = relationship()
