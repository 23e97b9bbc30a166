"""Workspace services and the rhythm rule: still-current confirmations, visits, measurements that are due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from exchange.database import utcnow
from exchange.errors import Conflict, NotAllowed
from exchange.practices.models import PracticeRevision
from exchange.workspace import services
from exchange.workspace.due import due_series
from tests.workspace.helpers import age

# --- confirm_still_current --------------------------------------------------------------------------------------


def test_confirm_still_current_records_a_revision_with_the_same_content(cast, make_practice, db):
    practice = make_practice("Oud en openbaar", publish=True)
    age(db, practice, updated=200)
    before = practice.revision
    revision = services.confirm_still_current(cast.staff, practice)
    db.session.commit()
    stored = db.session.get(PracticeRevision, revision.id)
    previous = db.session.scalar(
        select(PracticeRevision).where(
            PracticeRevision.practice_id == practice.id, PracticeRevision.number == before
        )
    )
    assert stored.number == before + 1 == practice.revision
    assert stored.note == "Nog actueel bevestigd" and stored.author_id == cast.staff.id
    assert stored.snapshot == previous.snapshot
    assert utcnow() - practice.updated_at < timedelta(minutes=1)


@pytest.mark.parametrize("who", ["other_staff", "coach", "admin"])
def test_only_the_regions_staff_confirm_still_current(cast, make_practice, db, who):
    practice = make_practice("Oud en openbaar", publish=True)
    count = db.session.scalar(select(func.count(PracticeRevision.id)))
    with pytest.raises(NotAllowed):
        services.confirm_still_current(getattr(cast, who), practice)
    assert db.session.scalar(select(func.count(PracticeRevision.id))) == count


def test_a_draft_is_not_confirmed_as_still_current(cast, make_practice):
    with pytest.raises(Conflict):
        services.confirm_still_current(cast.staff, make_practice("Concept"))


# --- record_visit -------------------------------------------------------------------------------------------------


def test_visits_are_measured_from_the_last_load_of_the_visit_before(cast, db):
    user = cast.coach
    start = utcnow()
    assert services.record_visit(user, now=start) is None  # first visit
    assert services.record_visit(user, now=start + timedelta(minutes=10)) is None  # same visit: paging
    later = start + timedelta(hours=5)
    assert services.record_visit(user, now=later) == start + timedelta(minutes=10)
    assert services.record_visit(user, now=later + timedelta(minutes=5)) == start + timedelta(minutes=10)
    db.session.commit()
    db.session.expire_all()
    assert user.workspace_seen_at == later + timedelta(minutes=5)
    assert user.workspace_previous_visit_at == start + timedelta(minutes=10)


def test_loads_within_a_minute_of_the_stamp_write_nothing(cast, db):
    user = cast.coach
    start = utcnow()
    services.record_visit(user, now=start)
    db.session.commit()
    services.record_visit(user, now=start + timedelta(seconds=30))
    assert not db.session.is_modified(user)
    services.record_visit(user, now=start + timedelta(seconds=61))
    assert user.workspace_seen_at == start + timedelta(seconds=61)


# --- due_series -------------------------------------------------------------------------------------------------


def _rows(practice_id, indicator, *days):
    return [(practice_id, indicator, date(2025, 1, 1) + timedelta(days=d)) for d in days]


def test_the_rhythm_is_the_median_gap_so_one_late_measurement_does_not_shift_it():
    rows = _rows(1, "A", 0, 30, 60, 150)  # gaps 30, 30, 90: median 30
    [due] = due_series(rows, today=date(2025, 1, 1) + timedelta(days=180))
    assert due.interval_days == 30
    assert due.last_measured == date(2025, 1, 1) + timedelta(days=150)
    assert due.due_on == date(2025, 1, 1) + timedelta(days=180)
    assert due_series(rows, today=date(2025, 1, 1) + timedelta(days=179)) == []


def test_a_series_needs_two_measurement_dates_and_series_are_per_practice_and_indicator():
    rows = _rows(1, "A", 0) + _rows(1, "B", 0, 0) + _rows(2, "A", 0, 10) + _rows(1, "C", 0, 10)
    due = due_series(rows, today=date(2026, 1, 1))
    assert [(s.practice_id, s.indicator) for s in due] == [(1, "C"), (2, "A")]


def test_the_most_overdue_series_comes_first():
    rows = _rows(1, "Later", 0, 100) + _rows(2, "Eerder", 0, 10)
    due = due_series(rows, today=date(2026, 1, 1))
    assert [s.indicator for s in due] == ["Eerder", "Later"]
