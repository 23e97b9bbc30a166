"""One URL per page: canonical links, language alternates, noindex on facets, and redirects to the one URL."""

from __future__ import annotations

import re

import pytest


def _head(html: str) -> dict:
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', html)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    robots = re.findall(r'<meta name="robots" content="([^"]+)">', html)
    return {"canonical": canonical, "alternates": alternates, "robots": robots}


def _get(site, url: str) -> dict:
    response = site.test_client().get(url)  # a fresh client: no language remembered in a session
    assert response.status_code == 200, url
    return _head(response.get_data(as_text=True).replace("&amp;", "&"))


BASE = "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    "spellings, canonical",
    [
        (["/praktijken", "/praktijken?pagina=1", "/praktijken?lang=nl"], "/praktijken"),
        (
            ["/praktijken?pagina=2", "/praktijken?lang=nl&pagina=2", "/praktijken?pagina=2&lang=nl"],
            "/praktijken?pagina=2",
        ),
        (["/regios/achterhoek", "/regios/achterhoek?utm_source=mail"], "/regios/achterhoek"),
        (
            ["/themas/onderwijs-zorg?lang=en", "/themas/onderwijs-zorg?utm=x&lang=en"],
            "/themas/onderwijs-zorg?lang=en",
        ),
    ],
)
def test_every_spelling_names_the_same_canonical_url(site, spellings, canonical):
    for url in spellings:
        head = _get(site, url)
        assert head["canonical"] == [BASE + canonical], url


def test_language_alternates_and_x_default(site):
    head = _get(site, "/regios/achterhoek")
    assert head["alternates"] == {
        "nl": f"{BASE}/regios/achterhoek",
        "en": f"{BASE}/regios/achterhoek?lang=en",
        "x-default": f"{BASE}/regios/achterhoek",
    }


def test_canonical_follows_external_url(site):
    before = site.config["EXTERNAL_URL"]
    site.config["EXTERNAL_URL"] = "https://jeugdkennis.example"
    try:
        head = _get(site, "/themas/onderwijs-zorg")
    finally:
        site.config["EXTERNAL_URL"] = before
    assert head["canonical"] == ["https://jeugdkennis.example/themas/onderwijs-zorg"]


@pytest.mark.parametrize(
    "url", ["/", "/praktijken", "/regios/achterhoek", "/themas/onderwijs-zorg", "/actielijnen/1"]
)
def test_public_pages_may_be_indexed(site, url):
    assert _get(site, url)["robots"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/regios/achterhoek?thema=onderwijs-zorg",
        "/themas/onderwijs-zorg?provincie=Gelderland",
        "/zoeken?q=jeugd",
        "/zoeken",
        "/inloggen",
    ],
)
def test_facets_searches_and_private_pages_say_noindex(site, url):
    (directive,) = _get(site, url)["robots"]
    assert directive.startswith("noindex")


@pytest.mark.parametrize(
    "url, location",
    [
        ("/praktijken/", "/praktijken"),
        ("/regios/", "/regios"),
        ("/regios/achterhoek/?lang=en", "/regios/achterhoek?lang=en"),
        ("/regios/ACHTERHOEK", "/regios/achterhoek"),
        ("/regios/JZ01", "/regios/"),  # a CBS code answers with the region's slug
        ("/themas/Onderwijs-Zorg?fase=ontwerpen", "/themas/onderwijs-zorg?fase=ontwerpen"),
    ],
)
def test_other_spellings_redirect_permanently_to_the_one_url(site, url, location):
    response = site.test_client().get(url)
    assert response.status_code == 301
    assert response.headers["Location"].startswith(location)


def test_unknown_path_with_slash_stays_404(site):
    assert site.test_client().get("/bestaat-niet/").status_code == 404
    assert site.test_client().post("/praktijken/").status_code == 404
