"""JSON endpoints for machines. Errors come back as JSON from the central error handler."""
from __future__ import annotations

from flask import Blueprint, jsonify

from exchange.api import serializers
from exchange.extensions import csrf
from exchange.reference import queries

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # read-only, no cookies needed


@bp.get("/regions")
def regions():
    items = [serializers.region_summary(r) for r in queries.list_regions()]
    return jsonify({"total": len(items), "items": items})


@bp.get("/regions/<slug>")
def region(slug: str):
    return jsonify(serializers.region_detail(queries.get_region(slug)))


@bp.get("/action-lines")
def action_lines():
    items = [serializers.action_line(x) for x in queries.list_action_lines()]
    return jsonify({"total": len(items), "items": items})


@bp.get("/themes")
def themes():
    items = [serializers.theme(t) for t in queries.list_themes()]
    return jsonify({"total": len(items), "items": items})


@bp.get("/cycle-phases")
def cycle_phases():
    items = [serializers.cycle_phase(p) for p in queries.list_phases()]
    return jsonify({"total": len(items), "items": items})


from exchange.api import practices  # noqa: E402, F401  (registers the practice endpoints on `bp`)
from exchange.search import api as search_api  # noqa: E402, F401  (registers GET /search on `bp`)
