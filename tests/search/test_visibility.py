"""Visibility is part of the search: counts, facets and pages only ever contain what the searcher may see."""

from __future__ import annotations

import pytest

from exchange.policy import SYSTEM
from tests.search.conftest import titles
from tests.web import login

# Who finds the draft of a practice in the world's region on the world's theme (as practices.queries rules).
DRAFT_FINDERS = {
    "anonymous": False,
    "staff": True,
    "other_staff": False,
    "coach": True,
    "coach_all": True,
    "coach_other_theme": False,
    "other_coach": False,
    "admin": True,
}


@pytest.mark.parametrize(("who", "finds"), sorted(DRAFT_FINDERS.items()))
def test_drafts_are_found_by_exactly_those_who_may_view_them(
    world, make_practice, people, search, who, finds
):
    make_practice("Thuiszitters concept", status="draft")
    make_practice("Thuiszitters gepubliceerd")

    outcome = search("thuiszitters", user=people[who])

    expected = {"Thuiszitters gepubliceerd"} | ({"Thuiszitters concept"} if finds else set())
    assert set(titles(outcome)) == expected
    assert outcome.total == len(expected)
    assert {v.value: v.count for v in next(f for f in outcome.facets if f.param == "soort").values}[
        "praktijk"
    ] == len(expected)


def test_search_visibility_matches_the_practice_pages(world, make_practice, people, search, app):
    """The same answer as practices.queries.visible_clause for every person."""
    from sqlalchemy import select

    from exchange.extensions import db
    from exchange.practices.models import Practice, Status
    from exchange.practices.queries import visible_clause

    make_practice("Wijkaanpak een", status="draft")
    make_practice("Wijkaanpak twee", status="draft", themes=[world.other_theme])
    make_practice("Wijkaanpak drie", status="draft", region=world.other_region)
    make_practice("Wijkaanpak vier")
    for who, user in people.items():
        with app.test_request_context():
            expected = set(
                db.session.scalars(
                    select(Practice.title).where(visible_clause(user), Practice.status != Status.ARCHIVED)
                )
            )
        assert set(titles(search("wijkaanpak", user=user))) == expected, who


def test_archived_practices_are_never_found(world, make_practice, people, search):
    make_practice("Thuiszitters gearchiveerd", status="archived")

    for user in people.values():
        assert search("thuiszitters", user=user).total == 0


def test_results_of_drafts_are_hidden_like_their_practice(world, make_practice, people, search, db):
    from datetime import date
    from decimal import Decimal

    from exchange.practices import services

    practice = make_practice("Een concept", status="draft")
    services.add_result(
        SYSTEM,
        practice,
        services.ResultData(
            indicator="Aantal thuiszitters",
            value=Decimal(12),
            measured_on=date(2024, 1, 1),
            phase=world.phases[0],
        ),
    )
    db.session.commit()

    assert search("thuiszitters", soort="resultaat").total == 0
    assert titles(search("thuiszitters", user=people["staff"], soort="resultaat")) == ["Aantal thuiszitters"]


def test_a_draft_is_marked_on_the_search_page(world, make_practice, people, client):
    make_practice("Thuiszitters concept", status="draft")
    login(client, people["staff"])

    body = client.get("/zoeken?q=thuiszitters").get_data(as_text=True)

    assert "Thuiszitters" in body
    assert "concept — niet openbaar" in body


def test_visitors_see_no_draft_even_with_a_status_prefix(world, make_practice, client):
    make_practice("Geheim concept", status="draft")

    body = client.get("/zoeken", query_string={"q": "status:draft geheim"}).get_data(as_text=True)

    assert "Geheim concept" not in body


def test_unpublishing_removes_a_practice_from_search_at_once(world, make_practice, search, db):
    from exchange.practices import services

    practice = make_practice("Thuiszitters weg")
    assert search("thuiszitters").total == 1

    services.archive_practice(SYSTEM, practice)
    db.session.commit()

    assert search("thuiszitters").total == 0
