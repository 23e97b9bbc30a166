"""JSON endpoints for machines. Errors come back as JSON from the central error handler.

Every route here is described in the OpenAPI document (exchange/api/openapi/, /api/v1/openapi.json); the
HTTP details shared by all of them (ETag, CORS, rate limit, parameter errors) live in exchange/api/http.py.
"""

from __future__ import annotations

from collections import defaultdict

from flask import jsonify, request
from sqlalchemy import select

from exchange.api import bp, http, serializers
from exchange.api.openapi.parameters import ALIASES, ALIASES_RANGE, documented_parameters
from exchange.extensions import csrf, db
from exchange.reference import queries
from exchange.routing import whole_number

csrf.exempt(bp)  # read-only, no cookies needed
bp.after_app_request(http.add_api_headers)
http.limit_blueprint(bp)


@bp.before_request
def reject_undocumented_parameters() -> None:
    """Endpoints that do not check their own parameters answer 400 for any the OpenAPI document does not list."""
    if request.endpoint in SELF_CHECKING:
        return
    names, repeatable = documented_parameters(request.endpoint)
    http.reject_unknown_parameters(
        names, single=[n for n in names if n not in repeatable], may_be_empty=MAY_BE_EMPTY
    )
    # With both names the first wins; the other must still be valid, so bad input is never silently ignored.
    problems = {}
    for name, alias in ALIASES.get(request.endpoint or "", ()):
        if name in request.args and alias in request.args:
            low, high = ALIASES_RANGE[alias]
            value = request.args[alias]
            if whole_number(value, low=low, high=high) is None:
                problems[alias] = http.Bilingual(
                    f"moet een geheel getal van {low} tot en met {high} zijn",
                    f"must be a whole number from {low} to {high}",
                )
    if problems:
        raise http.bad_parameters(problems)


# These check (and report together) every parameter themselves; see exchange/api/practices.py.
SELF_CHECKING = frozenset({"api.practices", "api.practice", "api.results"})
# An empty search text means: everything, newest first. Any other empty value is a mistake.
MAY_BE_EMPTY = ("q",)


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


def theme_contacts() -> dict[int, list]:
    """Per theme id, its functionaries as the theme page lists them (active, not deleted), in one query."""
    from exchange.accounts.models import FunctionaryTheme, Role, User

    rows = db.session.execute(
        select(FunctionaryTheme.theme_id, User)
        .join(User, User.id == FunctionaryTheme.user_id)
        .where(User.role == Role.FUNCTIONARY, User.active.is_(True), User.deleted_at.is_(None))
        .order_by(User.name, User.email)
    )
    contacts: dict[int, list] = defaultdict(list)
    for theme_id, user in rows:
        contacts[theme_id].append(user)
    return contacts


@bp.get("/themes")
def themes():
    contacts = theme_contacts()
    items = [serializers.theme(t, contacts.get(t.id, ())) for t in queries.list_themes()]
    return jsonify({"total": len(items), "items": items})


@bp.get("/cycle-phases")
def cycle_phases():
    items = [serializers.cycle_phase(p) for p in queries.list_phases()]
    return jsonify({"total": len(items), "items": items})
