"""A practice the actor may not see answers exactly like one that does not exist, to GET and POST alike."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from exchange.practices import services
from exchange.practices.models import Practice, Status
from exchange.routing import MAX_ID
from tests.web import csrf_token_from, login

_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')  # every form's, the sign-out form's too

# (method, path): every page and action of one practice; {p} is the practice, {r} one of its results.
PAGES = [
    ("get", "/praktijken/{p}"),
    ("get", "/praktijken/{p}/bewerken"),
    ("post", "/praktijken/{p}/bewerken"),
    ("get", "/praktijken/{p}/geschiedenis"),
    ("post", "/praktijken/{p}/publiceren"),
    ("post", "/praktijken/{p}/archiveren"),
    ("post", "/praktijken/{p}/feedback"),
    ("get", "/praktijken/{p}/fase"),
    ("post", "/praktijken/{p}/fase"),
    ("get", "/praktijken/{p}/resultaten/nieuw"),
    ("post", "/praktijken/{p}/resultaten/nieuw"),
    ("get", "/praktijken/{p}/resultaten/{r}/bewerken"),
    ("post", "/praktijken/{p}/resultaten/{r}/bewerken"),
    ("get", "/praktijken/{p}/resultaten/{r}/verwijderen"),
    ("post", "/praktijken/{p}/resultaten/{r}/verwijderen"),
    ("get", "/praktijken/{p}/reeksen/hernoemen"),
    ("post", "/praktijken/{p}/reeksen/hernoemen"),
    ("post", "/werkruimte/praktijken/{p}/nog-actueel"),
    ("get", "/werkruimte/resultaat?praktijk={p}"),
]


@pytest.fixture
def draft(db, cast, make_practice):
    """A draft of Rijnmond with one result: hidden from Zeeland's staff and from Zeeland's coach."""
    practice = make_practice("Geheim concept")
    result = services.add_result(
        cast.staff,
        practice,
        services.ResultData(
            indicator="Aantal thuiszitters",
            value=Decimal(41),
            measured_on=date(2024, 1, 1),
            phase=cast.phases[0],
        ),
    )
    db.session.commit()
    return practice.id, result.id


def _answer(client, method: str, path: str, token: str):
    data = {"csrf_token": token, "title": "Overgenomen", "body": "x", "explanation": "x" * 40}
    response = client.get(path) if method == "get" else client.post(path, data=data)
    # What two answers may differ in: the timestamp inside a freshly signed CSRF token, and the page's own
    # address (the language switch links to it).
    body = _TOKEN.sub("(csrf)", response.get_data(as_text=True))
    for part in path.split("?"):
        body = body.replace(part, "(adres)")
    return response.status_code, response.headers.get("Location"), body


@pytest.mark.parametrize("who", ["other_staff", "other_coach"])
@pytest.mark.parametrize(("method", "template"), PAGES)
def test_a_hidden_draft_answers_like_a_missing_practice(client, cast, draft, db, who, method, template):
    login(client, getattr(cast, who))
    token = csrf_token_from(client, "/account")
    practice_id, result_id = draft

    hidden = _answer(client, method, template.format(p=practice_id, r=result_id), token)
    missing = _answer(client, method, template.format(p=MAX_ID, r=MAX_ID), token)
    missing_result = _answer(client, method, template.format(p=practice_id, r=MAX_ID), token)

    assert hidden[0] == 404
    assert hidden == missing == missing_result
    db.session.expire_all()
    practice = db.session.get(Practice, practice_id)
    assert (practice.title, practice.status, len(practice.results)) == ("Geheim concept", Status.DRAFT, 1)


def test_the_404_of_a_hidden_draft_names_nothing_of_it(client, cast, draft):
    login(client, cast.other_staff)
    body = client.get(f"/praktijken/{draft[0]}/bewerken").get_data(as_text=True)
    assert "Geheim concept" not in body and "Aantal thuiszitters" not in body


def test_a_published_practice_of_another_region_is_still_refused_with_403(client, cast, make_practice):
    practice = make_practice("Openbaar", publish=True)
    login(client, cast.other_staff)
    token = csrf_token_from(client, "/account")
    assert client.get(f"/praktijken/{practice.id}/bewerken").status_code == 403
    assert client.post(f"/praktijken/{practice.id}/archiveren", data={"csrf_token": token}).status_code == 403


def test_the_regions_own_staff_and_its_coach_still_reach_the_draft(client, cast, draft):
    login(client, cast.staff)
    assert client.get(f"/praktijken/{draft[0]}/bewerken").status_code == 200
    login(client, cast.coach)
    assert client.get(f"/praktijken/{draft[0]}").status_code == 200
    assert client.get(f"/praktijken/{draft[0]}/bewerken").status_code == 403
