"""/sitemap.xml: every published practice, region, theme, action line and cycle phase page, with its last change.

What counts as "the last change" of a page is the newest change of what it shows: a practice's own
`updated_at`; for a region, theme, action line or phase the newest of its published practices (and, for a
region, its own reference data); for the list and overview pages the newest published practice. Drafts and
archived practices never appear, and never count towards a lastmod.

Up to SITEMAP_MAX_URLS URLs (50,000, the protocol's limit) the answer is one `urlset`; beyond, /sitemap.xml is a
sitemap index and the URLs are split over /sitemap-<n>.xml. Each URL names its English alternate.

The build costs a few queries of two columns each (no bodies, no ORM objects) and is cached per process under
the data version (exchange/caching/version.py: one row, raised by every write that visitors can see) and at most
SITEMAP_CACHE_SECONDS old, so a crawler fetching it costs one primary-key read.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import current_app
from sqlalchemy import func, select

from exchange.caching import version
from exchange.extensions import db
from exchange.mail import external_url
from exchange.practices.models import Practice, Status, practice_action_line, practice_theme
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

# Pages without their own data: their lastmod is the newest published practice.
STATIC_ENDPOINTS = (
    "pages.home",
    "practices.index",
    "reference.regions",
    "reference.themes",
    "reference.action_lines",
    "reference.cycle",
    "practices.cycle_map",
    "overview.index",
    "reference.fund",
    "pages.about",
    "pages.accessibility",
    "api_docs.docs_page",
    "digests.index",
    "pages.privacy",
    "pages.colophon",
    "pages.sources",
)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def _newest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known, key=lambda m: m.replace(tzinfo=None)) if known else None


def _pair(endpoint: str, **values) -> tuple[str, str]:
    return external_url(endpoint, **values), external_url(endpoint, lang="en", **values)


def _templated(endpoint: str, key: str):
    """A fast URL builder for many rows: build once with a marker, then replace it (as maps/views does)."""
    marker = 987654321987  # a value every converter accepts (int ids, slugs), replaced afterwards
    nl, en = _pair(endpoint, **{key: marker})
    text = str(marker)
    return lambda value: (
        nl.replace(text, quote(str(value), safe="")),
        en.replace(text, quote(str(value), safe="")),
    )


def _url_xml(nl: str, en: str, lastmod: datetime | None) -> str:
    nl, en = escape(nl), escape(en)
    stamp = _iso(lastmod)
    return (
        f"<url><loc>{nl}</loc>"
        + (f"<lastmod>{stamp}</lastmod>" if stamp else "")
        + f'<xhtml:link rel="alternate" hreflang="nl" href="{nl}"/>'
        + f'<xhtml:link rel="alternate" hreflang="en" href="{en}"/></url>'
    )


def _max_per(column, where, group) -> dict:
    rows = db.session.execute(select(group, func.max(column)).where(where).group_by(group))
    return dict(rows.all())


def entries() -> list[tuple[str, datetime | None]]:
    """(the <url> element, its lastmod) for every page, practices in id order."""
    published = Practice.status == Status.PUBLISHED
    newest = db.session.scalar(select(func.max(Practice.updated_at)).where(published))
    out = [
        (_url_xml(*_pair(endpoint), newest), newest)
        for endpoint in STATIC_ENDPOINTS
        if endpoint in current_app.view_functions
    ]

    # Practices: two columns per row, one string per row (100k rows: the bulk of the work).
    nl, en = _pair("practices.detail", practice_id=987654321987)
    nl_head, nl_tail = (escape(part) for part in nl.split("987654321987"))
    en_head, en_tail = (escape(part) for part in en.split("987654321987"))
    rows = db.session.execute(select(Practice.id, Practice.updated_at).where(published).order_by(Practice.id))
    for practice_id, updated_at in rows:
        stamp = _iso(updated_at)
        loc = f"{nl_head}{practice_id}{nl_tail}"
        out.append(
            (
                (
                    f"<url><loc>{loc}</loc><lastmod>{stamp}</lastmod>"
                    f'<xhtml:link rel="alternate" hreflang="nl" href="{loc}"/>'
                    f'<xhtml:link rel="alternate" hreflang="en" href="{en_head}{practice_id}{en_tail}"/></url>'
                ),
                updated_at,
            )
        )

    by_region = _max_per(Practice.updated_at, published, Practice.region_id)
    region_url = _templated("reference.region", "slug")
    for region_id, slug, changed in db.session.execute(
        select(Region.id, Region.slug, Region.updated_at).order_by(Region.slug)
    ):
        lastmod = _newest(changed, by_region.get(region_id))
        out.append((_url_xml(*region_url(slug), lastmod), lastmod))

    theme_url = _templated("reference.theme", "slug")
    theme_rows = db.session.execute(
        select(Theme.slug, func.max(Practice.updated_at))
        .select_from(Theme)
        .outerjoin(practice_theme, practice_theme.c.theme_id == Theme.id)
        .outerjoin(Practice, (Practice.id == practice_theme.c.practice_id) & published)
        .group_by(Theme.id, Theme.slug)
        .order_by(Theme.slug)
    )
    out += [(_url_xml(*theme_url(slug), lastmod), lastmod) for slug, lastmod in theme_rows]

    line_url = _templated("reference.action_line", "number")
    line_rows = db.session.execute(
        select(ActionLine.number, func.max(Practice.updated_at))
        .select_from(ActionLine)
        .outerjoin(practice_action_line, practice_action_line.c.action_line_id == ActionLine.id)
        .outerjoin(Practice, (Practice.id == practice_action_line.c.practice_id) & published)
        .group_by(ActionLine.id, ActionLine.number)
        .order_by(ActionLine.number)
    )
    out += [(_url_xml(*line_url(number), lastmod), lastmod) for number, lastmod in line_rows]

    by_phase = _max_per(Practice.updated_at, published, Practice.phase_id)
    phase_url = _templated("practices.phase", "slug")
    for phase_id, slug in db.session.execute(
        select(CyclePhase.id, CyclePhase.slug).order_by(CyclePhase.position)
    ):
        lastmod = by_phase.get(phase_id)
        out.append((_url_xml(*phase_url(slug), lastmod), lastmod))
    return out


XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
XHTML = 'xmlns:xhtml="http://www.w3.org/1999/xhtml"'


def urlset(chunk: list[tuple[str, datetime | None]]) -> str:
    body = "\n".join(xml for xml, _ in chunk)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {XMLNS} {XHTML}>\n{body}\n</urlset>\n'


def sitemap_index(chunks: list[list[tuple[str, datetime | None]]]) -> str:
    items = []
    for number, chunk in enumerate(chunks, start=1):
        lastmod = _iso(_newest(*(moment for _, moment in chunk)))
        loc = escape(external_url("seo.sitemap_part", number=number))
        items.append(
            f"<sitemap><loc>{loc}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</sitemap>"
        )
    body = "\n".join(items)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {XMLNS}>\n{body}\n</sitemapindex>\n'


@dataclass
class Built:
    key: tuple
    at: float
    index: str  # /sitemap.xml
    parts: list[str]  # /sitemap-<n>.xml (empty when /sitemap.xml is itself the urlset)


_lock = threading.Lock()


def _key() -> tuple:
    """The data version (one primary-key read, raised by every write visitors can see) and the base URL."""
    return (version.current(), current_app.config["EXTERNAL_URL"])


def build(limit: int) -> Built:
    items = entries()
    if len(items) <= limit:
        return Built((), time.monotonic(), urlset(items), [])
    chunks = [items[start : start + limit] for start in range(0, len(items), limit)]
    return Built((), time.monotonic(), sitemap_index(chunks), [urlset(chunk) for chunk in chunks])


def current() -> Built:
    """The sitemap for the data as it is now, from this process's cache when nothing changed."""
    config = current_app.config
    limit = int(config.get("SITEMAP_MAX_URLS", 50_000))
    max_age = float(config.get("SITEMAP_CACHE_SECONDS", 300))
    key = (*_key(), limit)
    cache = current_app.extensions.setdefault("seo.sitemap", {})
    with _lock:
        built = cache.get("built")
        if built is not None and built.key == key and time.monotonic() - built.at < max_age:
            return built
    built = build(limit)
    built.key = key
    with _lock:
        cache["built"] = built
    return built
