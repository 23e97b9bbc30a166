"""GET /api/v1/search: the search page's parameters in, JSON out (published items only).

Registered on the API blueprint by exchange/api/views.py. Bad parameters answer 400 with a JSON error that
names the parameter (Dutch and English); the query text itself is never an error.
"""

from __future__ import annotations

from flask import jsonify, request
from markupsafe import Markup

from exchange.api import bp
from exchange.search import parsing, queries
from exchange.search.results import Hit


def _hit(hit: Hit) -> dict:
    return {
        "id": hit.id,
        "type": hit.kind,
        "title": hit.title,
        "region": {"slug": hit.region.slug, "name": hit.region.display_name} if hit.region else None,
        "themes": [{"slug": t.slug, "name": t.name} for t in hit.themes],
        "phase": hit.phase,
        "date": hit.date.isoformat() if hit.date else None,
        "url": hit.url,
        "snippet": str(hit.snippet),
        "snippet_text": Markup(hit.snippet).striptags(),
        "practice": {"title": hit.parent_title, "url": hit.parent_url} if hit.parent_title else None,
        "matching_results": hit.matching_results,
        "best_result": _best(hit.best_result),
    }


def _best(hit: Hit | None) -> dict | None:
    if hit is None:
        return None
    return {
        "id": hit.id,
        "title": hit.title,
        "url": hit.url,
        "snippet": str(hit.snippet),
        "snippet_text": Markup(hit.snippet).striptags(),
    }


MEASUREMENTS = ("gegroepeerd", "apart")


def _measurements(args, search_request: parsing.SearchRequest) -> str:
    value = args.get("metingen", "gegroepeerd") or "gegroepeerd"
    if value not in MEASUREMENTS:
        raise parsing.BadSearch(
            "'metingen' moet 'gegroepeerd' of 'apart' zijn.",
            "'metingen' must be 'gegroepeerd' or 'apart'.",
            "metingen",
        )
    return "apart" if search_request.filters.get("soort") else value


def _literal(args) -> bool:
    value = args.get("letterlijk", "")
    if value not in ("", "1"):
        raise parsing.BadSearch(
            "'letterlijk' kan alleen 1 zijn.", "'letterlijk' can only be 1.", "letterlijk"
        )
    return value == "1"


@bp.get("/search")
def search():
    """Full-text search over published practices, results, themes and regions, with facet counts."""
    search_request = parsing.read_request(request.args, strict=True)
    measurements = _measurements(request.args, search_request)
    literal = _literal(request.args)
    # Anonymous on purpose: API answers may be cached and shared, so drafts never appear here.
    outcome = queries.search(
        None, search_request, strict=True, grouped=measurements == "gegroepeerd", literal=literal
    )
    base = request.base_url.rsplit("/api/", 1)[0]

    def absolute(item: dict) -> dict:
        if item.get("best_result"):
            item["best_result"]["url"] = base + item["best_result"]["url"]
        return dict(item, url=base + item["url"])

    return jsonify(
        {
            "query": outcome.query.text,
            "total": outcome.total,
            "page": search_request.page,
            "per_page": search_request.per_page,
            "pages": outcome.pages,
            "sort": search_request.sort,
            "results": [absolute(_hit(h)) for h in outcome.hits],
            "facets": {
                facet.param: [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in facet.values
                ]
                for facet in outcome.facets
            },
            "suggestion": outcome.suggestion,
            "measurements": measurements,
            "related": [absolute(_hit(h)) for h in outcome.related],
            "corrected_from": outcome.corrected_from,
        }
    )
