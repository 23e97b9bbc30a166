"""The practice profile in the JSON API and its OpenAPI document (issue 17)."""

from __future__ import annotations

import pytest

from exchange.extensions import db as _db
from exchange.practices import transfer
from exchange.practices.models import Practice
from tests.api.test_openapi import _validator
from tests.practices.test_importer import document, item
from tests.practices.test_profile_transfer import PROFILE


@pytest.fixture
def ids(reference):
    doc = {**document(item(1, profile=PROFILE), item(2, profile={})), "version": 2}
    with reference.app_context():
        transfer.import_practices(doc)
        _db.session.commit()
        return dict(_db.session.execute(_db.select(Practice.external_id, Practice.id)).all())


def test_practice_detail_carries_the_profile_with_labels(client, ids):
    body = client.get(f"/api/v1/practices/{ids['ext-1']}").json

    assert body["profile"] == {
        "age_from": 12,
        "age_to": 23,
        "partners": [
            {"name": "Gemeente Rotterdam", "kind": "gemeente"},
            {"name": "Het Lyceum", "kind": "school"},
        ],
        "participation": {
            "level": {"value": "mede-eigenaar", "label": "Mede-eigenaar"},
            "note": "Jongeren beslissen mee.",
        },
        "evidence": {
            "level": {"value": "eerste-aanwijzingen", "label": "Effectief volgens eerste aanwijzingen"},
            "url": "https://databank.example.org/interventie/7",
            "year": 2021,
        },
        "costs": {"indication": "€ 800 per traject", "fund_used": True, "fund_amount_eur": 50_000},
    }


def test_list_items_carry_the_profile_and_an_empty_one_is_nulls(client, ids):
    items = {p["id"]: p for p in client.get("/api/v1/practices").json["items"]}

    assert items[ids["ext-1"]]["profile"]["age_from"] == 12
    empty = items[ids["ext-2"]]["profile"]
    assert empty["age_from"] is None and empty["partners"] == []
    assert empty["evidence"] == {"level": None, "url": None, "year": None}
    assert empty["costs"] == {"indication": "", "fund_used": None, "fund_amount_eur": None}


def test_profile_answers_match_the_openapi_schemas(client, ids):
    document = client.get("/api/v1/openapi.json").json
    assert "PracticeProfile" in document["components"]["schemas"]
    answers = {
        f"/api/v1/practices/{ids['ext-1']}": "PracticeDetail",
        f"/api/v1/practices/{ids['ext-2']}": "PracticeDetail",
        "/api/v1/practices": "PracticePage",
    }
    for url, name in answers.items():
        body = client.get(url).json
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in _validator(document, name).iter_errors(body)
        ]
        assert not errors, f"{url} does not match {name}: {errors[:5]}"


def test_search_parameters_for_the_profile_are_documented(client, reference):
    document = client.get("/api/v1/openapi.json").json
    params = {p["name"]: p for p in document["paths"]["/search"]["get"]["parameters"]}

    assert params["leeftijd"]["schema"]["items"]["pattern"] == "^[0-9]{1,2}-[0-9]{1,2}$"
    assert params["onderbouwing"]["schema"]["items"]["enum"] == sorted(
        [
            "niet-beoordeeld",
            "goed-beschreven",
            "goed-onderbouwd",
            "eerste-aanwijzingen",
            "goede-aanwijzingen",
            "sterke-aanwijzingen",
        ]
    )
    assert "mede-eigenaar" in params["participatie"]["schema"]["items"]["enum"]
