"""The national picture in grouped queries: one query per chart, visibility part of the SQL, never a query per row."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import extract, func, select

from exchange.database import utcnow
from exchange.extensions import db
from exchange.maps.data import ACTIVE_DAYS
from exchange.practices.models import Practice, Result, Status, practice_action_line, practice_theme
from exchange.practices.queries import visible_clause
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

MIN_QUARTERS = 8


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    @classmethod
    def of(cls, year: int, month: int) -> Quarter:
        return cls(year, (month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year} K{self.quarter}"

    def next(self) -> Quarter:
        return Quarter(self.year + (self.quarter == 4), self.quarter % 4 + 1)

    def back(self, n: int) -> Quarter:
        index = self.year * 4 + self.quarter - 1 - n
        return Quarter(index // 4, index % 4 + 1)


def published_per_quarter(user, theme_id: int | None = None) -> list[tuple[Quarter, int]]:
    """Visible practices per quarter of first publication (UTC), with empty quarters filled in.

    Grouped by year and month in SQL (portable between SQLite and PostgreSQL), folded into quarters here. The
    axis runs from the first quarter with a publication (at least two years back) to the current quarter.
    """
    year, month = extract("year", Practice.published_at), extract("month", Practice.published_at)
    stmt = (
        select(year, month, func.count(Practice.id))
        .where(Practice.published_at.is_not(None), visible_clause(user))
        .group_by(year, month)
    )
    if theme_id is not None:
        stmt = stmt.where(Practice.id.in_(select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == theme_id)))
    counts: dict[Quarter, int] = defaultdict(int)
    for y, m, n in db.session.execute(stmt):
        counts[Quarter.of(int(y), int(m))] += n
    now = utcnow()
    last = Quarter.of(now.year, now.month)
    first = last.back(MIN_QUARTERS - 1)
    if counts:
        first, last = min(first, min(counts)), max(last, max(counts))
    quarters, q = [], first
    while q <= last:
        quarters.append((q, counts.get(q, 0)))
        q = q.next()
    return quarters


def phases_per_theme(user) -> dict[int, dict[int, int]]:
    """Visible, not archived practices per theme and current phase: {theme_id: {phase_id: n}}."""
    stmt = (
        select(practice_theme.c.theme_id, Practice.phase_id, func.count(Practice.id))
        .join(Practice, Practice.id == practice_theme.c.practice_id)
        .where(visible_clause(user), Practice.status != Status.ARCHIVED)
        .group_by(practice_theme.c.theme_id, Practice.phase_id)
    )
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for theme_id, phase_id, n in db.session.execute(stmt):
        table[theme_id][phase_id] = n
    return dict(table)


def results_per_action_line(user) -> dict[int, int]:
    """Results posted on visible practices, per action line of the practice (a practice may have several)."""
    stmt = (
        select(practice_action_line.c.action_line_id, func.count(Result.id))
        .join(Practice, Practice.id == Result.practice_id)
        .join(practice_action_line, practice_action_line.c.practice_id == Practice.id)
        .where(visible_clause(user))
        .group_by(practice_action_line.c.action_line_id)
    )
    return {line_id: n for line_id, n in db.session.execute(stmt)}


def silent_regions() -> list[Region]:
    """Regions without a single published practice (what has been shared is public, so no user is needed)."""
    shared = select(Practice.id).where(Practice.region_id == Region.id, Practice.status == Status.PUBLISHED).exists()
    return list(db.session.scalars(select(Region).where(~shared).order_by(Region.display_name)))


def theme_activity(user, limit: int = 10) -> list[tuple[Theme, int]]:
    """Themes ordered by activity (published practices plus drafts updated in the last 90 days, visible to `user`)."""
    since = utcnow() - timedelta(days=ACTIVE_DAYS)
    active = (Practice.status == Status.PUBLISHED) | ((Practice.status == Status.DRAFT) & (Practice.updated_at >= since))
    n = func.count(Practice.id).label("n")
    stmt = (
        select(Theme, n)
        .join(practice_theme, practice_theme.c.theme_id == Theme.id)
        .join(Practice, Practice.id == practice_theme.c.practice_id)
        .where(visible_clause(user), active)
        .group_by(Theme.id)
        .order_by(n.desc(), Theme.position, Theme.name)
        .limit(limit)
    )
    return [(theme, count) for theme, count in db.session.execute(stmt)]


def themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)))


def phases() -> list[CyclePhase]:
    return list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)))


def action_lines() -> list[ActionLine]:
    return list(db.session.scalars(select(ActionLine).order_by(ActionLine.number)))
