"""Read-only JSON API under /api/v1 with stable identifiers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

# The HTML page that renders the OpenAPI document (/api/docs); not under /api/v1.
docs_bp = Blueprint("api_docs", __name__)
