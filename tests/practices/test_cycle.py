"""The development cycle: the next phase proposed, steps dated in the past but in order and never in the
future, a new practice's start date, and who may move a practice."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from exchange.errors import Invalid, NotAllowed
from exchange.policy import SYSTEM
from exchange.practices import cycle, services, transfer
from exchange.practices.models import CycleStep, Practice
from tests.practices.test_importer import document, item
from tests.web import login, post, text

FUTURE = date.today() + timedelta(days=2)


def selected_phase(html: str) -> int:
    """The id of the phase the form proposes (the selected option of the phase select)."""
    select_html = re.search(r'<select[^>]*name="phase".*?</select>', html, re.DOTALL).group(0)
    return int(re.search(r'<option selected value="(\d+)"', select_html).group(1))


def new_practice(client, cast, **fields):
    data = {"title": "Jongerentafel", "summary": "Jongeren praten mee.", "themes": [cast.theme.id]}
    data |= {"phase": cast.phases[0].id, **fields}
    return post(client, "/praktijken/nieuw", data)


def started(db, cast, day: date, phase_index: int = 0) -> Practice:
    """A draft practice of the cast's staff whose first step is dated `day`."""
    data = services.PracticeData(
        title="Thuiszitterstafel",
        summary="Samen een plek.",
        themes=[cast.theme],
        phase=cast.phases[phase_index],
    )
    practice = cycle.start_practice(cast.staff, cast.region, data, day)
    db.session.commit()
    return practice


def steps(db, practice_id) -> list[CycleStep]:
    db.session.expire_all()
    stmt = select(CycleStep).where(CycleStep.practice_id == practice_id).order_by(CycleStep.id)
    return list(db.session.scalars(stmt))


def test_next_phase_follows_the_cycle_and_wraps_around(cast):
    phases = cast.phases
    assert cycle.next_phase(phases[0], phases) == phases[1]
    assert cycle.next_phase(phases[-2], phases) == phases[-1]
    assert cycle.next_phase(phases[-1], phases) == phases[0]
    assert cycle.next_phase(None, phases) == phases[0]


def test_phase_form_proposes_the_next_phase(client, cast, make_practice):
    practice = make_practice(phase=cast.phases[1])
    login(client, cast.staff)
    response = client.get(f"/praktijken/{practice.id}/fase")
    assert response.status_code == 200
    assert selected_phase(text(response)) == cast.phases[2].id


def test_phase_form_wraps_around_after_the_last_phase(client, cast, make_practice):
    practice = make_practice(phase=cast.phases[-1])
    login(client, cast.staff)
    assert selected_phase(text(client.get(f"/praktijken/{practice.id}/fase"))) == cast.phases[0].id


def test_phase_form_shows_where_the_practice_has_been(client, db, cast):
    practice = started(db, cast, date(2025, 3, 1))
    cycle.move_phase(cast.staff, practice, cast.phases[1], "We ontwerpen nu de aanpak.", date(2026, 1, 5))
    db.session.commit()
    login(client, cast.staff)
    html = text(client.get(f"/praktijken/{practice.id}/fase"))
    path = html.split('id="path-heading"')[1]
    assert "We ontwerpen nu de aanpak." in path
    assert "5 januari 2026" in path and "Sanne Staf" in path
    assert f"Van {cast.phases[0].name} naar {cast.phases[1].name}" in path


def test_a_practice_can_start_before_it_was_registered(client, db, cast):
    login(client, cast.staff)
    response = new_practice(client, cast, started_on="2025-03-01")
    assert response.status_code == 302
    practice = db.session.scalar(select(Practice).where(Practice.title == "Jongerentafel"))
    assert [s.moved_on for s in steps(db, practice.id)] == [date(2025, 3, 1)]
    assert practice.period_start == date(2025, 3, 1)


def test_without_a_start_date_the_practice_starts_today(client, db, cast):
    login(client, cast.staff)
    assert new_practice(client, cast).status_code == 302
    practice = db.session.scalar(select(Practice))
    assert [s.moved_on for s in steps(db, practice.id)] == [date.today()]
    assert practice.period_start == date.today()


@pytest.mark.parametrize(
    ("period_start", "expected"),
    [
        ("2025-06-01", date(2025, 3, 1)),  # the first step is earlier: the start date follows it
        ("2024-01-01", date(2024, 1, 1)),  # the practice was planned earlier: its own start date stays
    ],
)
def test_period_start_follows_an_earlier_first_step(client, db, cast, period_start, expected):
    login(client, cast.staff)
    response = new_practice(client, cast, started_on="2025-03-01", period_start=period_start)
    assert response.status_code == 302
    assert db.session.scalar(select(Practice.period_start)) == expected


