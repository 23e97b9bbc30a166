"""/robots.txt: public pages allowed, facets, searches, feeds of searches and private pages disallowed."""

from __future__ import annotations

import pytest

from exchange.seo.robots import RobotsRules


def test_reader_follows_rfc9309_longest_match_and_wildcards():
    rules = RobotsRules.parse(
        "User-agent: other\nDisallow: /\n\n"
        "User-agent: *\nAllow: /\nDisallow: /private\nAllow: /private/open$\nDisallow: /*?*sort=\n"
        "Disallow: /a$\n# Disallow: /commented\nSitemap: https://example.org/sitemap.xml\n"
    )
    assert rules.sitemaps == ["https://example.org/sitemap.xml"]
    assert rules.allowed("/anything")
    assert not rules.allowed("/private")
    assert not rules.allowed("/private/deeper")
    assert rules.allowed("/private/open")  # longer Allow wins
    assert not rules.allowed("/private/open/more")  # $ anchors
    assert not rules.allowed("/list?page=2&sort=title")
    assert rules.allowed("/list?page=2")
    assert not rules.allowed("/a") and rules.allowed("/ab")
    assert rules.allowed("/commented")  # the other agent's Disallow: / does not apply to *


def test_tie_between_allow_and_disallow_of_equal_length_allows():
    rules = RobotsRules.parse("User-agent: *\nDisallow: /x\nAllow: /x\n")
    assert rules.allowed("/x")


@pytest.fixture(scope="module")
def served(visitor):
    response = visitor.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return RobotsRules.parse(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?lang=en",
        "/praktijken",
        "/praktijken?pagina=3",
        "/praktijken/12",
        "/regios/achterhoek",
        "/themas/onderwijs-zorg",
        "/actielijnen/2",
        "/ontwikkelcirkel",
        "/ontwikkelcirkel/uitvoeren",
        "/colofon",
        "/zoeken",
        "/abonnementen",
        "/sitemap.xml",
        "/kaarten/thema.svg?thema=onderwijs-zorg",
    ],
)
def test_public_pages_are_allowed(served, url):
    assert served.allowed(url), url


@pytest.mark.parametrize(
    "url",
    [
        "/zoeken?q=jeugd",
        "/zoeken?q=jeugd&regio=achterhoek&regio=zeeland",
        "/zoeken/feed.atom?q=jeugd",
        "/praktijken?regio=achterhoek",
        "/praktijken?pagina=2&thema=onderwijs-zorg",
        "/praktijken?sort=titel",
        "/regios/achterhoek?thema=onderwijs-zorg",
        "/themas/onderwijs-zorg?fase=ontwerpen&pagina=2",
        "/ontwikkelcirkel/kaart?thema=onderwijs-zorg",
        "/beheer",
        "/beheer/gebruikers",
        "/account",
        "/werkruimte",
        "/inloggen?next=/werkruimte",
        "/abonnementen/gegevens/abc",
        "/abonnementen/bevestigen/abc",
        "/wachtwoord-herstellen/abc",
        "/regios/achterhoek?lang=nl",
    ],
)
def test_facets_searches_and_private_pages_are_disallowed(served, url):
    assert not served.allowed(url), url


def test_points_to_the_sitemap_under_external_url(site):
    before = site.config["EXTERNAL_URL"]
    site.config["EXTERNAL_URL"] = "https://jeugdkennis.example/"
    try:
        text = site.test_client().get("/robots.txt").get_data(as_text=True)
    finally:
        site.config["EXTERNAL_URL"] = before
    assert RobotsRules.parse(text).sitemaps == ["https://jeugdkennis.example/sitemap.xml"]
