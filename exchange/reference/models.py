"""Reference data models. Everything here is data an administrator can correct, not code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.database import utcnow
from exchange.extensions import db

plan_action_line = Table(
    "plan_action_line",
    db.metadata,
    Column("plan_id", ForeignKey("transformation_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("action_line_id", ForeignKey("action_line.id", ondelete="CASCADE"), primary_key=True),
)


class Source(db.Model):
    """A public source that reference facts cite by key (e.g. 'cbs2018')."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(Text)
    where: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(40), default="")

    def __repr__(self) -> str:
        return f"<Source {self.key}>"


class Region(db.Model):
    """One of the 42 youth-care regions (jeugdzorgregio's), keyed by its CBS code and slug."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # the CBS name
    display_name: Mapped[str] = mapped_column(String(120))
    display_name_note: Mapped[str] = mapped_column(Text, default="")
    province: Mapped[str] = mapped_column(String(40), index=True)
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    central_municipality: Mapped[str | None] = mapped_column(String(120))
    municipalities: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Field name -> confidence/provenance; fields listed in `unverified` are flagged to administrators.
    provenance: Mapped[dict] = mapped_column(JSON, default=dict)
    unverified: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[TransformationPlan | None] = relationship(back_populates="region", uselist=False)
    allocations: Mapped[list[FundAllocation]] = relationship(back_populates="region")

    __table_args__ = (CheckConstraint("code <> ''", name="code_not_empty"),)

    @property
    def municipality_count(self) -> int:
        return len(self.municipalities or [])

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.slug}>"


class ActionLine(db.Model):
    """One of the six action lines (actielijnen) of the programme Zorg voor de Jeugd."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    short: Mapped[str] = mapped_column(String(120))
    short_en: Mapped[str | None] = mapped_column(String(120))
    facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A count of plans addressing this line as reported by a source (line 4: 19), next to what we record.
    reported_plan_count: Mapped[int | None]
    reported_plan_count_source: Mapped[str | None] = mapped_column(String(200))
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    verified: Mapped[bool] = mapped_column(default=True)

    themes: Mapped[list[Theme]] = relationship(back_populates="action_line", order_by="Theme.name")
    plans: Mapped[list[TransformationPlan]] = relationship(
        secondary=plan_action_line, back_populates="action_lines"
    )

    __table_args__ = (CheckConstraint("number BETWEEN 1 AND 99", name="number_range"),)

    def __repr__(self) -> str:
        return f"<ActionLine {self.number}>"


class Theme(db.Model):
    """A common theme of the transformation plans; functionaries are linked per theme."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    action_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_line.id", ondelete="SET NULL"), index=True
    )
    verified: Mapped[bool] = mapped_column(default=False)
    action_line_verified: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    action_line: Mapped[ActionLine | None] = relationship(back_populates="themes")

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class CyclePhase(db.Model):
    """A phase of the development cycle (ontwikkelcirkel) of the learning youth-care system."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(80))
    guiding_question: Mapped[str] = mapped_column(Text, default="")
    guiding_question_en: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(default=False)
    source_note: Mapped[str | None] = mapped_column(Text)
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<CyclePhase {self.position} {self.slug}>"


class TransformationPlan(db.Model):
    """A region's transformation plan for the Transformatiefonds; facts are filled in as they are found."""

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str | None] = mapped_column(String(300))
    period_start: Mapped[int | None]
    period_end: Mapped[int | None]
    summary: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    approved_on: Mapped[date | None]
    verified: Mapped[bool] = mapped_column(default=False)
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    # True when the action lines were filled in by `seed demo`, so pages can say so.
    is_demo: Mapped[bool] = mapped_column(default=False)

    region: Mapped[Region] = relationship(back_populates="plan")
    action_lines: Mapped[list[ActionLine]] = relationship(
        secondary=plan_action_line, back_populates="plans", order_by="ActionLine.number"
    )

    __table_args__ = (
        CheckConstraint(
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end", name="period_order"
        ),
    )

    def __repr__(self) -> str:
        return f"<TransformationPlan region={self.region_id}>"


class Fund(db.Model):
    """The Transformatiefonds: one row of facts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    total_eur: Mapped[int]
    per_year_eur: Mapped[int]
    first_year: Mapped[int]
    last_year: Mapped[int]
    municipalities_eur: Mapped[int]
    state_eur: Mapped[int]
    distribution_key: Mapped[str] = mapped_column(Text)
    payment_route: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    submission_deadline: Mapped[date | None]
    assessed_on: Mapped[date | None]
    assessed_by: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    announced_on: Mapped[date | None]
    allocations_note: Mapped[str] = mapped_column(Text, default="")
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)

    allocations: Mapped[list[FundAllocation]] = relationship(back_populates="fund")


class FundAllocation(db.Model):
    """A known allocation to one region. Unknown allocations have no row (and are shown as unknown)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id", ondelete="CASCADE"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    # 'annual' or 'total' (the whole period).
    basis: Mapped[str] = mapped_column(String(10))
    amount_eur: Mapped[int | None]
    approx_label: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(default=False)
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)

    fund: Mapped[Fund] = relationship(back_populates="allocations")
    region: Mapped[Region] = relationship(back_populates="allocations")

    __table_args__ = (
        UniqueConstraint("fund_id", "region_id", "basis"),
        CheckConstraint("basis IN ('annual', 'total')", name="basis_known"),
        CheckConstraint("amount_eur IS NULL OR amount_eur >= 0", name="amount_not_negative"),
    )
