"""Practice pages about its path: move to another phase of the cycle, and the history told as sentences."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.database import utctoday
from exchange.extensions import db
from exchange.forms import submit
from exchange.i18n import localized
from exchange.policy import require
from exchange.practices import bp, cycle, diff, forms, phases, queries
from exchange.reference import queries as ref_queries
from exchange.reference.models import CyclePhase


@bp.route("/praktijken/<int:practice_id>/fase", methods=["GET", "POST"])
@login_required
def move(practice_id: int):
    practice = queries.get_practice_for_change(current_user, practice_id)
    require(current_user, "practice.edit", practice)
    phases = ref_queries.list_phases()
    form = forms.MoveForm()
    form.phase.choices = [(p.id, f"{p.position}. {localized(p, 'name')}") for p in phases]
    if request.method == "GET":
        proposed = cycle.next_phase(practice.phase, phases)
        form.phase.data = proposed.id if proposed else None
        form.moved_on.data = utctoday()
    saved = submit(
        form,
        lambda: cycle.move_phase(
            current_user,
            practice,
            db.session.get(CyclePhase, form.phase.data),
            form.explanation.data,
            form.moved_on.data,
        ),
    )
    if saved.done:
        flash(_("De fase is gewijzigd."), "success")
        return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="cirkel"))
    steps = cycle.steps_of(practice)
    return render_template("practices/move.html", form=form, practice=practice, steps=steps), saved.status


@bp.get("/praktijken/<int:practice_id>/geschiedenis")
@login_required
def history(practice_id: int):
    practice = queries.get_practice(current_user, practice_id)
    require(current_user, "practice.history", practice)
    revisions, steps, results = cycle.history_sources(practice)
    entries = diff.history(revisions, steps, results, ref_queries.list_phases(), ref_queries.list_themes())
    return render_template("practices/history.html", practice=practice, entries=entries)


@bp.get("/ontwikkelcirkel/<slug>")
def phase(slug: str):
    """One phase of the cycle as a way in: its question, its practices, recent moves and results."""
    all_phases = ref_queries.list_phases()
    page = phases.phase_page(current_user, phases.get_phase(slug, all_phases), all_phases)
    return render_template("practices/phase.html", page=page, phases=all_phases)
