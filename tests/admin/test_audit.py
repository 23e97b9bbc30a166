"""The audit log reads as sentences: publishing, archiving, result corrections, assignments and the rest, with
date and time, filterable by kind, and in a fixed number of queries whatever the number of events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete

from exchange import audit
from exchange.accounts.models import AuditEvent, Role
from exchange.accounts.services import coaching
from exchange.policy import SYSTEM
from exchange.practices import services
from tests import world
from tests.web import login, text


@pytest.fixture
def piet(cast, db):
    """A functionary without themes yet, for the assignment sentences."""
    user = world.person("piet@ozj.example", Role.FUNCTIONARY, name="Piet")
    db.session.commit()
    return user


def _log(client, cast, query: str = "") -> str:
    login(client, cast.admin)
    response = client.get(f"/beheer/logboek{query}")
    assert response.status_code == 200
    return text(response)


def test_publish_and_archive_read_as_sentences(client, cast, make_practice, db):
    practice = make_practice("Thuiszitterstafel")
    services.publish_practice(cast.staff, practice)
    services.archive_practice(cast.staff, practice)
    db.session.commit()
    html = _log(client, cast)
    assert "Sanne Staf publiceerde ‘Thuiszitterstafel’ (Rotterdam Rijnmond)." in html
    assert "Sanne Staf archiveerde ‘Thuiszitterstafel’ (Rotterdam Rijnmond)." in html
    assert f'href="/praktijken/{practice.id}"' in html


def test_an_import_publishes_as_the_command_line(client, cast, make_practice, db):
    practice = make_practice("Jongerentafel")
    services.publish_practice(SYSTEM, practice)
    db.session.commit()
    assert "De opdrachtregel publiceerde ‘Jongerentafel’ (Rotterdam Rijnmond)." in _log(client, cast)


def test_result_corrections_read_as_sentences(client, cast, make_practice, db):
    practice = make_practice("Thuiszitterstafel", publish=True)
    about = audit.about_practice(practice)
    audit.record(
        "result_edited", actor=cast.staff, **about, indicator="Aantal thuiszitters", measured_on="2024-06-01"
    )
    audit.record("result_deleted", actor=cast.staff, **about, indicator="Wachttijd", measured_on="2023-01-15")
    db.session.commit()
    html = _log(client, cast)
    assert (
        "Sanne Staf wijzigde het resultaat ‘Aantal thuiszitters’ van 1 jun 2024 van ‘Thuiszitterstafel’ "
        "(Rotterdam Rijnmond)." in html
    )
    assert (
        "Sanne Staf verwijderde het resultaat ‘Wachttijd’ van 15 jan 2023 van ‘Thuiszitterstafel’ "
        "(Rotterdam Rijnmond)." in html
    )


def test_assignments_and_theme_links_are_recorded_as_sentences(client, cast, piet, db):
    coaching.link_theme(cast.admin, piet, cast.theme)
    coaching.assign_functionary(cast.admin, piet, cast.other_region, cast.theme)
    db.session.commit()
    assignment = piet.assignments[0]
    coaching.unassign_functionary(cast.admin, assignment)
    coaching.assign_functionary(cast.admin, piet, cast.region, None)
    db.session.commit()
    html = _log(client, cast)
    theme = cast.theme.name
    admin = cast.admin.display_name
    assert f"{admin} koppelde Piet aan thema {theme}." in html
    assert f"{admin} wees Piet toe aan regio Zeeland, op thema {theme}." in html
    assert f"{admin} trok de toewijzing van Piet aan regio Zeeland (thema {theme}) in." in html
    assert f"{admin} wees Piet toe aan regio Rotterdam Rijnmond, op al zijn of haar thema&#39;s." in html


def test_each_sentence_has_date_and_time(client, cast, make_practice, db):
    make_practice("Thuiszitterstafel", publish=True)
    db.session.execute(delete(AuditEvent).where(AuditEvent.action != "practice_published"))
    event = db.session.query(AuditEvent).one()
    event.created_at = datetime(2025, 3, 7, 14, 5, 9, tzinfo=UTC)
    db.session.commit()
    html = _log(client, cast, "?actie=practice_published")
    assert '<time datetime="2025-03-07T14:05:09' in html
    assert "7 mrt 2025 15:05:09" in html  # Europe/Amsterdam


def test_the_log_filters_by_kind(client, cast, make_practice, piet, db):
    make_practice("Thuiszitterstafel", publish=True)
    coaching.link_theme(cast.admin, piet, cast.theme)
    db.session.commit()
    html = _log(client, cast, "?actie=practice_published")
    assert "publiceerde ‘Thuiszitterstafel’" in html
    assert "koppelde Piet" not in html
    html = _log(client, cast, "?actie=theme_linked")
    assert "koppelde Piet" in html and "publiceerde ‘Thuiszitterstafel’" not in html


def test_the_english_address_leads_to_the_log_with_its_filter(client, cast):
    login(client, cast.admin)
    response = client.get("/beheer/audit?actie=login")
    assert response.status_code == 302 and response.location.endswith("/beheer/logboek?actie=login")


def test_only_administrators_see_the_log(client, cast):
    login(client, cast.staff)
    response = client.get("/beheer/audit")
    assert response.status_code == 403 and "Alleen beheerders kunnen dit." in text(response)


def test_the_user_page_shows_their_events_as_sentences(client, cast, piet, db):
    coaching.link_theme(cast.admin, piet, cast.theme)
    db.session.commit()
    login(client, cast.admin)
    html = text(client.get(f"/beheer/mensen/{piet.id}"))
    assert f"koppelde Piet aan thema {cast.theme.name}." in html


def _queries(client, query_counter) -> int:
    with query_counter() as counter:
        assert client.get("/beheer/logboek").status_code == 200
    return counter.count


def test_the_log_does_not_query_per_event(client, cast, piet, make_practice, db, query_counter):
    login(client, cast.admin)
    make_practice("Eerste", publish=True)
    coaching.link_theme(cast.admin, piet, cast.theme)
    db.session.commit()
    few = _queries(client, query_counter)
    for number in range(12):
        make_practice(f"Praktijk {number}", publish=True)
    coaching.assign_functionary(cast.admin, piet, cast.other_region, cast.theme)
    coaching.assign_functionary(cast.admin, piet, cast.region, cast.theme)
    db.session.commit()
    assert _queries(client, query_counter) == few
