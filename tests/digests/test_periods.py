"""Digest periods: half-open, Amsterdam local time, tiling the timeline across DST, reruns and gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.digests.models import Frequency
from exchange.digests.periods import (
    TZ,
    Period,
    last_completed,
    local_midnight,
    period_containing,
    period_starting,
    plan_periods,
)

# No example database in the checkout (.hypothesis/), and no deadline: the machines running CI are shared.
quick = settings(database=None, deadline=None)
frequencies = st.sampled_from(list(Frequency))
# Any instant from 2000 to 2100, at microsecond resolution, as an aware UTC datetime.
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)
# Instants within a day of a DST change, where mistakes happen.
dst_changes = [
    datetime(year, 3, day, 1, tzinfo=UTC) for year, day in ((2024, 31), (2025, 30), (2026, 29))
] + [datetime(year, 10, day, 1, tzinfo=UTC) for year, day in ((2024, 27), (2025, 26), (2026, 25))]
near_dst = st.builds(
    lambda base, seconds: base + timedelta(seconds=seconds),
    st.sampled_from(dst_changes),
    st.integers(min_value=-2 * 86400, max_value=2 * 86400),
)
any_instant = st.one_of(instants, near_dst)


@quick
@given(frequencies, any_instant)
def test_the_period_containing_an_instant_contains_it(frequency, instant):
    period = period_containing(frequency, instant)
    assert period.start <= instant < period.end
    assert period.contains(instant)


@quick
@given(frequencies, any_instant)
def test_periods_tile_the_timeline_without_gaps_or_overlaps(frequency, instant):
    period = period_containing(frequency, instant)
    assert period.next().start == period.end
    assert period.previous().end == period.start
    assert period.next().previous() == period
    # Exactly one of three neighbouring periods holds the instant: no item can fall between two digests.
    assert sum(p.contains(instant) for p in (period.previous(), period, period.next())) == 1


@quick
@given(frequencies, any_instant)
def test_a_period_is_exactly_one_local_day_week_or_month(frequency, instant):
    period = period_containing(frequency, instant)
    start, end = period.start.astimezone(TZ), period.end.astimezone(TZ)
    assert (start.hour, start.minute, start.second, start.microsecond) == (0, 0, 0, 0)
    assert (end.hour, end.minute, end.second, end.microsecond) == (0, 0, 0, 0)
    days = (end.date() - start.date()).days
    if frequency == Frequency.DAILY:
        assert days == 1
    elif frequency == Frequency.WEEKLY:
        assert days == 7 and start.weekday() == 0
    else:
        assert start.day == 1 and end.day == 1 and days in (28, 29, 30, 31)
        assert (end.month - start.month) % 12 == 1
    # In real (UTC) time a period may be an hour shorter or longer, never otherwise.
    nominal = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}.get(frequency)
    if nominal is not None:
        assert abs((period.end - period.start) - nominal) <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2025, 3, 30), 23), (date(2025, 10, 26), 25), (date(2025, 3, 29), 24), (date(2025, 10, 27), 24)],
)
def test_the_days_of_a_dst_change_are_23_and_25_hours_long(day, hours):
    period = Period(Frequency.DAILY, day)
    assert period.end - period.start == timedelta(hours=hours)


def test_weeks_and_months_across_dst_keep_local_midnights():
    week = period_containing(Frequency.WEEKLY, datetime(2025, 3, 30, 12, tzinfo=UTC))
    assert week.first_day == date(2025, 3, 24) and week.end - week.start == timedelta(days=7, hours=-1)
    month = period_containing(Frequency.MONTHLY, datetime(2025, 10, 15, tzinfo=UTC))
    assert month.start == datetime(2025, 9, 30, 22, tzinfo=UTC)  # 1 October 00:00 CEST
    assert month.end == datetime(2025, 10, 31, 23, tzinfo=UTC)  # 1 November 00:00 CET


@quick
@given(frequencies, any_instant)
def test_period_starting_round_trips_stored_starts(frequency, instant):
    period = period_containing(frequency, instant)
    assert period_starting(frequency, period.start) == period
    with pytest.raises(ValueError):
        period_starting(frequency, period.start + timedelta(minutes=1))


@quick
@given(frequencies, any_instant, st.integers(min_value=0, max_value=3600))
def test_running_twice_for_the_same_now_gives_the_same_period(frequency, now, settle_seconds):
    settle = timedelta(seconds=settle_seconds)
    assert last_completed(frequency, now, settle) == last_completed(frequency, now, settle)
    period = last_completed(frequency, now, settle)
    assert period.end <= now - settle


@quick
@given(frequencies, any_instant, st.floats(min_value=0, max_value=0.999))
def test_a_late_run_still_sends_the_last_completed_period(frequency, instant, lateness):
    period = period_containing(frequency, instant)
    following = period.next()
    late = following.start + (following.end - following.start) * lateness
    assert last_completed(frequency, late) == period


@quick
@given(frequencies, any_instant)
def test_the_first_run_ever_sends_only_the_last_completed_period(frequency, now):
    plan = plan_periods(frequency, now, set(), None)
    assert plan.periods == [last_completed(frequency, now)] and not plan.skipped


@quick
@given(frequencies, any_instant)
def test_a_repeated_invocation_plans_nothing(frequency, now):
    first = plan_periods(frequency, now, set(), None)
    done = {p.start for p in first.periods}
    second = plan_periods(frequency, now, done, first.periods[0].start)
    assert second.periods == [] and second.already_done


@settings(quick, max_examples=150)
@given(
    frequencies,
    instants,
    st.lists(st.integers(min_value=0, max_value=40 * 86400), min_size=1, max_size=12),
    st.integers(min_value=1, max_value=10),
)
def test_runs_with_gaps_send_every_period_once_or_report_it_skipped(frequency, start, gaps, limit):
    """Cron runs at arbitrary times, with arbitrary downtime in between: every completed period from the
    first run on is sent exactly once, or (beyond the catch-up limit) reported as skipped; none twice."""
    done: set[datetime] = set()
    earliest = None
    sent: list[Period] = []
    skipped: list[Period] = []
    now = start
    for gap in [0, *gaps]:
        now = now + timedelta(seconds=gap)
        plan = plan_periods(frequency, now, done, earliest, limit=limit)
        assert len(plan.periods) <= limit
        assert plan.periods == sorted(plan.periods)
        for period in plan.periods:
            assert period.end <= now
            done.add(period.start)
            earliest = min(earliest or period.start, period.start)
        sent.extend(plan.periods)
        skipped.extend(plan.skipped)
    assert len(sent) == len(set(sent)), "a period was sent twice"
    assert not set(sent) & set(skipped)
    covered = sorted(set(sent) | set(skipped))
    first, last = last_completed(frequency, start), last_completed(frequency, now)
    expected, period = [], first
    while period <= last:
        expected.append(period)
        period = period.next()
    assert covered == expected, "a completed period was neither sent nor reported"


def test_an_explicit_now_before_the_first_run_sends_that_period():
    later = datetime(2025, 6, 1, tzinfo=UTC)
    first = plan_periods(Frequency.DAILY, later, set(), None).periods[0]
    old = plan_periods(Frequency.DAILY, datetime(2025, 5, 1, 8, tzinfo=UTC), {first.start}, first.start)
    assert [p.first_day for p in old.periods] == [date(2025, 4, 30)]


def test_local_midnight_is_utc():
    assert local_midnight(date(2025, 7, 1)) == datetime(2025, 6, 30, 22, tzinfo=UTC)
    assert local_midnight(date(2025, 1, 1)) == datetime(2024, 12, 31, 23, tzinfo=UTC)


def test_labels_are_dutch():
    assert Period(Frequency.DAILY, date(2025, 3, 3)).label == "maandag 3 maart 2025"
    assert Period(Frequency.WEEKLY, date(2025, 3, 3)).label == "week van 3 t/m 9 maart 2025"
    assert Period(Frequency.WEEKLY, date(2025, 3, 31)).label == "week van 31 maart t/m 6 april 2025"
    assert (
        Period(Frequency.WEEKLY, date(2024, 12, 30)).label == "week van 30 december 2024 t/m 5 januari 2025"
    )
    assert Period(Frequency.MONTHLY, date(2025, 3, 1)).label == "maart 2025"
