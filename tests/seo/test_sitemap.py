"""/sitemap.xml: every published page with its real last change; drafts and archived practices never."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def _urls(xml: str) -> dict[str, str | None]:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{NS['s']}}}urlset"
    return {
        u.findtext("s:loc", namespaces=NS): u.findtext("s:lastmod", namespaces=NS)
        for u in root.iterfind("s:url", NS)
    }


def _practices(site, status):
    from exchange.extensions import db
    from exchange.practices.models import Practice, Status

    with site.app_context():
        return {
            p.id: p.updated_at
            for p in db.session.scalars(select(Practice).where(Practice.status == Status(status)))
        }


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture(scope="module")
def listed(visitor):
    response = visitor.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    return {_path(url): lastmod for url, lastmod in _urls(response.get_data(as_text=True)).items()}


def test_lists_every_published_practice_with_its_updated_at(site, listed):
    published = _practices(site, "published")
    assert len(published) > 40
    for practice_id, updated_at in published.items():
        lastmod = listed[f"/praktijken/{practice_id}"]
        stamp = updated_at.replace(tzinfo=UTC) if updated_at.tzinfo is None else updated_at
        assert lastmod == stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_never_lists_drafts_or_archived_practices(site, listed):
    hidden = [*_practices(site, "draft"), *_practices(site, "archived")]
    assert len(hidden) >= 5
    for practice_id in hidden:
        assert f"/praktijken/{practice_id}" not in listed


def test_lists_regions_themes_action_lines_and_the_main_pages(listed):
    assert len([p for p in listed if p.startswith("/regios/")]) == 42
    assert len([p for p in listed if p.startswith("/themas/")]) >= 10
    assert {f"/actielijnen/{n}" for n in range(1, 7)} <= set(listed)
    assert (
        len([p for p in listed if p.startswith("/ontwikkelcirkel/") and p != "/ontwikkelcirkel/kaart"]) == 6
    )
    assert {"/privacy", "/toegankelijkheid", "/colofon", "/bronnen"} <= set(listed)
    assert {"/", "/praktijken", "/regios", "/themas", "/actielijnen", "/ontwikkelcirkel"} <= set(listed)
    assert not any("?" in p for p in listed)  # no facets, no search pages


def test_region_lastmod_is_its_newest_published_practice_or_its_own_change(site, listed):
    from exchange.extensions import db
    from exchange.practices.models import Practice, Status
    from exchange.reference.models import Region

    with site.app_context():
        region = db.session.scalar(select(Region).where(Region.slug == "achterhoek"))
        newest = max(
            [region.updated_at]
            + list(
                db.session.scalars(
                    select(Practice.updated_at).where(
                        Practice.region_id == region.id, Practice.status == Status.PUBLISHED
                    )
                )
            ),
            key=lambda m: m.replace(tzinfo=None),
        )
    assert listed["/regios/achterhoek"] == newest.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_each_url_names_its_english_alternate(visitor):
    root = ET.fromstring(visitor.get("/sitemap.xml").get_data(as_text=True))
    first = root.find("s:url", NS)
    alternates = {link.get("hreflang"): link.get("href") for link in first.iterfind("x:link", NS)}
    assert alternates["en"] == alternates["nl"] + "?lang=en"


def test_over_the_limit_it_becomes_an_index_of_parts(site):
    site.config["SITEMAP_MAX_URLS"] = 40
    try:
        client = site.test_client()
        root = ET.fromstring(client.get("/sitemap.xml").get_data(as_text=True))
        assert root.tag == f"{{{NS['s']}}}sitemapindex"
        parts = [_path(loc.text) for loc in root.iterfind("s:sitemap/s:loc", NS)]
        assert parts == [f"/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
        together = {}
        for part in parts:
            urls = _urls(client.get(part).get_data(as_text=True))
            assert 0 < len(urls) <= 40
            together.update(urls)
        assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404
        assert client.get("/sitemap-0.xml").status_code == 404
    finally:
        site.config["SITEMAP_MAX_URLS"] = 50_000
    whole = _urls(site.test_client().get("/sitemap.xml").get_data(as_text=True))
    assert together == whole


def test_a_publication_shows_at_once_and_a_cached_sitemap_costs_one_small_query(site):
    from exchange.extensions import db
    from exchange.policy import SYSTEM
    from exchange.practices import services
    from exchange.practices.models import Practice, Status
    from tests.statements import recording

    client = site.test_client()
    client.get("/sitemap.xml")  # fill the cache
    with recording(site) as statements:
        assert client.get("/sitemap.xml").status_code == 200
    assert len(statements) == 1, statements  # the data version: one primary-key read, no rows

    with site.app_context():
        draft = db.session.scalar(
            select(Practice).where(Practice.status == Status.DRAFT).order_by(Practice.id)
        )
        draft_id = draft.id
        services.publish_practice(SYSTEM, draft)
        db.session.commit()
    try:
        listed = {_path(u) for u in _urls(client.get("/sitemap.xml").get_data(as_text=True))}
        assert f"/praktijken/{draft_id}" in listed
    finally:
        with site.app_context():
            practice = db.session.get(Practice, draft_id)
            practice.status = Status.DRAFT
            practice.published_at = None
            db.session.commit()
    listed = {_path(u) for u in _urls(client.get("/sitemap.xml").get_data(as_text=True))}
    assert f"/praktijken/{draft_id}" not in listed


def test_lastmod_is_w3c_datetime(listed):
    for lastmod in listed.values():
        if lastmod is not None:
            datetime.strptime(lastmod, "%Y-%m-%dT%H:%M:%SZ")
