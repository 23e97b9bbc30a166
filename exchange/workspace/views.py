"""The workspace page (/werkruimte) per role, the "still current?" confirmation and the add-a-result shortcut."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.accounts.models import Role
from exchange.caching import personal
from exchange.database import utcnow
from exchange.extensions import db
from exchange.forms import ConfirmForm
from exchange.policy import require
from exchange.practices import queries as practice_queries
from exchange.reference import queries as ref_queries
from exchange.routing import whole_number
from exchange.workspace import bp, queries, services
from exchange.workspace.listing import Listing, parse_page


def _page(param: str) -> int:
    return parse_page(request.args.get(param))


def _staff_lists() -> dict:
    user = current_user
    return {
        "drafts": queries.region_drafts(user, _page("concepten")),
        "stale": queries.region_stale(user, _page("verouderd")),
        "feedback": queries.region_feedback_waiting(user, _page("feedback")),
        "due": queries.region_due_measurements(user, _page("metingen")),
    }


def _functionary_lists(since) -> dict:
    user = current_user
    return {
        "drafts": queries.coached_drafts(user, _page("concepten")),
        "feedback": queries.coached_feedback_waiting(user, _page("feedback")),
        "unmeasured": queries.coached_unmeasured(user, _page("zonder-meting")),
        "silent": queries.coached_silent_regions(user, _page("regios")),
        "changed": queries.coached_changed_since(user, since, _page("nieuw")),
    }


def _admin_lists() -> dict:
    return {
        "mail": queries.failed_mail(_page("mail")),
        "misses": queries.search_misses(_page("zoekvragen")),
        "invitations": queries.pending_invitations(_page("uitnodigingen")),
        "facts": queries.unverified_facts(_page("referentie")),
    }


@bp.get("/werkruimte")
@login_required
def index():
    user = current_user._get_current_object()  # once: each use of the proxy looks the person up again
    seen = user.workspace_seen_at
    previous_visit = services.record_visit(user)
    key = services.page_key(user, previous_visit)
    response = personal.serve(key, lambda: _render(previous_visit))
    if user.workspace_seen_at != seen:  # the visit was noted (at most once a minute): keep it
        db.session.commit()
    return response


def _render(previous_visit) -> str:
    context: dict = {
        "previous_visit": previous_visit,
        "previous_visit_label": format_datetime(previous_visit, "medium") if previous_visit else "",
        "confirm_form": ConfirmForm(),
    }
    if current_user.role == Role.STAFF:
        context["lists"] = _staff_lists()
        context["choices"] = queries.region_practice_choices(current_user)
    elif current_user.role == Role.FUNCTIONARY:
        since = previous_visit or utcnow() - queries.FIRST_VISIT_WINDOW
        context["lists"] = _functionary_lists(since)
        context["phase_counts"], context["total"] = queries.coached_phase_counts(current_user)
        context["phases"] = ref_queries.list_phases()
    else:
        context["lists"] = _admin_lists()
    listing: Listing
    for listing in context["lists"].values():
        if listing.page > 1 and listing.out_of_range:
            abort(404)
    # Rendered before the commit: committing expires every loaded row, and the page would reload each one.
    return render_template("workspace/index.html", **context)


@bp.post("/werkruimte/praktijken/<int:practice_id>/nog-actueel")
@login_required
def confirm_current(practice_id: int):
    practice = practice_queries.get_practice_for_change(current_user, practice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.confirm_still_current(current_user, practice)
    db.session.commit()
    flash(_("Bevestigd: „%(title)s” is nog actueel.", title=practice.title), "success")
    return redirect(url_for("workspace.index", _anchor="verouderd"))


@bp.get("/werkruimte/resultaat")
@login_required
def add_result():
    """The quick action's form names a practice; its own result form checks the rest."""
    practice_id = whole_number(request.args.get("praktijk"))
    if practice_id is None:
        abort(404)
    practice = practice_queries.get_practice_for_change(current_user, practice_id)
    require(current_user, "result.add", practice)
    return redirect(url_for("practices.add_result", practice_id=practice.id))
