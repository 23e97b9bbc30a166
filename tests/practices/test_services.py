"""Practice services: permissions first, revisions on every save, cycle steps with reasons, results."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from exchange.errors import Conflict, Invalid, NotAllowed
from exchange.practices import cycle, services
from exchange.practices.models import CycleStep, Practice, PracticeRevision, Result, Status


def data_from(practice, **changes):
    base = {
        "title": practice.title,
        "summary": practice.summary,
        "body": practice.body,
        "themes": list(practice.themes),
        "action_lines": list(practice.action_lines),
        "phase": practice.phase,
    }
    base.update(changes)
    return services.PracticeData(**base)


def test_staff_creates_a_draft_with_first_step_and_revision(db, cast, make_practice):
    practice = make_practice()
    assert practice.status == Status.DRAFT and practice.region_id == cast.region.id
    assert [s.to_phase_id for s in practice.steps] == [cast.phases[0].id]
    assert db.session.scalar(select(func.count(PracticeRevision.id))) == 1


@pytest.mark.parametrize("who", ["other_staff", "coach", "admin"])
def test_only_staff_of_the_region_may_create(db, cast, who):
    data = services.PracticeData(title="X", summary="Y", themes=[cast.theme], phase=cast.phases[0])
    with pytest.raises(NotAllowed):
        services.create_practice(getattr(cast, who), cast.region, data)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Practice.id))) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"summary": "x" * 501}, "summary"),
        ({"themes": []}, "themes"),
        ({"period_start": date(2020, 5, 1), "period_end": date(2020, 1, 1)}, "period_end"),
        ({"links": [("Plan", "javascript:alert(1)")]}, "links"),
    ],
)
def test_invalid_data_is_refused_per_field(db, cast, make_practice, changes, field):
    practice = make_practice()
    with pytest.raises(Invalid) as excinfo:
        services.update_practice(
            cast.staff, practice, data_from(practice, **changes), expected_revision=practice.revision
        )
    assert field in excinfo.value.details["fields"]
    db.session.rollback()
    assert db.session.get(Practice, practice.id).title == "Thuiszitterstafel"


def test_edit_records_revision_and_stale_edit_conflicts(db, cast, make_practice):
    practice = make_practice()
    assert services.update_practice(
        cast.staff, practice, data_from(practice, title="Nieuwe titel"), expected_revision=1
    )
    db.session.commit()
    assert practice.revision == 2
    with pytest.raises(Conflict):
        services.update_practice(cast.staff, practice, data_from(practice, title="Oud"), expected_revision=1)
    revisions = db.session.scalars(select(PracticeRevision).order_by(PracticeRevision.number)).all()
    assert [r.snapshot["title"] for r in revisions] == ["Thuiszitterstafel", "Nieuwe titel"]


def test_unchanged_edit_records_nothing(db, cast, make_practice):
    practice = make_practice()
    assert services.update_practice(cast.staff, practice, data_from(practice), expected_revision=1) is False
    assert practice.revision == 1


@pytest.mark.parametrize("who", ["other_staff", "coach", "coach_all_themes", "admin"])
def test_nobody_but_region_staff_edits(db, cast, make_practice, who):
    practice = make_practice()
    with pytest.raises(NotAllowed):
        services.update_practice(
            getattr(cast, who), practice, data_from(practice, title="Overgenomen"), expected_revision=1
        )


def test_edit_cannot_change_phase_without_a_step(db, cast, make_practice):
    practice = make_practice()
    with pytest.raises(Invalid) as excinfo:
        services.update_practice(
            cast.staff, practice, data_from(practice, phase=cast.phases[2]), expected_revision=1
        )
    assert "phase" in excinfo.value.details["fields"]


def test_publish_then_archive(db, cast, make_practice):
    practice = make_practice()
    services.publish_practice(cast.staff, practice)
    assert practice.status == Status.PUBLISHED and practice.published_at is not None
    with pytest.raises(Conflict):
        services.publish_practice(cast.staff, practice)
    services.archive_practice(cast.staff, practice)
    assert practice.status == Status.ARCHIVED
    with pytest.raises(NotAllowed):
        services.publish_practice(cast.other_staff, practice)


def test_move_phase_records_dated_step(db, cast, make_practice):
    practice = make_practice()
    step = cycle.move_phase(cast.staff, practice, cast.phases[2], "De pilot draait nu in twee wijken.")
    db.session.commit()
    assert practice.phase_id == cast.phases[2].id
    assert (step.from_phase_id, step.to_phase_id) == (cast.phases[0].id, cast.phases[2].id)
    assert db.session.scalar(select(func.count(CycleStep.id))) == 2


@pytest.mark.parametrize(
    ("phase_index", "explanation", "days", "field"),
    [
        (2, "", 0, "explanation"),
        (2, "te kort", 0, "explanation"),
        (0, "Dezelfde fase als nu, dat kan niet.", 0, "phase"),
        (2, "Een stap in de toekomst zetten kan niet.", 3, "moved_on"),
        (2, "Een stap vóór de vorige stap kan niet.", -30, "moved_on"),
    ],
)
def test_bad_phase_moves_are_refused(db, cast, make_practice, phase_index, explanation, days, field):
    practice = make_practice()
    with pytest.raises(Invalid) as excinfo:
        cycle.move_phase(
            cast.staff, practice, cast.phases[phase_index], explanation, date.today() + timedelta(days=days)
        )
    assert field in excinfo.value.details["fields"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(CycleStep.id))) == 1


def test_add_result_and_refuse_future_or_non_numbers(db, cast, make_practice):
    practice = make_practice()
    good = services.ResultData(
        indicator="Thuiszitters", value=Decimal(12), measured_on=date(2024, 1, 1), phase=cast.phases[0]
    )
    services.add_result(cast.staff, practice, good)
    db.session.commit()
    future = services.ResultData(
        indicator="Thuiszitters",
        value=Decimal(3),
        measured_on=date.today() + timedelta(days=1),
        phase=cast.phases[0],
    )
    with pytest.raises(Invalid) as excinfo:
        services.add_result(cast.staff, practice, future)
    assert "measured_on" in excinfo.value.details["fields"]
    nan = services.ResultData(
        indicator="Thuiszitters", value=Decimal("NaN"), measured_on=date(2024, 2, 1), phase=cast.phases[0]
    )
    with pytest.raises(Invalid):
        services.add_result(cast.staff, practice, nan)
    with pytest.raises(NotAllowed):
        services.add_result(cast.coach, practice, good)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Result.id))) == 1


def test_two_moves_in_one_session_check_dates_against_the_latest_step(db, cast, make_practice):
    practice = make_practice()
    today = date.today()
    cycle.move_phase(cast.staff, practice, cast.phases[1], "Eerst ontwerpen we de aanpak.", today)
    with pytest.raises(Invalid):
        cycle.move_phase(
            cast.staff, practice, cast.phases[2], "Een stap terug in de tijd.", today - timedelta(days=1)
        )


def test_theme_order_does_not_make_a_revision(db, cast, make_practice):
    practice = make_practice(themes=[cast.theme, cast.other_theme])
    data = data_from(practice, themes=[cast.other_theme, cast.theme])
    assert services.update_practice(cast.staff, practice, data, expected_revision=practice.revision) is False
