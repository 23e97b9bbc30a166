"""Profile pages: the partner suggestions the practice form asks for while typing (a small JSON endpoint)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.errors import NotAllowed
from exchange.extensions import db
from exchange.policy import require
from exchange.practices import bp, profile
from exchange.reference.models import Region


@bp.get("/organisaties/suggesties.json")
@login_required
def organisation_suggestions():
    """Known organisations whose name contains `q` (at least 2 characters): for staff who write practices."""
    region = db.session.get(Region, current_user.region_id) if current_user.region_id else None
    if region is None:
        raise NotAllowed(_("Alleen medewerkers van een regio schrijven praktijkvoorbeelden."))
    require(current_user, "practice.create", region)
    found = profile.suggest_organisations(request.args.get("q", "") or "")
    response = jsonify(
        organisations=[
            {
                "id": o.id,
                "name": o.name,
                "kind": o.kind,
                "kind_label": profile.label(profile.PARTNER_KINDS, o.kind),
            }
            for o in found
        ]
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
