"""Atom feeds per theme, per region and per search: valid Atom read by feedparser, stable ids, published only,
autodiscovery links on the pages."""

from __future__ import annotations

import re
import time

import feedparser
import pytest

from exchange.extensions import db as _db
from exchange.practices import transfer
from tests.practices.test_importer import document, item
from tests.world.public import SECRETS, build_world

FEEDS = [
    "/themas/onderwijs-zorg/feed.atom",
    "/regios/zeeland/feed.atom",
    "/regios/rotterdam-rijnmond/feed.atom",
    "/zoeken/feed.atom?q=thuiszitter",
    "/zoeken/feed.atom",
]


@pytest.fixture
def world(reference):
    return build_world(reference)


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, f"{url}: {feed.get('bozo_exception')}"
    assert feed.version == "atom10"
    return feed, response


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_are_valid_atom(client, world, url):
    feed, _ = parse(client, url)
    meta = feed.feed
    assert meta.id.startswith("tag:") and meta.title and meta.updated_parsed
    assert meta.author == "Jeugdkennis"
    rels = {link.rel: link.href for link in meta.links}
    assert rels["self"].startswith("http://localhost/") and "feed.atom" in rels["self"]
    assert rels["alternate"].startswith("http://localhost/") and "feed.atom" not in rels["alternate"]
    assert feed.entries, url
    for entry in feed.entries:
        assert re.fullmatch(r"tag:[a-z0-9.-]+,2024:(practice|result)/\d+", entry.id), entry.id
        assert entry.title and entry.updated_parsed and entry.summary and entry.author
        assert entry.link.startswith("http://localhost/praktijken/")
    assert meta.updated_parsed >= max(e.updated_parsed for e in feed.entries)


def test_theme_feed_lists_the_themes_published_practices_newest_first(client, world):
    feed, _ = parse(client, "/themas/onderwijs-zorg/feed.atom")
    ids = [int(e.id.rsplit("/", 1)[1]) for e in feed.entries]
    assert sorted(ids) == sorted([world.ids["ext-1"], world.ids["ext-3"]])
    first = feed.entries[0]
    assert {t.term for t in first.tags} >= {"onderwijs-zorg"}
    assert first.content[0].type == "text/html" and "<h2>Aanpak</h2>" in first.content[0].value
    related = [link.href for link in first.links if link.rel == "related"]
    assert related and "/api/v1/practices/" in related[0]


def test_region_feed_and_entry_ids_are_the_same_in_every_feed(client, world):
    region, _ = parse(client, "/regios/zeeland/feed.atom")
    theme, _ = parse(client, "/themas/onderwijs-zorg/feed.atom")
    assert {int(e.id.rsplit("/", 1)[1]) for e in region.entries} == {world.ids["ext-2"], world.ids["ext-3"]}
    practice_3 = f"practice/{world.ids['ext-3']}"
    shared = [e.id for e in region.entries if e.id.endswith(practice_3)]
    assert shared and shared == [e.id for e in theme.entries if e.id.endswith(practice_3)]
    assert region.entries[0].author == "Zeeland"


def test_search_feed_follows_the_search(client, world):
    feed, _ = parse(client, "/zoeken/feed.atom?q=thuiszitter&regio=zeeland")
    kinds = {e.id.split(":")[-1].split("/")[0] for e in feed.entries}
    assert kinds <= {"practice", "result"}
    practices = {int(e.id.rsplit("/", 1)[1]) for e in feed.entries if "practice/" in e.id}
    assert practices == {world.ids["ext-2"], world.ids["ext-3"]}
    rels = {link.rel: link.href for link in feed.feed.links}
    assert "/zoeken?" in rels["alternate"] and "q=thuiszitter" in rels["alternate"]
    only_practices, _ = parse(client, "/zoeken/feed.atom?q=thuiszitter&soort=praktijk")
    assert all("practice/" in e.id for e in only_practices.entries)


def test_search_feed_ignores_bad_values_like_the_search_page(client, world):
    response = client.get("/zoeken/feed.atom?q=x&pagina=abc&regio=atlantis&sort=raar")
    assert response.status_code == 200
    assert feedparser.parse(response.data).bozo == 0


def test_feed_ids_are_stable(client, world):
    first, _ = parse(client, "/zoeken/feed.atom?q=thuiszitter&regio=zeeland")
    again, _ = parse(client, "/zoeken/feed.atom?regio=zeeland&q=thuiszitter")
    assert first.feed.id == again.feed.id
    assert [e.id for e in first.entries] == [e.id for e in again.entries]


@pytest.mark.parametrize("url", FEEDS + [f"/zoeken/feed.atom?q={secret}" for secret in SECRETS])
def test_feeds_show_only_published_content(client, world, url):
    # The search's own words come back in the feed's title and id; the entries must not hold any secret.
    body = client.get(url).get_data(as_text=True).partition("<entry>")[2]
    for secret in SECRETS:
        assert secret not in body


def test_unknown_theme_or_region_is_404(client, reference):
    assert client.get("/themas/bestaat-niet/feed.atom").status_code == 404
    assert client.get("/regios/bestaat-niet/feed.atom").status_code == 404


def test_feeds_answer_304_when_unchanged(client, world):
    time.sleep(1.05)
    first = client.get("/themas/onderwijs-zorg/feed.atom")
    assert (
        client.get(
            "/themas/onderwijs-zorg/feed.atom", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    assert (
        client.get(
            "/themas/onderwijs-zorg/feed.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]}
        ).status_code
        == 304
    )


def test_an_empty_feed_is_still_valid(client, reference):
    feed, _ = parse(client, "/themas/vakmanschap/feed.atom")
    assert feed.entries == [] and feed.feed.updated_parsed


def test_control_characters_never_break_the_xml(client, reference):
    with reference.app_context():
        transfer.import_practices(document(item(1, summary="Een\x0bbel\x07 en \x1b[0m codes")))
        _db.session.commit()
    feed, _ = parse(client, "/themas/onderwijs-zorg/feed.atom")
    assert feed.entries[0].summary == "Eenbel en [0m codes"


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/themas/onderwijs-zorg", "/themas/onderwijs-zorg/feed.atom"),
        ("/regios/zeeland", "/regios/zeeland/feed.atom"),
        ("/zoeken?q=thuiszitter&regio=zeeland", "/zoeken/feed.atom?q=thuiszitter&amp;regio=zeeland"),
    ],
)
def test_pages_announce_their_feed(client, reference, runner, page, feed):
    # The search page needs a built index (without one it answers 503, issue 13).
    assert runner.invoke(args=["search", "reindex", "--procs", "1"]).exit_code == 0
    html = client.get(page).get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    assert '<link rel="alternate" type="application/atom+xml"' in head
    assert f'href="{feed}"' in head
