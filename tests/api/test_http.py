"""The HTTP contract of /api/v1: 400s for bad input (never 500), ETag/Last-Modified/304, CORS, the rate limit,
and the endpoints added for open data (results, updated_since, theme contacts)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from exchange.api.http import parse_instant
from exchange.extensions import db as _db
from exchange.practices import transfer
from tests.practices.test_importer import document, item
from tests.world.public import build_world

LISTS = [
    "/api/v1/regions",
    "/api/v1/action-lines",
    "/api/v1/themes",
    "/api/v1/cycle-phases",
    "/api/v1/practices",
    "/api/v1/results",
    "/api/v1/search?q=thuiszitter",
    "/api/v1/openapi.json",
]


@pytest.fixture
def world(reference):
    return build_world(reference)


def import_doc(app, *items):
    with app.app_context():
        transfer.import_practices(document(*items))
        _db.session.commit()


def settle() -> None:
    """Let the current second pass: Last-Modified is only sent for data older than the current second."""
    time.sleep(1.05)


# --- bad input ------------------------------------------------------------------------------------------------

BAD_REQUESTS = [
    # unknown parameters, on every endpoint
    ("/api/v1/regions?sort=name", "sort"),
    ("/api/v1/regions/zeeland?fields=code", "fields"),
    ("/api/v1/action-lines?x=1", "x"),
    ("/api/v1/themes?lang=en", "lang"),
    ("/api/v1/cycle-phases?page=1", "page"),
    ("/api/v1/practices?sort=title", "sort"),
    ("/api/v1/practices/{id}?full=1", "full"),
    ("/api/v1/results?indicator=x", "indicator"),
    ("/api/v1/search?q=x&foo=bar", "foo"),
    ("/api/v1/openapi.json?format=yaml", "format"),
    # repeated where one value is meant
    ("/api/v1/practices?page=1&page=2", "page"),
    ("/api/v1/search?q=a&q=b", "q"),
    ("/api/v1/search?regio=zeeland&regio=zeeland", "regio"),
    ("/api/v1/search?per_pagina=7&per_page=abc", "per_page"),  # an alias next to its name is checked too
    ("/api/v1/search?pagina=2&page=0", "page"),
    # empty values (only the search text may be empty)
    ("/api/v1/search?soort=", "soort"),
    ("/api/v1/search?q=x&sort=", "sort"),
    ("/api/v1/practices?theme=", "theme"),
    # wrong types
    ("/api/v1/practices?page=abc", "page"),
    ("/api/v1/practices?per_page=2.5", "per_page"),
    ("/api/v1/practices?action_line=een", "action_line"),
    ("/api/v1/results?practice=abc", "practice"),
    ("/api/v1/results?measured_from=2024-13-01", "measured_from"),
    ("/api/v1/results?measured_to=gisteren", "measured_to"),
    # out of range and huge
    ("/api/v1/practices?page=0", "page"),
    ("/api/v1/practices?page=999", "page"),
    ("/api/v1/results?page=999", "page"),
    ("/api/v1/practices?page=99999999999999999999999", "page"),
    ("/api/v1/practices?per_page=101", "per_page"),
    ("/api/v1/results?per_page=1000000000000", "per_page"),
    ("/api/v1/search?pagina=101", "pagina"),
    ("/api/v1/search?per_pagina=51", "per_pagina"),
    # malformed updated_since
    ("/api/v1/practices?updated_since=gisteren", "updated_since"),
    ("/api/v1/practices?updated_since=2024-01-01", "updated_since"),
    ("/api/v1/practices?updated_since=2024-01-01T00:00:00", "updated_since"),
    ("/api/v1/practices?updated_since=2024-02-30T00:00:00Z", "updated_since"),
    ("/api/v1/practices?updated_since=2024-01-01T00:00:00+01:00", "updated_since"),  # + not encoded: a space
    ("/api/v1/practices?updated_since=2024-01-01T00:00:00%2B25:00", "updated_since"),
    ("/api/v1/practices?updated_since=" + "9" * 200, "updated_since"),
]


@pytest.mark.parametrize(("url", "parameter"), BAD_REQUESTS)
def test_bad_input_is_a_json_400_naming_the_parameter(client, reference, url, parameter):
    # Parameters are checked before anything is looked up, so an empty database will do (and is quick).
    response = client.get(url.format(id=1))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.json["error"]
    assert error["status"] == 400 and error["code"] in {"invalid_parameter", "bad_search_parameter"}
    assert (
        error["message"]["nl"] and error["message"]["en"] and error["message"]["nl"] != error["message"]["en"]
    )
    named = error["details"].get("parameters", {error["details"].get("parameter"): None})
    assert parameter in named


def test_with_both_names_the_dutch_one_wins(client, reference, runner):
    # Search needs a built index (without one it answers 503, issue 13).
    assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0
    data = client.get("/api/v1/search?pagina=1&page=2&per_pagina=2&per_page=3").json
    assert (data["page"], data["per_page"]) == (1, 2)


def test_a_missing_timezone_is_explained(client, reference):
    error = client.get("/api/v1/practices?updated_since=2024-01-01T00:00:00").json["error"]
    assert "tijdzone" in error["details"]["parameters"]["updated_since"]["nl"]
    assert "time zone" in error["details"]["parameters"]["updated_since"]["en"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T00:00:00Z", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01t02:00:00+02:00", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T00:00:00.123456789z", datetime(2024, 5, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("0000-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", datetime.min.replace(tzinfo=UTC)),
        ("9999-12-31T23:59:59-01:00", datetime.max.replace(tzinfo=UTC)),
        ("2024-05-01T02:00+02:00", datetime(2024, 5, 1, tzinfo=UTC)),  # ISO 8601 without seconds
    ],
)
def test_every_rfc3339_instant_is_read(text, expected):
    assert parse_instant(text) == expected


# --- filters and the endpoints added for open data --------------------------------------------------------------


def test_updated_since_keeps_practices_updated_at_or_after_the_instant(client, reference):
    import_doc(
        reference,
        item(1, updated="2020-05-01"),
        item(2, updated="2022-03-01"),
        item(3, updated="2023-01-15"),
        item(4, updated="2023-06-01", status="draft", published=None),
    )

    def titles(since):
        response = client.get(f"/api/v1/practices?updated_since={since}")
        assert response.status_code == 200
        return sorted(p["title"] for p in response.json["items"])

    assert titles("2022-03-01T00:00:00Z") == ["Thuiszitterstafel 2", "Thuiszitterstafel 3"]
    assert titles("2022-03-01T01:00:00%2B01:00") == ["Thuiszitterstafel 2", "Thuiszitterstafel 3"]
    assert titles("2022-03-01T00:00:01Z") == ["Thuiszitterstafel 3"]
    assert titles("2030-01-01T00:00:00Z") == []


def test_results_list_only_results_of_published_practices(client, world):
    response = client.get("/api/v1/results")
    assert response.status_code == 200
    data = response.json
    practice_ids = {r["practice"]["id"] for r in data["items"]}
    assert practice_ids == set(world.published)
    assert data["total"] == 6 and data["pages"] == 1
    dates = [r["measured_on"] for r in data["items"]]
    assert dates == sorted(dates, reverse=True)
    first = data["items"][0]
    assert first["practice"]["api_url"].endswith(f"/api/v1/practices/{first['practice']['id']}")
    assert set(first["phase"]) == {"slug", "position", "name"}


@pytest.mark.parametrize(
    ("query", "practices"),
    [
        ("region=zeeland", ["ext-2", "ext-3"]),
        ("region=JZ29", ["ext-1"]),
        ("theme=vakmanschap", ["ext-3"]),
        ("action_line=2", ["ext-2"]),
        ("measured_from=2021-01-01", ["ext-1", "ext-2", "ext-3"]),
        ("measured_to=2020-12-31&region=zeeland", ["ext-2", "ext-3"]),
        ("phase=uitvoeren&region=JZ29", ["ext-1"]),
    ],
)
def test_results_filters(client, world, query, practices):
    items = client.get(f"/api/v1/results?{query}&per_page=100").json["items"]
    assert {r["practice"]["id"] for r in items} == {world.ids[k] for k in practices}


def test_results_of_one_practice_and_pages(client, world):
    one = client.get(f"/api/v1/results?practice={world.ids['ext-1']}").json
    assert one["total"] == 2 and {r["practice"]["id"] for r in one["items"]} == {world.ids["ext-1"]}
    hidden = client.get(f"/api/v1/results?practice={world.ids['ext-8']}").json
    assert hidden["total"] == 0
    pages = [client.get(f"/api/v1/results?per_page=4&page={n}").json for n in (1, 2)]
    assert [len(p["items"]) for p in pages] == [4, 2] and pages[0]["pages"] == 2
    assert len({r["id"] for p in pages for r in p["items"]}) == 6


def test_themes_list_their_functionaries_as_public_contacts(client, reference, make_user):
    make_user("functionary", themes=["onderwijs-zorg"], name="Fleur Functionaris", email="fleur@ozj.example")
    make_user("functionary", themes=["onderwijs-zorg"], name="Gone", email="gone@ozj.example", active=False)
    make_user("staff", region="zeeland", email="staff@zeeland.example")
    themes = {t["slug"]: t for t in client.get("/api/v1/themes").json["items"]}
    assert themes["onderwijs-zorg"]["contacts"] == [
        {"name": "Fleur Functionaris", "email": "fleur@ozj.example"}
    ]
    assert themes["vakmanschap"]["contacts"] == []


def test_lists_need_a_fixed_number_of_queries(client, world, query_counter, make_user):
    for n in range(3):
        make_user("functionary", themes=["onderwijs-zorg", "vakmanschap"])
    with query_counter() as few:
        client.get("/api/v1/themes")
    for n in range(5):
        make_user("functionary", themes=["pleegzorg-gezinshuizen"])
    with query_counter() as many:
        client.get("/api/v1/themes")
    assert few.count == many.count


# --- conditional GET ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
def test_lists_carry_an_etag_and_answer_304_to_it(client, world, url):
    settle()
    response = client.get(url)
    assert response.status_code == 200
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert "no-cache" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get(url, headers={"If-Modified-Since": modified})
    assert since.status_code == 304


def test_a_change_gives_a_new_etag_and_last_modified(client, world):
    settle()
    first = client.get("/api/v1/practices")
    # An import that back-dates the practice still moves Last-Modified: revisions are stamped with the clock.
    import_doc(
        client.application, item(20, updated="2019-01-01", published="2019-01-01", created="2019-01-01")
    )
    settle()
    second = client.get("/api/v1/practices", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    by_date = client.get("/api/v1/practices", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 200
    assert second.headers["Last-Modified"] != first.headers["Last-Modified"]


def test_no_last_modified_during_the_second_of_a_change(client, reference):
    import_doc(reference, item(1))
    response = client.get("/api/v1/practices")
    assert response.status_code == 200 and response.headers["ETag"]
    assert "Last-Modified" not in response.headers


def test_errors_are_not_conditional(client, world):
    response = client.get("/api/v1/practices?page=0")
    assert response.status_code == 400 and "ETag" not in response.headers


# --- CORS --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/regions", "/api/v1/practices?page=0", "/api/v1/nothing"])
def test_every_api_answer_allows_any_origin_without_credentials(client, reference, url):
    response = client.get(url, headers={"Origin": "https://dashboard.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_preflight_is_answered(client, reference):
    response = client.options(
        "/api/v1/practices",
        headers={
            "Origin": "https://dashboard.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_pages_are_not_cross_origin(client, reference):
    assert "Access-Control-Allow-Origin" not in client.get("/regios").headers


def test_other_methods_are_refused_with_json(client, reference):
    response = client.post("/api/v1/practices")
    assert response.status_code == 405 and response.is_json
    assert "GET" in response.headers["Allow"]


# --- rate limit --------------------------------------------------------------------------------------------------


def _from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_rate_limit_per_address_answers_429_json_with_retry_after(app, reference):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    client = _from(app, "192.0.2.10")
    statuses = [
        client.get(url).status_code for url in ("/api/v1/regions", "/api/v1/themes", "/api/v1/results")
    ]
    assert statuses == [200, 200, 200]
    client.options("/api/v1/regions")  # preflights do not count
    blocked = client.get("/api/v1/cycle-phases")
    assert blocked.status_code == 429 and blocked.is_json
    assert int(blocked.headers["Retry-After"]) > 0
    error = blocked.json["error"]
    assert error["code"] == "too_many_requests" and error["message"]["nl"] and error["message"]["en"]
    assert blocked.headers["Access-Control-Allow-Origin"] == "*"
    assert _from(app, "192.0.2.11").get("/api/v1/regions").status_code == 200
    # The pages are not limited by the API's budget.
    assert client.get("/regios").status_code == 200


def test_default_rate_limit_is_120_per_minute(app, reference, monkeypatch):
    monkeypatch.delenv("API_RATE_LIMIT", raising=False)
    app.config.pop("API_RATE_LIMIT", None)
    response = app.test_client().get("/api/v1/regions")
    assert response.headers["X-RateLimit-Limit"] == "120"


def test_every_counted_answer_says_what_is_left_of_the_budget(app, reference):
    app.config["API_RATE_LIMIT"] = "5 per minute"
    client = _from(app, "192.0.2.20")
    remaining = [int(client.get("/api/v1/themes").headers["X-RateLimit-Remaining"]) for _ in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    blocked = client.get("/api/v1/themes")
    assert blocked.status_code == 429
    assert blocked.headers["X-RateLimit-Limit"] == "5" and blocked.headers["X-RateLimit-Remaining"] == "0"
    reset = int(blocked.headers["X-RateLimit-Reset"])
    assert 0 < reset - time.time() <= 61 and 0 < int(blocked.headers["Retry-After"]) <= 61
    assert "X-RateLimit-Limit" not in client.options("/api/v1/themes").headers  # preflights are not counted


def test_a_rate_limit_store_that_cannot_be_reached_lets_readers_through(app, reference, caplog):
    # Redis on a loopback port nothing listens on: every count fails. The read-only API answers anyway.
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"
    app.config["API_RATE_LIMIT"] = "1 per minute"
    client = _from(app, "192.0.2.30")
    answers = [client.get("/api/v1/themes") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "X-RateLimit-Limit" not in answers[0].headers
    assert "API rate limit storage failed" in caplog.text


def test_the_in_process_count_starts_no_thread_and_a_window_ends_after_its_period(app, reference):
    """memory:// counts in this process (`LocalFixedWindow`): no timer thread per hit as `limits`' own memory
    storage starts, a window ends after its period, and ended windows are dropped as new ones start."""
    import threading

    from exchange.api import http

    app.config["API_RATE_LIMIT"] = "2 per second"
    client = _from(app, "192.0.2.40")
    threads = threading.active_count()
    assert [client.get("/api/v1/themes").status_code for _ in range(3)] == [200, 200, 429]
    assert threading.active_count() == threads
    with app.app_context():
        counter = http._limiter()
    assert isinstance(counter, http.LocalFixedWindow)
    time.sleep(1.05)
    assert client.get("/api/v1/themes").status_code == 200

    for n in range(3):
        assert _from(app, f"192.0.2.{50 + n}").get("/api/v1/themes").status_code == 200
    assert len(counter._windows) == 4
    time.sleep(1.05)  # every window so far has ended: the next one to start drops them
    assert _from(app, "192.0.2.60").get("/api/v1/themes").status_code == 200
    assert len(counter._windows) == 1 and "192.0.2.60" in next(iter(counter._windows))


def test_a_plain_read_gets_its_validators_and_conditions_are_still_honoured(client, world):
    settle()
    plain = client.get("/api/v1/practices")
    assert plain.status_code == 200
    assert plain.headers.getlist("Cache-Control") == ["public, no-cache"]
    assert len(plain.headers.getlist("ETag")) == 1 and len(plain.headers.getlist("Last-Modified")) == 1
    etag = plain.headers["ETag"]
    # Conditions other than If-None-Match still go through Werkzeug's rules.
    assert client.get("/api/v1/practices", headers={"If-Match": etag}).status_code == 200
    assert client.get("/api/v1/practices", headers={"If-Match": '"another"'}).status_code == 412


@pytest.mark.parametrize(
    "header",
    [
        {"If-Modified-Since": "geen datum"},
        {"If-Unmodified-Since": "31-02-2026"},
        {"If-Match": ",,,"},
        {"If-None-Match": '"unterminated'},
    ],
)
def test_malformed_conditions_are_ignored_not_a_500(client, world, header):
    settle()
    response = client.get("/api/v1/practices", headers=header)
    assert response.status_code == 200
    assert response.get_json()["items"]
    assert response.headers["Cache-Control"] == "public, no-cache"
