"""Any id in a URL or a query, however large or malformed, answers 404 or 400, never a 500, on both databases."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from werkzeug.routing import IntegerConverter

from exchange.routing import MAX_ID, PAGE, IdConverter, whole_number
from tests.web import csrf_token_from, login

BAD_IDS = ["0", "-1", str(MAX_ID), str(2**31), str(2**63), str(10**30), "abc", "٣", "1" * 5000]
_ARGUMENT = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?(\w+)>")


def test_the_int_converter_of_every_rule_is_the_bounded_one(app):
    rules = [r for r in app.url_map.iter_rules() if r.arguments & set(_int_arguments(r))]
    assert len(rules) > 30
    for rule in rules:
        for name in _int_arguments(rule):
            converter = rule._converters[name]
            assert isinstance(converter, IdConverter), rule.rule
            assert converter.max <= MAX_ID, rule.rule


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("٣", None),  # int() reads it as 3
        ("", None),
        (None, None),
        ("1" * 5000, None),
    ],
)
def test_whole_number_accepts_ascii_digits_within_the_range_only(raw, expected):
    assert whole_number(raw) == expected


def test_a_page_number_outside_the_range_reads_as_the_default(app):
    with app.test_request_context("/?pagina=10001&b=3&c=abc"):
        from flask import request

        assert request.args.get("pagina", 1, type=PAGE) == 1
        assert request.args.get("b", 1, type=PAGE) == 3
        assert request.args.get("c", 1, type=PAGE) == 1


def _int_arguments(rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]


@pytest.fixture
def world(app, db, cast, make_practice):
    """One of everything an id in a URL can point at, so each id can be spoiled while the others are real."""
    from exchange.accounts.models import CoachingAssignment
    from exchange.digests.models import Frequency, Subscriber, Subscription
    from exchange.digests.tokens import manage_token
    from exchange.practices import services
    from exchange.reference.models import FundAllocation
    from exchange.search.models import SearchSynonym

    practice = make_practice("Thuiszitterstafel", publish=True)
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
    subscriber = Subscriber(email="lezer@example.org", frequency=Frequency.WEEKLY)
    subscriber.subscriptions.append(Subscription(theme=cast.theme))
    db.session.add(subscriber)
    from exchange.documents import services as document_services
    from tests.documents import files as document_files

    document = document_services.add_document(
        cast.staff,
        practice,
        document_services.DocumentData("Evaluatie", "evaluatie", date(2024, 1, 1)),
        "evaluatie.pdf",
        document_files.pdf("Evaluatie"),
    )
    db.session.commit()
    # As a deployment does (`flask search reindex` once): search pages answer 503 without an index.
    from exchange.search import outbox
    from exchange.search.queries import current_index

    current_index().ensure()
    outbox.apply_pending()
    assignment = db.session.scalars(db.select(CoachingAssignment)).first()
    allocation = db.session.scalars(db.select(FundAllocation)).first()
    synonym = db.session.scalars(db.select(SearchSynonym)).first()
    real = {
        "practice_id": practice.id,
        "result_id": result.id,
        "document_id": document.id,
        "user_id": cast.coach.id,
        "assignment_id": assignment.id,
        "region_id": cast.region.id,
        "allocation_id": allocation.id if allocation else 1,
        "theme_id": cast.theme.id,
        "phase_id": cast.phases[0].id,
        "subscription_id": subscriber.subscriptions[0].id,
        "subscriber_id": subscriber.id,
        "synonym_id": synonym.id if synonym else 1,
        "number": 1,
    }
    with app.test_request_context():
        real["token"] = manage_token(subscriber.key)
    return real


def _path(rule, values: dict) -> str:
    return _ARGUMENT.sub(lambda m: str(values[m.group(2)]), rule.rule)


def test_no_id_in_any_url_gives_a_server_error(app, client, cast, world):
    """Every rule with an int converter, every spoiled value, GET and POST (with a CSRF token), as an admin."""
    login(client, cast.admin)
    token = csrf_token_from(client, "/abonnementen")
    failures, checked = [], 0
    for rule in app.url_map.iter_rules():
        for name in _int_arguments(rule):
            for bad in BAD_IDS:
                path = _path(rule, {**world, name: bad})
                for method in sorted(rule.methods & {"GET", "POST"}):
                    if method == "GET":
                        response = client.get(path)
                    else:
                        response = client.post(path, data={"csrf_token": token})
                    checked += 1
                    expected = _expected(rule.endpoint, bad)
                    if response.status_code != expected:
                        failures.append((method, path[:120], response.status_code, expected))
    assert checked > 300
    assert failures == []


def _expected(endpoint: str, bad: str) -> int:
    # Leaving a theme that is not (or no longer) the subscriber's says so kindly and goes back to the page.
    if endpoint == "digests.leave_theme" and bad in ("0", str(MAX_ID)):
        return 302
    return 404


QUERIES = [
    "/praktijken?pagina={}",
    "/regios/rotterdam-rijnmond?fase=uitvoeren&pagina={}",
    "/themas/onderwijs-zorg?actielijn={}",
    "/themas/onderwijs-zorg?fase=uitvoeren&pagina={}",
    "/beheer/mensen?pagina={}",
    "/beheer/mensen?regio={}",
    "/beheer/logboek?pagina={}",
    "/werkruimte?concepten={}&mail={}",
    "/werkruimte/resultaat?praktijk={}",
    "/zoeken?q=thuis&pagina={}",
    "/zoeken?q=thuis&per_pagina={}",
    "/kaarten/actielijn.svg?actielijn={}",
    "/api/v1/practices?page={}",
    "/api/v1/practices?per_page={}",
    "/api/v1/practices?practice={}",
    "/api/v1/practices?action_line={}",
    "/api/v1/results?practice={}",
    "/api/v1/search?q=thuis&page={}",
    "/api/v1/search?q=thuis&page=1&pagina={}",
]


@pytest.mark.parametrize("template", QUERIES)
def test_no_number_in_a_query_gives_a_server_error(client, cast, world, template):
    login(client, cast.admin)
    answers = {}
    for bad in [*BAD_IDS, "²", " 1", "1e3", "0x10"]:
        response = client.get(template.replace("{}", bad))
        answers[bad[:20]] = response.status_code
    assert all(status < 500 for status in answers.values()), answers


def test_the_api_answers_400_for_a_number_it_cannot_use(client, world):
    for bad in ["0", "-1", "²", "٣", str(10**30), "abc"]:
        response = client.get(f"/api/v1/practices?page={bad}")
        assert response.status_code == 400, bad
        assert list(response.get_json()["error"]["details"]["parameters"]) == ["page"], bad


def test_the_people_list_ignores_a_region_id_it_cannot_use(client, cast, world):
    login(client, cast.admin)
    for bad in ["²", str(2**63), "-1"]:
        response = client.get(f"/beheer/mensen?regio={bad}")
        assert response.status_code == 200, bad
        assert cast.coach.email in response.get_data(as_text=True), bad


def test_a_revision_number_no_int_reads_is_a_form_error_not_a_500(client, cast, world, csrf):
    login(client, cast.staff)
    path = f"/praktijken/{world['practice_id']}/bewerken"
    response = client.post(path, data={"csrf_token": csrf(path), "title": "Nieuw", "revision": "²"})
    assert response.status_code == 422
    assert "Het formulier is gewijzigd. Laad de pagina opnieuw." in response.get_data(as_text=True)
