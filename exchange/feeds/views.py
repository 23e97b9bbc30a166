"""Atom feeds: /themas/<slug>/feed.atom, /regios/<slug>/feed.atom and /zoeken/feed.atom (any search).

Only published content: the feeds are built for an anonymous visitor whoever asks, so they can be cached and
shared. Each answer has an ETag and Last-Modified (304 on If-None-Match / If-Modified-Since).
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.api.http import make_conditional, practices_version, reference_version
from exchange.extensions import db
from exchange.feeds import atom, bp
from exchange.practices import queries as practice_queries
from exchange.practices.models import Practice, Result, Status
from exchange.reference import queries as reference_queries

ATOM = "application/atom+xml; charset=utf-8"
# Kinds of search hit that make feed entries; themes and regions are pages, not news.
FEED_KINDS = {"praktijk": "practice", "resultaat": "result"}


@bp.app_template_filter("xml_text")
def xml_text_filter(value) -> str:
    return atom.xml_text(value)


@bp.app_template_filter("rfc3339")
def rfc3339_filter(value) -> str:
    return atom.rfc3339(value)


def _render(feed: atom.Feed):
    body = render_template("feeds/feed.xml", feed=feed, site_url=url_for("pages.home", _external=True))
    response = current_app.response_class(body, mimetype="application/atom+xml")
    response.headers["Content-Type"] = ATOM
    stamps = [s for s in (practices_version(), reference_version()) if s is not None]
    return make_conditional(response, max(stamps) if stamps else None)


def _published_practices(**filters) -> list[Practice]:
    stmt = practice_queries.practices_stmt(None, status=Status.PUBLISHED, **filters)
    return list(db.session.scalars(stmt.limit(atom.ENTRIES)))


@bp.get("/themas/<slug>/feed.atom")
def theme(slug: str):
    theme = reference_queries.get_theme(slug)
    feed = atom.Feed(
        id=atom.tag_uri(f"feeds/themas/{theme.slug}"),
        title=f"Jeugdkennis · thema {theme.name}",
        subtitle=f"Nieuwe en bijgewerkte praktijkvoorbeelden uit alle regio's over {theme.name}.",
        self_url=url_for("feeds.theme", slug=theme.slug, _external=True),
        alternate_url=url_for("reference.theme", slug=theme.slug, _external=True),
        entries=[atom.practice_entry(p) for p in _published_practices(theme_id=theme.id)],
    )
    return _render(feed)


@bp.get("/regios/<slug>/feed.atom")
def region(slug: str):
    region = reference_queries.get_region(slug)
    feed = atom.Feed(
        id=atom.tag_uri(f"feeds/regios/{region.slug}"),
        title=f"Jeugdkennis · regio {region.display_name}",
        subtitle=f"Nieuwe en bijgewerkte praktijkvoorbeelden van jeugdzorgregio {region.display_name}.",
        self_url=url_for("feeds.region", slug=region.slug, _external=True),
        alternate_url=url_for("reference.region", slug=region.slug, _external=True),
        entries=[atom.practice_entry(p) for p in _published_practices(region_id=region.id)],
    )
    return _render(feed)


def _search_entries(hits) -> list[atom.Entry]:
    """Entries for the practice and result hits, in the search's order (two queries for their rows)."""
    practice_ids = [h.id for h in hits if h.kind == "practice"]
    result_ids = [h.id for h in hits if h.kind == "result"]
    practices = (
        {
            p.id: p
            for p in db.session.scalars(
                select(Practice)
                .where(Practice.id.in_(practice_ids), Practice.status == Status.PUBLISHED)
                .options(
                    selectinload(Practice.region), selectinload(Practice.themes), selectinload(Practice.phase)
                )
            )
        }
        if practice_ids
        else {}
    )
    results = (
        {
            r.id: r
            for r in db.session.scalars(
                select(Result)
                .join(Practice, Practice.id == Result.practice_id)
                .where(Result.id.in_(result_ids), Practice.status == Status.PUBLISHED)
                .options(
                    selectinload(Result.practice).selectinload(Practice.region), selectinload(Result.phase)
                )
            )
        }
        if result_ids
        else {}
    )
    entries = []
    for hit in hits:
        if hit.kind == "practice" and hit.id in practices:
            entries.append(atom.practice_entry(practices[hit.id]))
        elif hit.kind == "result" and hit.id in results:
            entries.append(atom.result_entry(results[hit.id]))
    return entries


@bp.get("/zoeken/feed.atom")
def search():
    """The search of /zoeken with the same parameters, as a feed: practices and results, newest first unless
    another order is asked for; bad values are dropped as on the search page."""
    from exchange.search import parsing as search_parsing
    from exchange.search import queries as search_queries

    search_request = search_parsing.read_request(request.args)
    canonical = search_request.args()
    page_url = url_for("search.index", **canonical, _external=True)
    wanted = search_request.filters.get("soort") or list(FEED_KINDS)
    kinds = [k for k in wanted if k in FEED_KINDS]
    if "sort" not in request.args:
        search_request.sort = "nieuwste"
    search_request.page, search_request.per_page = 1, atom.ENTRIES
    hits = []
    if kinds:
        search_request.filters["soort"] = kinds
        hits = search_queries.search(None, search_request, with_suggestion=False).hits
    label = search_request.q or "alles"
    feed = atom.Feed(
        id=atom.tag_uri("feeds/zoeken?" + page_url.partition("?")[2]),
        title=f"Jeugdkennis · zoeken: {label}",
        subtitle="Praktijkvoorbeelden en resultaten bij deze zoekopdracht, nieuwste eerst.",
        self_url=url_for("feeds.search", **canonical, _external=True),
        alternate_url=page_url,
        entries=_search_entries(hits),
    )
    return _render(feed)