def test_a_start_in_the_future_is_refused(client, db, cast):
    login(client, cast.staff)
    response = new_practice(client, cast, started_on=FUTURE.isoformat())
    assert response.status_code == 422
    assert "De datum mag niet in de toekomst liggen." in text(response)
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_the_service_refuses_a_start_in_the_future(db, cast):
    data = services.PracticeData(title="T", summary="S", themes=[cast.theme], phase=cast.phases[0])
    with pytest.raises(Invalid) as excinfo:
        cycle.start_practice(cast.staff, cast.region, data, FUTURE)
    assert excinfo.value.fields == {"started_on": "De datum mag niet in de toekomst liggen."}
    with pytest.raises(NotAllowed):
        cycle.start_practice(cast.other_staff, cast.region, data, date(2025, 1, 1))


def test_steps_may_be_dated_in_the_past_in_order(client, db, cast):
    login(client, cast.staff)
    new_practice(client, cast, started_on="2025-03-01")
    practice_id = db.session.scalar(select(Practice.id))
    response = post(
        client,
        f"/praktijken/{practice_id}/fase",
        {"phase": cast.phases[1].id, "explanation": "Het ontwerp begon in april.", "moved_on": "2025-04-01"},
    )
    assert response.status_code == 302
    assert [s.moved_on for s in steps(db, practice_id)] == [date(2025, 3, 1), date(2025, 4, 1)]
    assert "De fase is gewijzigd." in text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(
    ("moved_on", "message"),
    [
        ("2025-02-01", "Deze stap ligt vóór de vorige stap (1 maart 2025). Kies die datum of een latere."),
        (FUTURE.isoformat(), "De datum mag niet in de toekomst liggen."),
    ],
)
def test_out_of_order_or_future_steps_are_refused(client, db, cast, moved_on, message):
    login(client, cast.staff)
    new_practice(client, cast, started_on="2025-03-01")
    practice_id = db.session.scalar(select(Practice.id))
    response = post(
        client,
        f"/praktijken/{practice_id}/fase",
        {"phase": cast.phases[1].id, "explanation": "Een stap op een verkeerde datum.", "moved_on": moved_on},
    )
    assert response.status_code == 422
    assert message in text(response)
    assert len(steps(db, practice_id)) == 1


def test_the_service_refuses_a_step_before_the_previous_one(db, cast):
    practice = started(db, cast, date(2025, 3, 1))
    cycle.move_phase(cast.staff, practice, cast.phases[1], "Eerst ontwerpen we de aanpak.", date(2026, 1, 5))
    with pytest.raises(Invalid) as excinfo:
        cycle.move_phase(cast.staff, practice, cast.phases[2], "Terug in de tijd.", date(2026, 1, 4))
    assert excinfo.value.fields == {
        "moved_on": "Deze stap ligt vóór de vorige stap (5 januari 2026). Kies die datum of een latere."
    }


def test_another_regions_staff_cannot_move(client, db, cast, make_practice):
    practice = make_practice(publish=True)
    login(client, cast.other_staff)
    assert client.get(f"/praktijken/{practice.id}/fase").status_code == 403
    response = post(  # with a valid CSRF token from a form this person may open, so only the policy refuses
        client,
        f"/praktijken/{practice.id}/fase",
        {"phase": cast.phases[1].id, "explanation": "Een stap van buiten.", "moved_on": "2025-01-01"},
        form_page="/praktijken/nieuw",
    )
    assert response.status_code == 403
    assert len(steps(db, practice.id)) == 1
    with pytest.raises(NotAllowed):
        cycle.move_phase(cast.other_staff, practice, cast.phases[1], "Een stap van buiten.")


def test_the_import_still_records_dated_steps_in_order(reference, db):
    report = transfer.import_practices(document(item(1)))
    db.session.commit()
    assert report.steps_recorded == 2
    practice = db.session.scalar(select(Practice).where(Practice.external_id == "ext-1"))
    recorded = [(s.to_phase.slug, s.moved_on) for s in steps(db, practice.id)]
    assert recorded == [("uitvoeren", date(2020, 1, 6)), ("meten", date(2021, 3, 1))]
    # The file says when the practice started; the import keeps it (the start-date rule is the form's).
    assert practice.period_start == date(2020, 1, 1)


def test_the_system_actor_may_move(db, cast, make_practice):
    practice = make_practice()
    step = cycle.move_phase(SYSTEM, practice, cast.phases[1], "Bijgewerkt via een import.")
    db.session.commit()
    assert step.author_id is None and practice.phase_id == cast.phases[1].id
