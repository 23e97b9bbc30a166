"""GET /api/v1/search: the page's parameters, JSON out, 400 JSON for bad parameters (never 500)."""

from __future__ import annotations

import pytest


def test_search_api_returns_results_facets_and_paging(world, make_practice, client):
    make_practice("Thuiszitters in de wijk", body="Elke **thuiszitter** een plek.")
    make_practice("Thuiszitters concept", status="draft")

    response = client.get(f"/api/v1/search?q=thuiszitters&regio={world.region.slug}")

    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 1
    assert data["page"] == 1
    assert data["suggestion"] is None
    result = data["results"][0]
    assert set(result) >= {"id", "type", "title", "region", "themes", "phase", "url", "snippet"}
    assert result["type"] == "practice"
    assert result["title"] == "Thuiszitters in de wijk"
    assert result["region"] == {"slug": world.region.slug, "name": world.region.display_name}
    assert result["themes"] == [{"slug": world.theme.slug, "name": world.theme.name}]
    assert result["url"].endswith(f"/praktijken/{result['id']}")
    assert "<mark" in result["snippet"]
    assert {
        "value": world.region.slug,
        "label": world.region.display_name,
        "count": 1,
        "selected": True,
    } in data["facets"]["regio"]
    assert set(data["facets"]) == {
        "soort",
        "regio",
        "provincie",
        "thema",
        "actielijn",
        "fase",
        "jaar",
        "leeftijd",
        "onderbouwing",
        "participatie",
    }


def test_search_api_never_shows_drafts_even_to_signed_in_staff(world, make_practice, people, client):
    from tests.web import login

    make_practice("Thuiszitters concept", status="draft")
    make_practice("Thuiszitters gepubliceerd")
    login(client, people["staff"])

    results = client.get("/api/v1/search?q=thuiszitters").get_json()["results"]
    # The published one is found, so an empty answer (a broken search) cannot pass for "no drafts".
    titles = [r["title"] for r in results]
    assert "Thuiszitters gepubliceerd" in titles
    assert "Thuiszitters concept" not in titles


def test_search_api_offers_a_suggestion(world, make_practice, client):
    make_practice("Thuiszitters in de wijk")

    data = client.get("/api/v1/search?q=thuiszittrs").get_json()

    assert data["total"] == 0
    assert data["suggestion"] == "thuiszitters"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("pagina=0", "pagina"),
        ("pagina=abc", "pagina"),
        ("pagina=101", "pagina"),
        ("per_pagina=51", "per_pagina"),
        ("per_page=-3", "per_pagina"),
        ("sort=titel", "sort"),
        ("regio=atlantis", "regio"),
        ("thema=onbekend", "thema"),
        ("fase=9", "fase"),
        ("actielijn=99", "actielijn"),
        ("soort=film", "soort"),
        ("jaar=20x4", "jaar"),
        ("jaar=1066", "jaar"),
        ("&".join(f"thema=t{i}" for i in range(30)), "thema"),
    ],
)
def test_search_api_answers_bad_parameters_with_400_json(world, client, query, parameter):
    response = client.get(f"/api/v1/search?q=jeugdhulp&{query}")

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_search_parameter"
    assert error["details"]["parameter"] == parameter
    assert error["message"]["nl"] and error["message"]["en"]


def test_search_api_pages(world, make_practice, client):
    for i in range(7):
        make_practice(f"Wijkteam {i}")

    data = client.get("/api/v1/search?q=wijkteam&soort=praktijk&per_pagina=3&pagina=3").get_json()

    assert data["pages"] == 3
    assert len(data["results"]) == 1
