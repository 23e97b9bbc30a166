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
    }


@bp.get("/search")
def search():
    """Full-text search over published practices, results, themes and regions, with facet counts."""
    search_request = parsing.read_request(request.args, strict=True)
    # Anonymous on purpose: API answers may be cached and shared, so drafts never appear here.
    outcome = queries.search(None, search_request, strict=True)
    base = request.base_url.rsplit("/api/", 1)[0]
    return jsonify(
        {
            "query": outcome.query.text,
            "total": outcome.total,
            "page": search_request.page,
            "per_page": search_request.per_page,
            "pages": outcome.pages,
            "sort": search_request.sort,
            "results": [dict(_hit(h), url=base + h.url) for h in outcome.hits],
            "facets": {
                facet.param: [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in facet.values
                ]
                for facet in outcome.facets
            },
            "suggestion": outcome.suggestion,
        }
    )
