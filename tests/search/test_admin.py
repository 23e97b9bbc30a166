"""Administrators maintain the synonym list and see which searches found nothing; nobody else may."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.search.models import SearchMiss, SearchSynonym
from tests.conftest import csrf_token_from
from tests.web import csrf_token_from, login

# A usable group that is not shipped, so an accepted post would store it.
NEW_GROUP = "hgw, handelingsgericht werken"


def token(client, path="/beheer/zoeken"):
    return csrf_token_from(client, path)


@pytest.mark.parametrize("who", ["staff", "coach", "other_staff"])
def test_only_administrators_open_the_search_administration(world, people, client, db, who):
    login(client, people[who])
    # A valid token (from the user's own account page), so only the authorisation can refuse the post.
    valid = csrf_token_from(client, "/account")

    assert client.get("/beheer/zoeken").status_code == 403
    response = client.post("/beheer/zoeken/synoniemen", data={"csrf_token": valid, "terms": NEW_GROUP})
    assert response.status_code == 403
    assert db.session.scalar(select(SearchSynonym).where(SearchSynonym.terms == NEW_GROUP)) is None


def test_a_post_without_csrf_token_is_refused(world, people, client, db):
    login(client, people["admin"])

    response = client.post("/beheer/zoeken/synoniemen", data={"terms": NEW_GROUP})

    assert response.status_code == 400
    assert db.session.scalar(select(SearchSynonym).where(SearchSynonym.terms == NEW_GROUP)) is None


def test_visitors_are_sent_to_sign_in(world, client):
    response = client.get("/beheer/zoeken")

    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_administrator_adds_edits_and_deletes_a_synonym_group(world, people, client, db, make_practice):
    login(client, people["admin"])
    make_practice("Handelingsgericht werken op school")

    response = client.post(
        "/beheer/zoeken/synoniemen",
        data={"csrf_token": token(client), "terms": "HGW,  handelingsgericht werken ", "note": "Onderwijs"},
    )
    assert response.status_code == 302
    synonym = db.session.scalar(
        select(SearchSynonym).where(SearchSynonym.terms == "hgw, handelingsgericht werken")
    )
    assert synonym is not None
    assert client.get("/api/v1/search?q=hgw").get_json()["total"] == 1

    edit = f"/beheer/zoeken/synoniemen/{synonym.id}/bewerken"
    response = client.post(
        edit, data={"csrf_token": token(client, edit), "terms": "hgw, handelingsgericht", "note": ""}
    )
    assert response.status_code == 302

    response = client.post(
        f"/beheer/zoeken/synoniemen/{synonym.id}/verwijderen", data={"csrf_token": token(client)}
    )
    assert response.status_code == 302
    assert db.session.get(SearchSynonym, synonym.id) is None
    assert client.get("/api/v1/search?q=hgw").get_json()["total"] == 0


@pytest.mark.parametrize("terms", ["alleen", "de, het", "a" * 70 + ", b", "<script>, x"])
def test_unusable_synonym_groups_are_refused(world, people, client, terms):
    login(client, people["admin"])

    response = client.post("/beheer/zoeken/synoniemen", data={"csrf_token": token(client), "terms": terms})

    assert response.status_code == 422


def test_a_duplicate_group_is_a_conflict(world, people, client):
    login(client, people["admin"])

    response = client.post(
        "/beheer/zoeken/synoniemen", data={"csrf_token": token(client), "terms": "jeugdhulp, jeugdzorg"}
    )

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Deze groep synoniemen bestaat al." in page
    assert 'value="jeugdhulp, jeugdzorg"' in page  # the typed terms stay on the form


def test_searches_that_found_nothing_are_counted_without_personal_data(
    world, people, client, db, make_practice
):
    make_practice("Snel de juiste jeugdhulp")
    client.get("/zoeken?q=Zwaluwnest+Kraanvogel")
    client.get("/zoeken?q=zwaluwnest   kraanvogel")
    client.get("/zoeken?q=piet@example.org+0612345678+robotzorg")
    client.get("/zoeken?q=jeugdhulp")  # found a practice
    client.get("/zoeken?q=onbekendwoord&regio=" + world.region.slug)  # filtered: not a signal

    misses = {m.query: m.count for m in db.session.scalars(select(SearchMiss))}

    assert misses == {"zwaluwnest kraanvogel": 2, "robotzorg": 1}
    assert {c.name for c in SearchMiss.__table__.columns} == {
        "id",
        "query",
        "count",
        "first_seen",
        "last_seen",
    }

    login(client, people["admin"])
    page = client.get("/beheer/zoeken").get_data(as_text=True)
    assert "zwaluwnest kraanvogel" in page and "robotzorg" in page

    client.post("/beheer/zoeken/zonder-resultaat/wissen", data={"csrf_token": token(client)})
    assert db.session.scalar(select(SearchMiss)) is None
