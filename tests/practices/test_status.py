"""Publishing and archiving: each confirmed on a page of its own (GET shows, POST acts, CSRF), the publish page
shows what becomes public and what stays private, and a refusal names both regions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from exchange.accounts.models import AuditEvent
from exchange.extensions import db as _db
from exchange.practices import services
from exchange.practices.models import Practice, Status
from tests.web import csrf_token_from, login, text


def _status(practice_id: int) -> Status:
    _db.session.expire_all()
    return _db.session.get(Practice, practice_id).status


@pytest.fixture
def draft(cast, db):
    """A draft with everything the public page shows, a result and a private coaching message."""
    made = services.create_practice(
        cast.staff,
        cast.region,
        services.PracticeData(
            title="Thuiszitterstafel",
            summary="Onderwijs en jeugdhulp zoeken samen een plek.",
            body="Elke **dinsdag** aan tafel.",
            themes=[cast.theme],
            phase=cast.phases[0],
            contact_name="Team Thuiszitters",
            contact_email="thuiszitters@rijnmond.example",
        ),
    )
    services.add_result(
        cast.staff,
        made,
        services.ResultData(
            indicator="Aantal thuiszitters",
            value=Decimal(41),
            unit="jongeren",
            measured_on=date(2024, 6, 1),
            phase=cast.phases[0],
        ),
    )
    services.post_feedback(cast.coach, made, "Geheim advies van de coach over de aanpak.")
    db.session.commit()
    return made


def test_publish_page_shows_what_becomes_public_and_what_stays_private(client, cast, draft):
    login(client, cast.staff)
    page = client.get(f"/praktijken/{draft.id}/publiceren")
    html = text(page)
    assert page.status_code == 200
    for public in (
        "Thuiszitterstafel",
        "Onderwijs en jeugdhulp zoeken samen een plek.",
        "<strong>dinsdag</strong>",
        "Aantal thuiszitters",
        "Rotterdam Rijnmond",
        cast.theme.name,
        "thuiszitters@rijnmond.example",
    ):
        assert public in html, public
    assert "Wat niet openbaar wordt" in html and "1 bericht tussen de regio" in html
    assert "Geheim advies" not in html
    assert f'action="/praktijken/{draft.id}/publiceren"' in html
    assert _status(draft.id) == Status.DRAFT


def test_practice_page_links_to_the_confirmation_pages(client, cast, draft):
    login(client, cast.staff)
    html = text(client.get(f"/praktijken/{draft.id}"))
    assert f'href="/praktijken/{draft.id}/publiceren"' in html
    assert f'href="/praktijken/{draft.id}/archiveren"' in html
    assert f'action="/praktijken/{draft.id}/publiceren"' not in html


def test_posting_the_publish_page_publishes_and_records_it(client, cast, draft, db):
    login(client, cast.staff)
    path = f"/praktijken/{draft.id}/publiceren"
    response = client.post(path, data={"csrf_token": csrf_token_from(client, path)})
    assert response.status_code == 302 and response.location.endswith(f"/praktijken/{draft.id}")
    assert "voor iedereen zichtbaar" in text(client.get(response.location))
    assert _status(draft.id) == Status.PUBLISHED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "practice_published"))
    assert event.actor_id == cast.staff.id
    assert event.details == {
        "practice_id": draft.id,
        "title": "Thuiszitterstafel",
        "region": cast.region.code,
    }


def test_archive_page_says_what_happens_and_post_archives(client, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.staff)
    path = f"/praktijken/{practice.id}/archiveren"
    page = client.get(path)
    assert page.status_code == 200
    assert "verdwijnt uit de openbare lijsten" in text(page) and "Archiveer dit praktijkvoorbeeld" in text(
        page
    )
    assert _status(practice.id) == Status.PUBLISHED
    response = client.post(path, data={"csrf_token": csrf_token_from(client, path)})
    assert response.status_code == 302
    assert _status(practice.id) == Status.ARCHIVED
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "practice_archived"))


@pytest.mark.parametrize("action", ["publiceren", "archiveren"])
def test_posting_without_csrf_token_changes_nothing(client, cast, draft, action):
    login(client, cast.staff)
    response = client.post(f"/praktijken/{draft.id}/{action}")
    assert response.status_code == 400
    assert _status(draft.id) == Status.DRAFT


def test_other_regions_staff_gets_403_naming_both_regions(client, cast, make_practice):
    practice = make_practice(publish=True)
    login(client, cast.other_staff)
    path = f"/praktijken/{practice.id}/archiveren"
    page = client.get(path)
    assert page.status_code == 403
    html = text(page)
    assert "Dit praktijkvoorbeeld hoort bij regio Rotterdam Rijnmond; u werkt voor regio Zeeland." in html
    assert f'href="/praktijken/{practice.id}"' in html and "Terug naar ‘Thuiszitterstafel’" in html
    token = csrf_token_from(client, "/account")
    assert client.post(path, data={"csrf_token": token}).status_code == 403
    assert _status(practice.id) == Status.PUBLISHED


@pytest.mark.parametrize("who", ["coach", "admin"])
def test_people_who_see_but_may_not_change_are_told_who_may(client, cast, draft, who):
    login(client, getattr(cast, who))
    page = client.get(f"/praktijken/{draft.id}/publiceren")
    assert page.status_code == 403
    assert "Alleen medewerkers van regio Rotterdam Rijnmond kunnen dit praktijkvoorbeeld wijzigen." in text(
        page
    )


@pytest.mark.parametrize("action", ["publiceren", "archiveren"])
def test_a_draft_of_another_region_stays_hidden(client, cast, draft, action):
    login(client, cast.other_staff)
    page = client.get(f"/praktijken/{draft.id}/{action}")
    assert page.status_code == 404
    assert "Rotterdam" not in text(page).split('id="main"')[1]
    token = csrf_token_from(client, "/account")
    assert client.post(f"/praktijken/{draft.id}/{action}", data={"csrf_token": token}).status_code == 404
    assert _status(draft.id) == Status.DRAFT


def test_visitors_are_sent_to_sign_in(client, cast, draft):
    response = client.get(f"/praktijken/{draft.id}/publiceren")
    assert response.status_code == 302 and "/inloggen" in response.location


def test_an_already_published_practice_is_not_offered_again(client, cast, make_practice):
    practice = make_practice(publish=True)
    login(client, cast.staff)
    response = client.get(f"/praktijken/{practice.id}/publiceren")
    assert response.status_code == 302
    assert "al gepubliceerd" in text(client.get(response.location))
