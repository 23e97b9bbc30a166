"""The national overview's grouped queries: quarters, phases per theme, results per line, silent regions, themes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from exchange.database import utcnow
from exchange.overview import queries
from exchange.overview.queries import Quarter
from exchange.practices import services
from exchange.reference.models import ActionLine


def published_on(practice, db, when: datetime):
    practice.published_at = when
    db.session.commit()


def test_published_per_quarter_folds_months_and_fills_empty_quarters(cast, make_practice, db):
    published_on(make_practice("A", publish=True), db, datetime(2024, 1, 15, tzinfo=UTC))
    published_on(make_practice("B", publish=True), db, datetime(2024, 3, 31, 21, 0, tzinfo=UTC))
    published_on(make_practice("C", publish=True), db, datetime(2024, 8, 1, tzinfo=UTC))
    make_practice("Concept")

    counts = dict(queries.published_per_quarter(None))

    assert counts[Quarter(2024, 1)] == 2 and counts[Quarter(2024, 2)] == 0 and counts[Quarter(2024, 3)] == 1
    now = utcnow()
    assert max(counts) == Quarter.containing(now)  # the axis runs up to today
    assert len(counts) >= queries.MIN_QUARTERS
    assert sum(counts.values()) == 3  # drafts were never published


def test_quarters_follow_the_dutch_calendar_not_utc(cast, make_practice, db):
    # 31 March 2024 22:30 UTC is 1 April 00:30 in Amsterdam (summer time began that night): the second quarter.
    published_on(make_practice("Na middernacht", publish=True), db, datetime(2024, 3, 31, 22, 30, tzinfo=UTC))
    # 31 December 2024 23:30 UTC is already 2025 in Amsterdam (winter time, UTC+1).
    published_on(make_practice("Nieuwjaar", publish=True), db, datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    # 30 September 2024 21:59 UTC is still 23:59 on the 30th in Amsterdam (UTC+2): the third quarter.
    published_on(make_practice("Net op tijd", publish=True), db, datetime(2024, 9, 30, 21, 59, tzinfo=UTC))

    counts = dict(queries.published_per_quarter(None))

    assert min(counts) == Quarter(2024, 2) and counts[Quarter(2024, 2)] == 1  # nothing in the first quarter
    assert counts[Quarter(2024, 3)] == 1 and counts[Quarter(2024, 4)] == 0 and counts[Quarter(2025, 1)] == 1


def test_quarter_starts_are_midnight_in_amsterdam():
    assert Quarter(2025, 1).start_utc == datetime(2024, 12, 31, 23, 0, tzinfo=UTC)
    assert Quarter(2025, 2).start_utc == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
    assert Quarter.containing(datetime(2025, 3, 31, 22, 0, tzinfo=UTC)) == Quarter(2025, 2)
    assert Quarter.containing(datetime(2025, 3, 31, 21, 59, tzinfo=UTC)) == Quarter(2025, 1)


def test_published_per_quarter_for_one_theme(cast, make_practice, db):
    make_practice("In thema", publish=True)
    make_practice("Ander thema", publish=True, themes=[cast.other_theme])
    assert sum(n for _q, n in queries.published_per_quarter(None, cast.other_theme.id)) == 1


def test_quarter_arithmetic():
    assert Quarter(2024, 4).next() == Quarter(2025, 1)
    assert Quarter(2025, 1).back(1) == Quarter(2024, 4) and Quarter(2025, 2).back(7) == Quarter(2023, 3)
    assert Quarter.of(2025, 12).label == "2025 K4"


def test_phases_per_theme_counts_current_phase_of_visible_practices(cast, make_practice):
    make_practice("Een", publish=True, phase=cast.phases[1])
    make_practice("Twee", publish=True, phase=cast.phases[1], themes=[cast.theme, cast.other_theme])
    make_practice("Concept", phase=cast.phases[3])

    visitor, staff = queries.phases_per_theme(None), queries.phases_per_theme(cast.staff)

    assert visitor == {cast.theme.id: {cast.phases[1].id: 2}, cast.other_theme.id: {cast.phases[1].id: 1}}
    assert staff[cast.theme.id] == {cast.phases[1].id: 2, cast.phases[3].id: 1}


def test_results_are_counted_per_action_line_of_their_practice(cast, make_practice, db):
    line1, line4 = (db.session.scalar(select(ActionLine).where(ActionLine.number == n)) for n in (1, 4))
    both = make_practice("Beide lijnen", publish=True, action_lines=[line1, line4])
    hidden = make_practice("Concept", action_lines=[line1])
    for practice in (both, both, hidden):
        data = services.ResultData("Thuiszitters", Decimal(3), date(2025, 1, 1), cast.phases[0])
        services.add_result(cast.staff, practice, data)
    db.session.commit()
    assert queries.results_per_action_line(None) == {line1.id: 2, line4.id: 2}
    assert queries.results_per_action_line(cast.staff) == {line1.id: 3, line4.id: 2}


def test_silent_regions_have_no_published_practice(cast, make_practice):
    make_practice("Gedeeld", publish=True)
    make_practice("Alleen concept", region=cast.other_region, actor=cast.other_staff)
    silent = {r.code for r in queries.silent_regions()}
    assert len(silent) == 41 and "JZ29" not in silent and "JZ38" in silent


def test_theme_activity_ranks_themes(cast, make_practice):
    make_practice("Een", publish=True)
    make_practice("Twee", publish=True)
    make_practice("Drie", publish=True, themes=[cast.other_theme])
    ranked = [(t.slug, n) for t, n in queries.theme_activity(None)]
    assert ranked == [(cast.theme.slug, 2), (cast.other_theme.slug, 1)]
