"""Practice pages: detail, write and edit, feedback (cycle pages: cycle_views; results: result_views; publish and
archive: status_views)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from exchange.caching.visitor import visitor_cached
from exchange.errors import Conflict, Invalid, NotAllowed
from exchange.extensions import db
from exchange.forms import ConfirmForm, submit
from exchange.i18n import localized
from exchange.policy import can, require
from exchange.practices import bp, conflicts, cycle, forms, listing, queries, services
from exchange.reference import queries as ref_queries
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme
from exchange.reference.naming import action_line_full_name
from exchange.routing import whole_number


def _choices(form) -> None:
    """Fill select choices from the database (a value outside them is a validation error)."""
    if hasattr(form, "themes"):
        form.themes.choices = [(t.id, localized(t, "name")) for t in ref_queries.list_themes()]
    if hasattr(form, "action_lines"):
        lines = db.session.scalars(select(ActionLine).order_by(ActionLine.number))
        form.action_lines.choices = [(x.id, action_line_full_name(x)) for x in lines]
    if hasattr(form, "phase"):
        form.phase.choices = [
            (p.id, f"{p.position}. {localized(p, 'name')}") for p in ref_queries.list_phases()
        ]


def _practice_data(form) -> services.PracticeData:
    themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(form.themes.data or []))))
    lines = list(
        db.session.scalars(select(ActionLine).where(ActionLine.id.in_(form.action_lines.data or [])))
    )
    return services.PracticeData(
        title=form.title.data or "",
        summary=form.summary.data or "",
        body=form.body.data or "",
        themes=themes,
        action_lines=lines,
        phase=db.session.get(CyclePhase, form.phase.data),
        target_group=form.target_group.data or "",
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        links=forms.parse_links(form.links.data),
        profile=form.profile_data(),
    )


@bp.get("/praktijken")
@visitor_cached
def index():
    """Every visible practice, filtered and sorted from the URL (exchange.practices.listing)."""
    ref = listing.Reference.load()
    browse = listing.read_browse(request.args, current_user, ref)
    stmt = listing.practices_stmt(current_user, browse)
    pagination = listing.paginate(stmt, browse.page)
    if browse.page > 1 and not pagination.items:
        abort(404)
    return render_template(
        "practices/index.html",
        pagination=pagination,
        browse=browse,
        facets=listing.facets(current_user, browse, ref),
        sorts=listing.sort_options(browse),
    )


@bp.route("/praktijken/nieuw", methods=["GET", "POST"])
@login_required
def create():
    region = db.session.get(Region, current_user.region_id) if current_user.region_id else None
    if region is None:
        raise NotAllowed(_("Alleen medewerkers van een regio schrijven praktijkvoorbeelden."))
    require(current_user, "practice.create", region)
    form = forms.NewPracticeForm()
    _choices(form)
    if not form.is_submitted():
        form.set_partner_rows([])
    saved = submit(
        form, lambda: cycle.start_practice(current_user, region, _practice_data(form), form.started_on.data)
    )
    if saved.done:
        flash(_("Het praktijkvoorbeeld is opgeslagen als concept."), "success")
        return redirect(url_for("practices.detail", practice_id=saved.value.id))
    return render_template("practices/form.html", form=form, practice=None, region=region), saved.status


@bp.get("/praktijken/<int:practice_id>")
@visitor_cached
def detail(practice_id: int):
    practice = queries.get_practice(current_user, practice_id)
    can_feedback = can(current_user, "feedback.view", practice)
    feedback_form = forms.FeedbackForm() if can(current_user, "feedback.post", practice) else None
    return render_template(
        "practices/detail.html",
        practice=practice,
        series=queries.result_series(practice),
        thread=queries.feedback_thread(practice) if can_feedback else None,
        feedback_form=feedback_form,
        confirm_form=ConfirmForm(),
        phases=ref_queries.list_phases(),
    )


@bp.route("/praktijken/<int:practice_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(practice_id: int):
    practice = queries.get_practice_for_change(current_user, practice_id)
    require(current_user, "practice.edit", practice)
    form = forms.PracticeForm(obj=practice if request.method == "GET" else None)
    _choices(form)
    if request.method == "GET":
        form.themes.data = [t.id for t in practice.themes]
        form.action_lines.data = [x.id for x in practice.action_lines]
        form.phase.data = practice.phase_id
        form.links.data = "\n".join(f"{link.title} | {link.url}" for link in practice.links)
        form.revision.data = str(practice.revision)
        form.fill_profile(practice)
    typed = form.revision.data or ""
    started_from = whole_number(typed)  # None for "0"; anything else fails validation
    try:
        saved = submit(
            form,
            lambda: services.update_practice(
                current_user, practice, _practice_data(form), expected_revision=started_from
            ),
            refusals=(Invalid,),
        )
    except Conflict as error:
        if error.code != "stale_revision":
            raise
        # Someone saved in between: keep every typed value, show their change, let the next save through.
        db.session.rollback()
        merge = conflicts.merge_view(practice, started_from, conflicts.typed_snapshot(_practice_data(form)))
        conflicts.take_theirs(form, practice, merge)
        return render_template(
            "practices/form.html", form=form, practice=practice, region=practice.region, merge=merge
        ), 409
    if saved.done:
        flash(
            _("De wijzigingen zijn opgeslagen.") if saved.value else _("Er was niets gewijzigd."), "success"
        )
        return redirect(url_for("practices.detail", practice_id=practice.id))
    return render_template(
        "practices/form.html", form=form, practice=practice, region=practice.region
    ), saved.status


@bp.post("/praktijken/<int:practice_id>/feedback")
@login_required
def feedback(practice_id: int):
    practice = queries.get_practice_for_change(current_user, practice_id)
    require(current_user, "feedback.post", practice)
    form = forms.FeedbackForm()
    posted = submit(form, lambda: services.post_feedback(current_user, practice, form.body.data))
    if posted.done:
        flash(_("Uw bericht is geplaatst."), "success")
        return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="feedback"))
    practice = queries.get_practice(current_user, practice_id)
    return (
        render_template(
            "practices/detail.html",
            practice=practice,
            series=queries.result_series(practice),
            thread=queries.feedback_thread(practice),
            feedback_form=form,
            confirm_form=ConfirmForm(),
            phases=ref_queries.list_phases(),
        ),
        posted.status,
    )


@bp.get("/dashboard")
def dashboard():
    """The functionary's dashboard became the workspace (issue 12); old bookmarks move with it."""
    return redirect(url_for("workspace.index"), 301)


@bp.get("/ontwikkelcirkel/kaart")
@visitor_cached
def cycle_map():
    themes = ref_queries.list_themes()
    slug = request.args.get("thema") or (themes[0].slug if themes else None)
    theme = next((t for t in themes if t.slug == slug), None)
    if theme is None:
        abort(404)
    counts = queries.cycle_map(current_user, theme.id)
    regions = ref_queries.list_regions()
    phases = ref_queries.list_phases()
    return render_template(
        "practices/cycle_map.html", theme=theme, themes=themes, counts=counts, regions=regions, phases=phases
    )
