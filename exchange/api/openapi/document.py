"""The whole OpenAPI 3.1 document: info, servers and tags around the paths and the component schemas."""

from __future__ import annotations

import copy

from flask import url_for

from exchange.api.http import api_rate_limit
from exchange.api.openapi.parameters import reference_enums
from exchange.api.openapi.paths import build_paths
from exchange.api.openapi.schemas import SCHEMAS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"


def build_document(enums: dict[str, list], server_url: str) -> dict:
    """The whole OpenAPI 3.1 document for `server_url` (the /api/v1 base) with the given allowed values."""
    limit = api_rate_limit()
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Jeugdkennis API",
            "version": API_VERSION,
            "summary": "Open data van Jeugdkennis / Open data of Jeugdkennis",
            "description": (
                "Alleen-lezen JSON-API met alle openbare kennis van de 42 jeugdzorgregio's: regio's, actielijnen, "
                "thema's, de ontwikkelcirkel, gepubliceerde praktijkvoorbeelden met resultaten, en zoeken. "
                "Concepten, gearchiveerde praktijkvoorbeelden en feedback staan er nooit in.\n\n"
                "Read-only JSON API with all public knowledge of the 42 youth-care regions. Drafts, archived "
                "practices and feedback never appear.\n\n"
                '- Errors: JSON `{"error": {"status", "code", "message": {"nl", "en"}, "details"}}`; '
                "unknown, repeated or invalid parameters give 400.\n"
                "- Caching: every 200 has a strong `ETag` and `Last-Modified`; send `If-None-Match` or "
                "`If-Modified-Since` to get 304.\n"
                "- CORS: `Access-Control-Allow-Origin: *` for GET, without credentials; preflights (OPTIONS) are "
                "answered.\n"
                f"- Rate limit: {limit} per client address (429 with `Retry-After`).\n"
                "- Atom feeds per theme (/themas/{slug}/feed.atom), region (/regios/{slug}/feed.atom) and search "
                "(/zoeken/feed.atom?q=...); a nightly open-data dump with a data dictionary."
            ),
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "reference", "description": "Regio's, actielijnen, thema's, fasen."},
            {"name": "practices", "description": "Praktijkvoorbeelden en resultaten."},
            {"name": "search", "description": "Zoeken."},
            {"name": "meta", "description": "Over de API."},
        ],
        "paths": build_paths(enums),
        "components": {"schemas": copy.deepcopy(SCHEMAS)},
    }


def current_document() -> dict:
    """The document for this request's host, with the allowed values read from the database now."""
    return build_document(reference_enums(), url_for("api.regions", _external=True).removesuffix("/regions"))
