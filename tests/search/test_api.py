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


def test_search_api_runs_the_correction(world, make_practice, client):
    make_practice("Thuiszitters in de wijk")

    data = client.get("/api/v1/search?q=thuiszittrs&letterlijk=1").get_json()

    assert data["total"] == 0
    assert data["corrected_from"] is None

    data = client.get("/api/v1/search?q=thuiszittrs").get_json()

    assert data["total"] == 1
    assert data["query"] == "thuiszitters"
    assert data["corrected_from"] == "thuiszittrs"


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


def _with_results(world, make_practice, db, title, indicators):
    from datetime import date
    from decimal import Decimal

    from exchange.policy import SYSTEM
    from exchange.practices import services

    practice = make_practice(title)
    for indicator in indicators:
        services.add_result(
            SYSTEM,
            practice,
            services.ResultData(
                indicator=indicator, value=Decimal(1), measured_on=date(2024, 5, 1), phase=world.phases[3]
            ),
        )
    db.session.commit()
    return practice


def test_search_api_groups_measurements_per_practice_unless_asked_apart(world, make_practice, client, db):
    _with_results(world, make_practice, db, "Wachtlijst in beeld", ["Wachtlijst mei", "Wachtlijst juni"])

    grouped = client.get("/api/v1/search?q=wachtlijst").get_json()

    assert grouped["measurements"] == "gegroepeerd"
    assert [(r["type"], r["title"]) for r in grouped["results"]] == [("practice", "Wachtlijst in beeld")]
    assert grouped["total"] == 1
    assert grouped["results"][0]["matching_results"] == 2
    best = grouped["results"][0]["best_result"]
    assert best["title"].startswith("Wachtlijst ") and best["url"].startswith("http")
    assert {r["type"] for r in grouped["related"]} <= {"theme", "region"}

    apart = client.get("/api/v1/search?q=wachtlijst&metingen=apart&soort=praktijk&soort=resultaat").get_json()

    assert apart["measurements"] == "apart"
    assert apart["total"] == 3
    assert sorted(r["type"] for r in apart["results"]) == ["practice", "result", "result"]
    assert apart["related"] == []
    assert all(r["matching_results"] == 0 and r["best_result"] is None for r in apart["results"])


def test_search_api_refuses_a_bad_measurements_value(world, client):
    response = client.get("/api/v1/search?q=wachtlijst&metingen=los")

    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"parameter": "metingen"}
    response = client.get("/api/v1/search?q=wachtlijst&letterlijk=ja")
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"parameter": "letterlijk"}


def test_the_openapi_document_describes_the_measurements_parameter(world, client):
    document = client.get("/api/v1/openapi.json").get_json()

    parameters = {p["name"]: p for p in document["paths"]["/search"]["get"]["parameters"]}
    assert parameters["metingen"]["schema"]["enum"] == ["gegroepeerd", "apart"]
    assert parameters["metingen"]["schema"]["default"] == "gegroepeerd"
    assert "apart" in parameters["metingen"]["description"]
    assert parameters["letterlijk"]["schema"]["enum"] == ["1"]
    response = document["components"]["schemas"]["SearchResponse"]["properties"]
    assert {"measurements", "related", "corrected_from"} <= set(response)
