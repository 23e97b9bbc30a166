"""The OpenAPI 3.1 document: valid, complete (every /api/v1 route), exact (real answers match its schemas), and
the human-readable page generated from it."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from exchange.api.openapi.parameters import PARAMETERS, documented_parameters
from exchange.api.practices import LIST_PARAMETERS, RESULT_PARAMETERS
from tests.world.public import build_world


@pytest.fixture
def world(reference):
    return build_world(reference)


@pytest.fixture
def document(client, reference):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.json


def openapi_path(rule: str) -> str:
    """'/api/v1/practices/<int(max=2147483647):practice_id>' -> '/practices/{practice_id}'."""
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
    return path.removeprefix("/api/v1")


def test_document_is_valid_openapi_3_1(document):
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["openapi"] == "3.1.0"


def test_every_api_route_is_in_the_document(app, document):
    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes, "no /api/v1 routes found"
    missing = routes - documented
    assert not missing, f"routes missing from the OpenAPI document: {sorted(missing)}"
    stale = documented - routes
    assert not stale, f"documented but not routed: {sorted(stale)}"


def test_every_api_endpoint_has_a_parameter_list(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    assert endpoints == set(PARAMETERS)


def test_documented_parameters_are_the_ones_the_endpoints_check():
    assert documented_parameters("api.practices")[0] == LIST_PARAMETERS
    assert documented_parameters("api.results")[0] == RESULT_PARAMETERS


def test_objects_allow_no_undocumented_fields(document):
    def walk(schema, where):
        if isinstance(schema, dict):
            if schema.get("type") == "object" and "properties" in schema:
                assert schema.get("additionalProperties") is False, where
                assert set(schema["required"]) <= set(schema["properties"]), where
            for key, value in schema.items():
                walk(value, f"{where}/{key}")
        elif isinstance(schema, list):
            for i, value in enumerate(schema):
                walk(value, f"{where}/{i}")

    walk(document["components"]["schemas"], "#/components/schemas")


def test_allowed_values_come_from_the_reference_data(document):
    params = {p["name"]: p for p in document["paths"]["/practices"]["get"]["parameters"]}
    assert {"JZ01", "JZ42", "zeeland"} <= set(params["region"]["schema"]["enum"])
    assert "onderwijs-zorg" in params["theme"]["schema"]["enum"]
    assert params["action_line"]["schema"]["enum"] == [1, 2, 3, 4, 5, 6]
    search = {p["name"]: p for p in document["paths"]["/search"]["get"]["parameters"]}
    assert search["regio"]["schema"]["items"]["enum"][:1] and search["regio"]["explode"] is True
    assert set(search["soort"]["schema"]["items"]["enum"]) == {
        "praktijk",
        "resultaat",
        "document",
        "thema",
        "regio",
    }


def _validator(document, name):
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    schema = {"$ref": f"urn:api#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_real_answers_match_their_schemas(client, document, world, make_user):
    make_user("functionary", themes=["onderwijs-zorg"], name="Fleur Functionaris")
    practice = world.ids["ext-1"]
    answers = {
        "/api/v1/regions": "RegionList",
        "/api/v1/regions/rotterdam-rijnmond": "RegionDetail",
        "/api/v1/action-lines": "ActionLineList",
        "/api/v1/themes": "ThemeList",
        "/api/v1/cycle-phases": "CyclePhaseList",
        "/api/v1/practices?per_page=2": "PracticePage",
        f"/api/v1/practices/{practice}": "PracticeDetail",
        "/api/v1/results?per_page=3": "ResultPage",
        "/api/v1/search?q=thuiszitter": "SearchResponse",
        "/api/v1/search?q=zeeland&soort=regio": "SearchResponse",
        "/api/v1/practices?per_page=0": "Error",
        "/api/v1/nothing": "Error",
    }
    for url, name in answers.items():
        body = client.get(url).json
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in _validator(document, name).iter_errors(body)
        ]
        assert not errors, f"{url} does not match {name}: {errors[:5]}"


def test_document_answers_are_cacheable_and_cross_origin(client, document):
    response = client.get("/api/v1/openapi.json")
    assert response.headers["ETag"] and response.headers["Access-Control-Allow-Origin"] == "*"


def test_api_page_is_generated_from_the_document(client, document):
    response = client.get("/api")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for path in document["paths"]:
        assert f"GET {document['servers'][0]['url']}{path}" in html
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "updated_since" in html and "Retry-After" in html
    # Strict CSP: no inline scripts or styles, nothing from elsewhere.
    assert "<script" not in html and "style=" not in html and "<style" not in html
    # Nothing is loaded from elsewhere (the canonical and language links name the page itself under EXTERNAL_URL).
    loaded = re.sub(r'<link rel="(?:canonical|alternate)"[^>]*>', "", html)
    assert not re.search(r'(src|href)="https?://(?!localhost)', loaded)


def test_footer_links_to_the_api_page(client, reference):
    assert 'href="/api"' in client.get("/").get_data(as_text=True)
