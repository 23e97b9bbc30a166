"""Read-side queries for reference pages and the API (eager loading: no query per row)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from exchange.errors import NotFound
from exchange.extensions import db
from exchange.reference.lookups import find_region, find_theme
from exchange.reference.models import (
    ActionLine,
    CyclePhase,
    Fund,
    FundAllocation,
    Region,
    Source,
    Theme,
    TransformationPlan,
)


def list_regions() -> list[Region]:
    stmt = (
        select(Region)
        .options(selectinload(Region.plan).selectinload(TransformationPlan.action_lines))
        .order_by(Region.display_name)
    )
    return list(db.session.scalars(stmt))


def get_region(code_or_slug: str) -> Region:
    """A region for its page (reference.lookups rule: code or slug, any case). Raises RegionNotFound (404)."""
    return find_region(
        code_or_slug,
        selectinload(Region.plan).selectinload(TransformationPlan.action_lines),
        selectinload(Region.allocations),
    )


def list_action_lines() -> list[ActionLine]:
    stmt = (
        select(ActionLine)
        .options(
            selectinload(ActionLine.plans).selectinload(TransformationPlan.region),
            selectinload(ActionLine.themes),
        )
        .order_by(ActionLine.number)
    )
    return list(db.session.scalars(stmt))


def get_action_line(number: int) -> ActionLine:
    stmt = (
        select(ActionLine)
        .where(ActionLine.number == number)
        .options(
            selectinload(ActionLine.plans).selectinload(TransformationPlan.region),
            selectinload(ActionLine.themes),
        )
    )
    line = db.session.scalar(stmt)
    if line is None:
        raise NotFound(code="action_line_not_found")
    return line


def list_themes() -> list[Theme]:
    stmt = select(Theme).options(selectinload(Theme.action_line)).order_by(Theme.position, Theme.name)
    return list(db.session.scalars(stmt))


def get_theme(slug: str) -> Theme:
    """A theme for its page (reference.lookups rule: slug, any case). Raises ThemeNotFound (404)."""
    return find_theme(slug, selectinload(Theme.action_line))


def list_phases() -> list[CyclePhase]:
    return list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)))


def get_fund() -> Fund | None:
    stmt = select(Fund).options(selectinload(Fund.allocations).selectinload(FundAllocation.region))
    return db.session.scalars(stmt).first()


def sources_by_key(keys) -> dict[str, Source]:
    keys = sorted(set(keys))
    if not keys:
        return {}
    return {s.key: s for s in db.session.scalars(select(Source).where(Source.key.in_(keys)))}


def list_sources() -> list[Source]:
    """Every source the reference data cites, for the sources page."""
    return list(db.session.scalars(select(Source).order_by(Source.key)))


def counts() -> dict[str, int]:
    return {
        "regions": db.session.scalar(select(func.count(Region.id))) or 0,
        "action_lines": db.session.scalar(select(func.count(ActionLine.id))) or 0,
        "themes": db.session.scalar(select(func.count(Theme.id))) or 0,
        "phases": db.session.scalar(select(func.count(CyclePhase.id))) or 0,
    }
