"""Renaming reference data keeps every document that shows it true, without `flask search check --fix`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from exchange.policy import SYSTEM
from exchange.practices import services as practice_services
from exchange.reference import services as reference_services
from exchange.reference.models import ActionLine
from exchange.search.models import SearchOutbox


@pytest.fixture
def practice_with_result(world, make_practice, db):
    """A published practice on world.theme in world.region, with one result."""
    practice = make_practice("Thuiszittersaanpak", body="Samen met scholen.")
    practice_services.add_result(
        SYSTEM,
        practice,
        practice_services.ResultData(
            indicator="Thuiszitters terug naar school",
            value=Decimal(12),
            measured_on=date(2024, 5, 1),
            phase=world.phases[0],
        ),
    )
    db.session.commit()
    return practice


def check(runner):
    return runner.invoke(args=["search", "check"])


def test_renaming_a_theme_rewrites_the_results_that_show_it(practice_with_result, world, runner, db):
    reference_services.save_theme(
        SYSTEM, world.theme, {"slug": world.theme.slug, "name": "Onderwijs en jeugdhulp samen"}
    )
    db.session.commit()

    outcome = check(runner)
    assert outcome.exit_code == 0, outcome.output
    assert "Ontbrekend: 0, verouderd: 0, overbodig: 0." in outcome.output


def test_the_outbox_rows_of_a_rename_are_written_and_rolled_back_with_it(practice_with_result, world, db):
    before = db.session.scalar(select(func.count(SearchOutbox.id)))
    reference_services.save_theme(SYSTEM, world.theme, {"slug": world.theme.slug, "name": "Andere naam"})
    queued = set(db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id)).all())

    assert ("theme", world.theme.id) in queued
    assert ("practice", practice_with_result.id) in queued

    db.session.rollback()
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == before


def test_a_theme_change_that_no_document_shows_queues_no_practices(practice_with_result, world, db):
    # The change log keeps applied rows (for the other servers): look at the rows this change wrote.
    last = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
    reference_services.save_theme(
        SYSTEM, world.theme, {"slug": world.theme.slug, "name": world.theme.name, "position": 99}
    )
    queued = set(
        db.session.execute(
            select(SearchOutbox.kind, SearchOutbox.object_id).where(SearchOutbox.id > last)
        ).all()
    )

    assert ("practice", practice_with_result.id) not in queued
    db.session.rollback()


def test_renaming_an_action_line_rewrites_its_themes(practice_with_result, world, runner, db):
    line = db.session.get(ActionLine, world.theme.action_line_id)
    assert line is not None
    line.title = "Een nieuwe titel voor deze actielijn"
    db.session.commit()

    outcome = check(runner)
    assert outcome.exit_code == 0, outcome.output
    assert "Ontbrekend: 0, verouderd: 0, overbodig: 0." in outcome.output


def test_renaming_a_region_rewrites_its_practices_and_results(practice_with_result, world, runner, db):
    reference_services.update_region(SYSTEM, world.region, {"display_name": "Regio Rijnmond (nieuw)"})
    db.session.commit()

    outcome = check(runner)
    assert outcome.exit_code == 0, outcome.output
    assert "Ontbrekend: 0, verouderd: 0, overbodig: 0." in outcome.output


def test_renaming_a_phase_leaves_the_index_true_and_the_facet_shows_the_new_name(
    practice_with_result, world, runner, db, search
):
    reference_services.update_phase(SYSTEM, world.phases[0], {"name": "Verkennen (hernoemd)"})
    db.session.commit()

    outcome = check(runner)
    assert outcome.exit_code == 0, outcome.output
    phase_facet = next(f for f in search("thuiszitters").facets if f.param == "fase")
    assert any("Verkennen (hernoemd)" in v.label for v in phase_facet.values)
