"""The national picture in grouped queries: one query per chart, visibility part of the SQL, never a query per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from exchange.database import utcnow
from exchange.extensions import db
from exchange.maps.data import activity_clause
from exchange.practices.models import Practice, Result, Status, practice_action_line, practice_theme
from exchange.practices.queries import visible_clause
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

MIN_QUARTERS = 8
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    @classmethod
    def of(cls, year: int, month: int) -> Quarter:
        return cls(year, (month - 1) // 3 + 1)

    @classmethod
    def containing(cls, instant: datetime) -> Quarter:
        """The quarter an instant falls in, on the Dutch calendar."""
        local = instant.astimezone(AMSTERDAM)
        return cls.of(local.year, local.month)

    @property
    def start_utc(self) -> datetime:
        """Midnight in Amsterdam on the quarter's first day, as a UTC instant."""
        return datetime(self.year, 3 * self.quarter - 2, 1, tzinfo=AMSTERDAM).astimezone(UTC)

    @property
    def label(self) -> str:
        return f"{self.year} K{self.quarter}"

    def next(self) -> Quarter:
        return Quarter(self.year + (self.quarter == 4), self.quarter % 4 + 1)

    def back(self, n: int) -> Quarter:
        index = self.year * 4 + self.quarter - 1 - n
        return Quarter(index // 4, index % 4 + 1)


def published_per_quarter(user, theme_id: int | None = None) -> list[tuple[Quarter, int]]:
    """Visible practices per quarter of first publication in Dutch time, with empty quarters filled in.

    Quarters begin at midnight in Europe/Amsterdam (a practice published on 1 January at 00:30 belongs to the new
    year, though it is still 31 December in UTC). Two queries, portable between SQLite and PostgreSQL: the range of
    publication times, then one count per quarter, the quarter chosen in SQL by comparing with each quarter's start
    as a UTC instant. The axis runs from the first quarter with a publication (at least two years back) to the
    current quarter.
    """
    visible = [Practice.published_at.is_not(None), visible_clause(user)]
    if theme_id is not None:
        visible.append(
            Practice.id.in_(select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == theme_id))
        )
    earliest, latest = db.session.execute(
        select(func.min(Practice.published_at), func.max(Practice.published_at)).where(*visible)
    ).one()
    last = Quarter.containing(utcnow())
    first = last.back(MIN_QUARTERS - 1)
    if earliest is not None:
        first = min(first, Quarter.containing(_as_utc(earliest)))
        last = max(last, Quarter.containing(_as_utc(latest)))
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next())
    counts: dict[int, int] = {}
    if earliest is not None:
        # Bucket i holds [start of quarters[i], start of quarters[i + 1]); every time lies within the axis.
        bucket = case(
            *((Practice.published_at < q.start_utc, i - 1) for i, q in enumerate(quarters[1:], start=1)),
            else_=len(quarters) - 1,
        )
        counts = dict(
            db.session.execute(select(bucket, func.count(Practice.id)).where(*visible).group_by(bucket)).all()
        )
    return [(q, counts.get(i, 0)) for i, q in enumerate(quarters)]


def _as_utc(value: datetime) -> datetime:
    # min()/max() lose the column type on SQLite, which then returns a naive UTC value (or a string).
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


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
    shared = (
        select(Practice.id)
        .where(Practice.region_id == Region.id, Practice.status == Status.PUBLISHED)
        .exists()
    )
    return list(db.session.scalars(select(Region).where(~shared).order_by(Region.display_name)))


def theme_activity(user, limit: int = 10) -> list[tuple[Theme, int]]:
    """Themes ordered by activity (published practices plus drafts updated in the last 90 days, visible to `user`)."""
    n = func.count(Practice.id).label("n")
    stmt = (
        select(Theme, n)
        .join(practice_theme, practice_theme.c.theme_id == Theme.id)
        .join(Practice, Practice.id == practice_theme.c.practice_id)
        .where(visible_clause(user), activity_clause())
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
