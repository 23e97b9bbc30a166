"""GET /api/v1/practices built from plain rows (exchange/api/practice_list.py): the same items as the object
serializer, a fixed number of queries, an ETag keyed on the data version and the URL (304 without rendering),
and no stale answer after a visible change, with the visitor cache on or off."""

from __future__ import annotations

import pytest

from exchange.api import serializers
from exchange.extensions import db as _db
from exchange.practices import transfer
from exchange.practices.models import Practice
from exchange.reference.models import Region, Theme
from tests.practices.test_importer import document, item
from tests.practices.test_profile_transfer import PROFILE

URL = "/api/v1/practices?per_page=100"


def _import(app, *items) -> dict[str, int]:
    with app.app_context():
        transfer.import_practices({**document(*items), "version": 2})
        _db.session.commit()
        return dict(_db.session.execute(_db.select(Practice.external_id, Practice.id)).all())


@pytest.fixture
def ids(reference):
    return _import(
        reference,
        item(1, profile=PROFILE),
        item(2, region="zeeland", themes=["pleegzorg-gezinshuizen"], action_lines=[2], phase="uitvoeren"),
        item(3, region="JZ38", themes=["vakmanschap", "onderwijs-zorg"], action_lines=[6, 3], profile={}),
        item(4, status="draft", published=None),
    )


def test_items_equal_the_object_serializer(client, ids):
    body = client.get(URL).json
    assert body["total"] == 3
    app = client.application
    with app.test_request_context(URL):
        expected = {
            p.id: serializers.practice_summary(p)
            for p in _db.session.scalars(_db.select(Practice).where(Practice.id.in_(ids.values())))
        }
    for got in body["items"]:
        assert got == expected[got["id"]]
    assert {item["id"] for item in body["items"]} == {ids["ext-1"], ids["ext-2"], ids["ext-3"]}


def test_the_number_of_queries_does_not_grow_with_the_page(client, reference, query_counter):
    _import(reference, item(1, profile=PROFILE))
    client.get(URL)
    with query_counter() as one:
        client.get(URL)
    _import(reference, *(item(n, profile=PROFILE) for n in range(2, 30)))
    client.get(URL)
    with query_counter() as many:
        assert len(client.get(URL).json["items"]) == 29
    assert many.count == one.count


def test_an_etag_of_the_version_and_url_answers_304_without_rendering(client, ids, query_counter):
    first = client.get(URL)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    with query_counter() as counted:
        again = client.get(URL, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    # Only the data version (and Last-Modified's stamps, once per version) is read; nothing is rendered.
    assert not any("FROM practice " in s for s in counted.statements)
    weak = client.get(URL, headers={"If-None-Match": f"W/{tag}"})
    assert weak.status_code == 304
    other = client.get(URL + "&page=1", headers={"If-None-Match": tag})
    assert other.status_code == 200 and other.headers["ETag"] != tag


@pytest.mark.parametrize("cache_entries", [0, 100])
def test_a_visible_change_gives_a_new_tag_and_fresh_items(client, ids, cache_entries):
    app = client.application
    app.config["VISITOR_CACHE_ENTRIES"] = cache_entries
    first = client.get(URL)
    assert client.get(URL).json == first.json
    with app.app_context():
        _db.session.get(Practice, ids["ext-2"]).summary = "Een nieuwe samenvatting."
        _db.session.commit()
    second = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    summaries = {p["id"]: p["summary"] for p in second.json["items"]}
    assert summaries[ids["ext-2"]] == "Een nieuwe samenvatting."


@pytest.mark.parametrize("cache_entries", [0, 100])
def test_renamed_reference_data_shows_at_once(client, ids, cache_entries):
    """Regions, phases and themes come from a per-worker table; a change of the data version refreshes it."""
    app = client.application
    app.config["VISITOR_CACHE_ENTRIES"] = cache_entries
    client.get(URL)
    with app.app_context():
        _db.session.scalar(_db.select(Region).where(Region.code == "JZ38")).display_name = "Zeeland (nieuw)"
        _db.session.scalar(_db.select(Theme).where(Theme.slug == "vakmanschap")).name = "Vakmanschap (nieuw)"
        _db.session.commit()
    items = {p["id"]: p for p in client.get(URL).json["items"]}
    assert items[ids["ext-3"]]["region"]["name"] == "Zeeland (nieuw)"
    assert {"slug": "vakmanschap", "name": "Vakmanschap (nieuw)"} in items[ids["ext-3"]]["themes"]


def test_signed_in_people_get_the_same_public_list(client, ids, make_user):
    from tests.web import login

    visitor = client.get(URL)
    staff = make_user("staff", region="JZ01")
    login(client, staff)
    signed_in = client.get(URL)
    assert signed_in.json == visitor.json
    assert ids["ext-4"] not in {p["id"] for p in signed_in.json["items"]}


def test_errors_carry_no_version_tag(client, ids):
    response = client.get("/api/v1/practices?page=9")
    assert response.status_code == 400 and "ETag" not in response.headers


@pytest.mark.parametrize(
    "query", ["theme=vakmanschap", "action_line=6", "theme=onderwijs-zorg&action_line=3", "region=JZ38"]
)
def test_filtered_pages_hold_what_the_count_counts_newest_first(client, ids, query):
    """The page uses EXISTS filters and the count IN filters: both must select the same practices."""
    body = client.get(f"{URL}&{query}").json
    assert body["total"] == len(body["items"]) >= 1
    updated = [(item["updated_at"], item["id"]) for item in body["items"]]
    assert updated == sorted(updated, reverse=True)
    one_per_page = [
        client.get(f"/api/v1/practices?per_page=1&page={n}&{query}").json for n in (1, body["total"])
    ]
    assert [p["items"][0]["id"] for p in one_per_page] == [body["items"][0]["id"], body["items"][-1]["id"]]
