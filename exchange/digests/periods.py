"""Digest periods: half-open [start, end) intervals of local calendar time in Europe/Amsterdam.

A daily period runs from local midnight to the next local midnight (23, 24 or 25 hours), a weekly one from
Monday 00:00 to the next Monday 00:00, a monthly one from the 1st 00:00 to the next 1st 00:00. Consecutive
periods touch (one's end is the next one's start), so every instant belongs to exactly one period of each
frequency and no item falls between two digests. Start and end are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from exchange.digests.models import Frequency

TZ = ZoneInfo("Europe/Amsterdam")

# Lazy: each renders in the language of the page or mail it is used in.
FREQUENCY_LABELS = {
    Frequency.DAILY: _l("dagelijks"),
    Frequency.WEEKLY: _l("wekelijks"),
    Frequency.MONTHLY: _l("maandelijks"),
}
# "U ontvangt dit wekelijkse overzicht": the adjective before a noun.
FREQUENCY_ADJECTIVES = {
    Frequency.DAILY: _l("dagelijkse"),
    Frequency.WEEKLY: _l("wekelijkse"),
    Frequency.MONTHLY: _l("maandelijkse"),
}
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def _floor(frequency: Frequency, day: date) -> date:
    if frequency == Frequency.DAILY:
        return day
    if frequency == Frequency.WEEKLY:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _shift(frequency: Frequency, day: date, n: int) -> date:
    """The first day of the period `n` periods after the one starting on `day` (n may be negative)."""
    if frequency == Frequency.DAILY:
        return day + timedelta(days=n)
    if frequency == Frequency.WEEKLY:
        return day + timedelta(weeks=n)
    months = day.year * 12 + (day.month - 1) + n
    return date(months // 12, months % 12 + 1, 1)


def local_midnight(day: date) -> datetime:
    """The UTC instant at which `day` begins in Amsterdam (midnight always exists there: DST moves at 02:00)."""
    return datetime.combine(day, time(0), tzinfo=TZ).astimezone(UTC)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant")
    return instant


@dataclass(frozen=True, order=True)
class Period:
    """One digest period. `first_day` is its first local date; `start`/`end` are UTC instants."""

    frequency: Frequency
    first_day: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return local_midnight(self.next_first_day)

    @property
    def next_first_day(self) -> date:
        return _shift(self.frequency, self.first_day, 1)

    @property
    def last_day(self) -> date:
        return self.next_first_day - timedelta(days=1)

    def next(self) -> Period:
        return Period(self.frequency, self.next_first_day)

    def previous(self) -> Period:
        return Period(self.frequency, _shift(self.frequency, self.first_day, -1))

    def contains(self, instant: datetime) -> bool:
        return self.start <= _aware(instant) < self.end

    @property
    def label(self) -> str:
        """The period in the current language (Dutch outside a request or mail in another language)."""
        locale = get_locale()
        if locale is not None and locale.language == "en":
            return self.label_en
        return self.label_nl

    @property
    def label_en(self) -> str:
        """English description: 'Monday 3 March 2025', 'week of 3 to 9 March 2025', 'March 2025'."""
        first, last = self.first_day, self.last_day
        if self.frequency == Frequency.DAILY:
            return format_date(first, "EEEE d MMMM y", locale="en")
        if self.frequency == Frequency.WEEKLY:
            return f"week of {format_date(first, 'd MMMM y', locale='en')} to {format_date(last, 'd MMMM y', locale='en')}"
        return format_date(first, "MMMM y", locale="en")

    @property
    def label_nl(self) -> str:
        """Dutch description: 'maandag 3 maart 2025', 'week van 3 t/m 9 maart 2025', 'maart 2025'."""
        first, last = self.first_day, self.last_day
        if self.frequency == Frequency.DAILY:
            days = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
            return f"{days[first.weekday()]} {_day(first)}"
        if self.frequency == Frequency.WEEKLY:
            if first.year != last.year:
                return f"week van {_day(first)} t/m {_day(last)}"
            if first.month != last.month:
                return f"week van {first.day} {MONTHS[first.month - 1]} t/m {_day(last)}"
            return f"week van {first.day} t/m {_day(last)}"
        return f"{MONTHS[first.month - 1]} {first.year}"

    def __str__(self) -> str:
        return f"{self.frequency.value} {self.first_day.isoformat()}..{self.last_day.isoformat()}"


def _day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def period_containing(frequency: Frequency, instant: datetime) -> Period:
    """The period of `frequency` that contains `instant` (start <= instant < end)."""
    local_day = _aware(instant).astimezone(TZ).date()
    return Period(frequency, _floor(frequency, local_day))


def period_starting(frequency: Frequency, start: datetime) -> Period:
    """The period whose UTC start is `start` (as stored on a delivery or run record)."""
    period = period_containing(frequency, start)
    if period.start != _aware(start):
        raise ValueError(f"{start.isoformat()} is not the start of a {frequency.value} period")
    return period


def last_completed(frequency: Frequency, now: datetime, settle: timedelta = timedelta(0)) -> Period:
    """The most recent period that ended at least `settle` before `now`.

    `settle` gives transactions that set a publication time just before the boundary time to commit before
    the period is read. A late run still gets the same period until the next one has completed too.
    """
    return period_containing(frequency, _aware(now) - settle).previous()


@dataclass(frozen=True)
class Plan:
    """Which periods a run handles: `periods` oldest first; `skipped` missed periods beyond the limit."""

    periods: list[Period]
    skipped: list[Period]
    already_done: bool  # the last completed period was handled by an earlier run


def plan_periods(
    frequency: Frequency,
    now: datetime,
    done: set[datetime] | frozenset[datetime],
    earliest: datetime | None,
    *,
    settle: timedelta = timedelta(0),
    limit: int = 7,
) -> Plan:
    """Plan a run at `now`. `done` holds the starts of periods that earlier runs handled completely and
    `earliest` the start of the first period any run ever handled (None: this is the first run).

    - The first run ever: only the last completed period (no back-filling from before the service existed).
    - The last completed period already done: nothing (a double or repeated invocation).
    - After downtime: every missed period back to the most recent done one, oldest first, so each item lands
      in exactly one digest; at most `limit` of them (the most recent). Older ones are reported in `skipped`
      and can be sent one by one with an explicit --now.
    """
    last = last_completed(frequency, now, settle)
    if earliest is None:
        return Plan([last], [], False)
    if last.start in done:
        return Plan([], [], True)
    missed: list[Period] = []
    period = last
    # Bounded walk: a year of daily periods is enough to report what was skipped.
    while period.start >= earliest and period.start not in done and len(missed) < limit + 400:
        missed.append(period)
        period = period.previous()
    missed.reverse()
    if not missed:  # an explicit --now for a period before the first run ever
        return Plan([last], [], False)
    if len(missed) > limit:
        return Plan(missed[-limit:], missed[:-limit], False)
    return Plan(missed, [], False)
