"""Link previews: Open Graph, Twitter card and JSON-LD for practices, regions, themes and the home page."""

from __future__ import annotations

import json
import re
from html import unescape

from sqlalchemy import select


def _meta(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in re.findall(
        r'<meta (?:property|name)="((?:og|twitter|article):[^"]+)" content="([^"]*)">', html
    ):
        found.setdefault(key, []).append(unescape(value))
    return found


def _json_ld(html: str) -> list[dict]:
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    ]


def _practice(site, status="published"):
    from exchange.extensions import db
    from exchange.practices.models import Practice, Status

    with site.app_context():
        practice = db.session.scalar(
            select(Practice).where(Practice.status == Status(status)).order_by(Practice.id)
        )
        return practice.id, practice.title, practice.summary, practice.region.display_name


def test_practice_shows_title_summary_region_and_dates(site, visitor):
    practice_id, title, summary, region = _practice(site)
    html = visitor.get(f"/praktijken/{practice_id}").get_data(as_text=True)
    meta = _meta(html)
    assert meta["og:type"] == ["article"]
    assert meta["og:title"] == [title] and meta["twitter:title"] == [title]
    assert meta["og:description"][0] == " ".join(summary.split())[:300]
    assert meta["article:section"] == [region]
    assert meta["og:url"] == [f"http://127.0.0.1:5000/praktijken/{practice_id}"]
    assert meta["og:image"][0].partition("?v=")[0].endswith("/static/img/og-card.png")
    (article,) = _json_ld(html)
    assert article["@type"] == "Article"
    assert article["headline"] == title
    assert article["spatialCoverage"]["name"] == region
    assert article["dateModified"] >= article["datePublished"]
    assert visitor.get(meta["og:image"][0].replace("http://127.0.0.1:5000", "")).status_code == 200


def test_json_ld_cannot_be_broken_out_of(site):
    """A title with </script> stays inside the JSON-LD block."""
    from exchange.extensions import db
    from exchange.practices.models import Practice

    practice_id, title, *_ = _practice(site)
    with site.app_context():
        db.session.get(Practice, practice_id).title = 'Een </script><script>alert(1)</script> "titel"'
        db.session.commit()
    try:
        html = site.test_client().get(f"/praktijken/{practice_id}").get_data(as_text=True)
        assert "<script>alert(1)" not in html
        assert _json_ld(html)[0]["headline"] == 'Een </script><script>alert(1)</script> "titel"'
    finally:
        with site.app_context():
            db.session.get(Practice, practice_id).title = title
            db.session.commit()


def test_a_draft_seen_by_its_region_is_noindex_without_json_ld(site):
    from exchange.extensions import db
    from exchange.practices.models import Practice, Status
    from exchange.reference.models import Region
    from tests.web import DEMO_PASSWORD, login

    with site.app_context():
        practice_id = db.session.scalar(
            select(Practice.id)
            .join(Region)
            .where(Practice.status == Status.DRAFT, Region.slug == "rotterdam-rijnmond")
        )
    assert practice_id is not None
    client = site.test_client()
    login(client, "rijnmond@demo.jeugdkennis.example", DEMO_PASSWORD)
    html = client.get(f"/praktijken/{practice_id}").get_data(as_text=True)
    assert '<meta name="robots" content="noindex">' in html
    assert _json_ld(html) == []


def test_region_and_theme_previews(visitor):
    meta = _meta(visitor.get("/regios/achterhoek").get_data(as_text=True))
    assert meta["og:title"] == ["Achterhoek"]
    assert "Gelderland" in meta["og:description"][0]
    html = visitor.get("/themas/onderwijs-zorg").get_data(as_text=True)
    meta = _meta(html)
    assert meta["og:image"][0].endswith("/kaarten/thema.svg?thema=onderwijs-zorg")
    assert visitor.get("/kaarten/thema.svg?thema=onderwijs-zorg").status_code == 200
    assert _json_ld(html)[0]["@type"] == "CollectionPage"


def test_home_is_a_website_with_a_search_action(visitor):
    (graph,) = _json_ld(visitor.get("/").get_data(as_text=True))
    types = {node["@type"]: node for node in graph["@graph"]}
    action = types["WebSite"]["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"].endswith("/zoeken?q={search_term_string}")
    assert "GovernmentService" in types


def test_english_page_says_so(visitor):
    meta = _meta(visitor.get("/regios/achterhoek?lang=en").get_data(as_text=True))
    assert meta["og:locale"] == ["en_GB"] and meta["og:locale:alternate"] == ["nl_NL"]
