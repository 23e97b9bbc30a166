"""A crawler that obeys robots.txt reaches every published practice from / without a single facet page."""

from __future__ import annotations

import collections
import re
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from exchange.seo.robots import FACET_PARAMS, RobotsRules

LINK = re.compile(r"<a\b([^>]*)>", re.IGNORECASE)
HREF = re.compile(r'\bhref="([^"]*)"')


def _links(html: str) -> list[tuple[str, bool]]:
    """(href, nofollow) for every <a> on the page."""
    found = []
    for attrs in LINK.findall(html):
        href = HREF.search(attrs)
        if href:
            found.append((unescape(href.group(1)), 'rel="nofollow' in attrs or " nofollow" in attrs))
    return found


def test_every_published_practice_is_reachable_without_facets(site):
    from exchange.extensions import db
    from exchange.practices.models import Practice, Status

    with site.app_context():
        published = set(db.session.scalars(select(Practice.id).where(Practice.status == Status.PUBLISHED)))
        hidden = set(db.session.scalars(select(Practice.id).where(Practice.status != Status.PUBLISHED)))

    crawler = site.test_client(use_cookies=False)  # a crawler keeps no session
    # The bound: every page the sitemap lists, in both languages, plus the list's pages and a little slack; and
    # beside the pages the files they link (a feed per region and theme, map and table downloads).
    sitemap_urls = crawler.get("/sitemap.xml").get_data(as_text=True).count("<url>")
    max_pages = 2 * sitemap_urls + 40
    max_requests = 3 * sitemap_urls
    pages = 0
    rules = RobotsRules.parse(crawler.get("/robots.txt").get_data(as_text=True))
    queue, seen, fetched, refused = deque(["/"]), {"/"}, [], set()
    reached: set[int] = set()
    unmarked: set[str] = set()  # facet links without rel="nofollow"
    while queue:
        url = queue.popleft()
        response = crawler.get(url)
        fetched.append(url)
        if len(fetched) > max_requests:
            kinds = collections.Counter(
                re.sub(r"\d+", "N", u.split("?")[0])
                + ("?" + re.sub(r"=[^&]*", "=", u.split("?")[1]) if "?" in u else "")
                for u in fetched
            )
            raise AssertionError(f"the crawl did not end within its bound: {kinds.most_common(200)}")
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        match = re.fullmatch(r"/praktijken/(\d+)", urlsplit(url).path)
        if match:
            reached.add(int(match.group(1)))
        for href, nofollow in _links(response.get_data(as_text=True)):
            target = urljoin(f"http://localhost{url}", href)
            parts = urlsplit(target)
            if parts.netloc != "localhost" or parts.path.startswith("/static/"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            is_file = parts.path.endswith((".svg", ".csv", ".atom", ".json"))  # downloads, not pages
            if any(f"{name}=" in parts.query for name in FACET_PARAMS) and not nofollow and not is_file:
                unmarked.add(f"{url} -> {local}")
            if local in seen:
                continue
            seen.add(local)
            if nofollow or not rules.allowed(local):
                refused.add(local)
                continue
            queue.append(local)

    assert not unmarked, f"facet links without rel=nofollow: {sorted(unmarked)[:20]}"
    assert reached == published, f"not reached: {sorted(published - reached)}"
    assert not reached & hidden
    for url in fetched:
        if urlsplit(url).path.startswith("/kaarten/"):
            continue  # maps (theme pages' preview images) take the theme or action line as a parameter
        query = urlsplit(url).query
        assert not any(f"{name}=" in query for name in FACET_PARAMS), url
    # The site does link to facets (theme pages filter by region, region pages by theme): the rules kept them out.
    assert any("thema=" in url for url in refused)
    assert pages <= max_pages
    print(
        f"{len(fetched)} requests ({pages} pages) reached {len(reached)} practices; {len(refused)} links refused"
    )
