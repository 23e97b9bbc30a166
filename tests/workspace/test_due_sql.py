"""The due-measurement rhythm in SQL (exchange.workspace.due.due_stmt) gives exactly what the Python rule
(`due_series`) gives, on every backend: medians of odd and even counts, halves rounded to even, repeated dates,
single measurements, archived practices and other regions."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from exchange.extensions import db as _db
from exchange.practices.models import Practice, Result, Status
from exchange.workspace.due import due_series, due_stmt, to_series
from tests.workspace.helpers import measure

START = date(2024, 1, 1)


def _fields(series):
    return [(s.practice_id, s.indicator, s.last_measured, s.interval_days, s.due_on) for s in series]


def _sql(region_id, today):
    return _fields(
        to_series(row) for row in _db.session.execute(due_stmt(Practice.region_id == region_id, today=today))
    )


def _python(region_id, today):
    rows = _db.session.execute(
        select(Result.practice_id, Result.indicator, Result.measured_on)
        .join(Practice, Practice.id == Result.practice_id)
        .where(Practice.region_id == region_id, Practice.status != Status.ARCHIVED)
    ).all()
    return _fields(due_series(rows, today))


def test_sql_and_python_agree_on_random_series(cast, make_practice, db):
    rnd = random.Random(15)
    practices = [make_practice(f"Reeks {n}", publish=n % 3 != 0) for n in range(6)]
    practices.append(make_practice("Zeeuws", region=cast.other_region, actor=cast.other_staff))
    for practice in practices:
        for indicator in ("Thuiszitters", "Wachttijd", "Tevredenheid"):
            day, dates = START, []
            for _ in range(rnd.randint(1, 7)):
                dates.append(day)
                if rnd.random() < 0.2:
                    dates.append(day)  # the same date twice counts once
                day += timedelta(days=rnd.choice([1, 2, 3, 7, 10, 11, 30, 45, 90, 91]))
            measure(db, practice, indicator, *dates)
    for today in (START + timedelta(days=d) for d in (0, 30, 120, 400, 800)):
        assert _sql(cast.region.id, today) == _python(cast.region.id, today)
    assert _sql(cast.region.id, START + timedelta(days=800))  # something is due: not a vacuous comparison


def test_even_counts_round_half_to_even_like_python(cast, make_practice, db):
    practice = make_practice("Halve dagen")
    # Gaps 1 and 2: median 1.5 rounds to 2. Gaps 2 and 3: 2.5 rounds to 2. Gaps 3 and 4: 3.5 rounds to 4.
    measure(db, practice, "A", START, START + timedelta(days=1), START + timedelta(days=3))
    measure(db, practice, "B", START, START + timedelta(days=2), START + timedelta(days=5))
    measure(db, practice, "C", START, START + timedelta(days=3), START + timedelta(days=7))
    today = START + timedelta(days=100)
    rhythm = {indicator: interval for _, indicator, _, interval, _ in _sql(cast.region.id, today)}
    assert rhythm == {"A": 2, "B": 2, "C": 4}
    assert _sql(cast.region.id, today) == _python(cast.region.id, today)


def test_archived_practices_and_single_measurements_are_left_out(cast, make_practice, db):
    from exchange.practices import services

    running = make_practice("Loopt", publish=True)
    archived = make_practice("Gestopt", publish=True)
    measure(db, running, "Eenmalig", START)
    measure(db, archived, "Reeks", START, START + timedelta(days=10))
    services.archive_practice(cast.staff, archived)
    db.session.commit()
    assert archived.status == Status.ARCHIVED
    assert _sql(cast.region.id, START + timedelta(days=400)) == []
