"""Measurements that are due: per result series (one practice, one indicator) its rhythm, worked out in SQL.

A series needs measurements on at least two different dates. Its rhythm is the median of the gaps between
consecutive measurement dates (the median, so one late or extra measurement does not shift it), rounded to whole
days (half to even, as Python's round); the next measurement is due that many days after the last one. Due
series come most overdue first. A series measured only once has no rhythm yet and is never listed.

`due_series` is that rule in Python, over (practice_id, indicator, measured_on) rows: the specification the SQL
of `due_stmt` is tested against. The page runs `due_stmt`: one count and one page of series, and the database
sends only those (a few numbers each), never every measurement of the region.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Integer, Select, case, cast, func, literal, select

from exchange.extensions import db
from exchange.practices.models import Practice, Result, Status

EPOCH = date(1970, 1, 1)


@dataclass
class DueSeries:
    """A result series (one practice, one indicator) whose next measurement is due by its own rhythm."""

    practice_id: int
    indicator: str
    last_measured: date
    interval_days: int
    due_on: date
    practice: Any = None  # a row with the practice's id and title, when the reader may see it


def due_series(rows, today: date) -> list[DueSeries]:
    """The series among `rows` (practice_id, indicator, measured_on) whose next measurement is due by `today`
    (the rule of the module docstring, in Python)."""
    dates: dict[tuple[int, str], set[date]] = {}
    for practice_id, indicator, measured_on in rows:
        dates.setdefault((practice_id, indicator), set()).add(measured_on)
    due = []
    for (practice_id, indicator), measured in dates.items():
        if len(measured) < 2:
            continue
        ordered = sorted(measured)
        gaps = [(later - earlier).days for earlier, later in pairwise(ordered)]
        interval = round(statistics.median(gaps))
        due_on = ordered[-1] + timedelta(days=interval)
        if due_on <= today:
            due.append(DueSeries(practice_id, indicator, ordered[-1], interval, due_on))
    due.sort(key=lambda s: (s.due_on, s.practice_id, s.indicator))
    return due


def _day_number(column):
    """Days since 1970-01-01 of a DATE column, as an integer, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(column) - func.julianday(literal(EPOCH.isoformat())), Integer)
    return column - literal(EPOCH)


def due_stmt(*conditions, today: date) -> Select:
    """Rows (practice_id, indicator, last, interval, due) of the due series of the running practices matching
    `conditions`, most overdue first; `last` and `due` are day numbers (see `to_date`)."""
    day = _day_number(Result.measured_on).label("day")
    dates = (
        select(Result.practice_id, Result.indicator, day)
        .join(Practice, Practice.id == Result.practice_id)
        .where(Practice.status != Status.ARCHIVED, *conditions)
        .distinct()
        .subquery("dates")
    )
    by_series = (dates.c.practice_id, dates.c.indicator)
    gaps = select(
        *by_series,
        dates.c.day,
        (dates.c.day - func.lag(dates.c.day).over(partition_by=by_series, order_by=dates.c.day)).label("gap"),
    ).subquery("gaps")
    by_series = (gaps.c.practice_id, gaps.c.indicator)
    ranked = (
        select(
            *by_series,
            gaps.c.gap,
            func.row_number().over(partition_by=by_series, order_by=gaps.c.gap).label("rank"),
            func.count().over(partition_by=by_series).label("n"),
            func.max(gaps.c.day).over(partition_by=by_series).label("last"),
        )
        .where(gaps.c.gap.is_not(None))
        .subquery("ranked")
    )
    n = ranked.c.n
    # The middle gap (n odd) or the two middle gaps (n even); twice the median is an integer either way.
    middle = ranked.c.rank.in_([(n + 1) // 2, (n + 2) // 2])
    twice = func.sum(ranked.c.gap) * (1 + n % 2)
    half = twice // 2
    interval = case(
        (twice % 2 == 0, half),
        (half % 2 == 0, half),  # x.5 rounds to the even neighbour, as Python's round
        else_=half + 1,
    )
    rhythm = (
        select(
            ranked.c.practice_id,
            ranked.c.indicator,
            func.max(ranked.c.last).label("last"),
            interval.label("interval"),
        )
        .where(middle)
        .group_by(ranked.c.practice_id, ranked.c.indicator, n)
        .subquery("rhythm")
    )
    due = (rhythm.c.last + rhythm.c.interval).label("due")
    today_number = (today - EPOCH).days
    return (
        select(rhythm.c.practice_id, rhythm.c.indicator, rhythm.c.last, rhythm.c.interval, due)
        .where(rhythm.c.last + rhythm.c.interval <= today_number)
        .order_by(due, rhythm.c.practice_id, rhythm.c.indicator)
    )


def to_date(day_number: int) -> date:
    return EPOCH + timedelta(days=int(day_number))


def to_series(row) -> DueSeries:
    """A DueSeries from a row of `due_stmt` (a tuple: practice id, indicator, last, interval, due)."""
    practice_id, indicator, last, interval, due = row
    return DueSeries(practice_id, indicator, to_date(last), int(interval), to_date(due))
