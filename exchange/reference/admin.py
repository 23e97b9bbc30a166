"""Administration screens to correct reference data under /beheer: regions, plans, fund allocations, themes,
cycle phases (on the `admin` blueprint, endpoints `admin.*`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.admin import bp
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.forms import ConfirmForm, submit
from exchange.policy import require
from exchange.reference import services
from exchange.reference.forms import (
    VERIFIABLE_REGION_FIELDS,
    AllocationForm,
    PhaseForm,
    PlanForm,
    RegionForm,
    ThemeForm,
)
from exchange.reference.models import (
    ActionLine,
    CyclePhase,
    FundAllocation,
    Region,
    Theme,
    TransformationPlan,
)
from exchange.reference.naming import action_line_label


@bp.get("/referentie")
def reference():
    require(current_user, "reference.edit")
    regions = db.session.scalars(select(Region).order_by(Region.display_name)).all()
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)).all()
    phases = db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)).all()
    return render_template("admin/reference.html", regions=regions, themes=themes, phases=phases)


def _load_region(region_id: int) -> Region:
    region = db.session.scalar(
        select(Region)
        .where(Region.id == region_id)
        .options(
            selectinload(Region.plan).selectinload(TransformationPlan.action_lines),
            selectinload(Region.allocations),
        )
    )
    if region is None:
        raise NotFound()
    return region


def _values(form, fields: tuple[str, ...]) -> dict:
    return {name: getattr(form, name).data for name in fields}


def _region_values(form: RegionForm, region: Region) -> dict:
    return {
        "display_name": form.display_name.data.strip(),
        "display_name_note": (form.display_name_note.data or "").strip(),
        "central_municipality": form.central_municipality.data,
        "municipalities": list(form.municipalities.data or []),
        # Keep flags for fields this form does not edit; replace those it does.
        "unverified": [f for f in region.unverified if f not in VERIFIABLE_REGION_FIELDS]
        + list(form.unverified.data),
    }


@bp.route("/regios/<int:region_id>", methods=["GET", "POST"])
def edit_region(region_id: int):
    require(current_user, "reference.edit")
    region = _load_region(region_id)
    if request.method == "GET":
        form = RegionForm(obj=region)
        form.unverified.data = [f for f in region.unverified if f in VERIFIABLE_REGION_FIELDS]
    else:
        form = RegionForm()
    result = submit(form, lambda: services.update_region(current_user, region, _region_values(form, region)))
    if result.done:
        flash(_("De regio is opgeslagen."), "info")
        return redirect(url_for("admin.edit_region", region_id=region.id))
    return render_template(
        "admin/region.html", region=region, form=form, confirm_form=ConfirmForm()
    ), result.status


@bp.route("/regios/<int:region_id>/plan", methods=["GET", "POST"])
def edit_plan(region_id: int):
    require(current_user, "reference.edit")
    region = _load_region(region_id)
    plan = region.plan
    if request.method == "GET":
        form = PlanForm(obj=plan) if plan else PlanForm()
        form.action_lines.data = [x.id for x in plan.action_lines] if plan else []
    else:
        form = PlanForm()
    lines = db.session.scalars(select(ActionLine).order_by(ActionLine.number)).all()
    form.action_lines.choices = [(x.id, action_line_label(x)) for x in lines]
    result = submit(
        form,
        lambda: services.update_plan(
            current_user, region, _values(form, services.PLAN_FIELDS), list(form.action_lines.data)
        ),
    )
    if result.done:
        flash(_("Het transformatieplan is opgeslagen."), "info")
        return redirect(url_for("admin.edit_region", region_id=region.id))
    return render_template("admin/plan.html", region=region, form=form), result.status


@bp.route("/regios/<int:region_id>/toekenningen/nieuw", methods=["GET", "POST"])
def add_allocation(region_id: int):
    require(current_user, "reference.edit")
    region = _load_region(region_id)
    form = AllocationForm()
    result = submit(
        form,
        lambda: services.add_allocation(current_user, region, _values(form, services.ALLOCATION_FIELDS)),
    )
    if result.done:
        flash(_("De toekenning is toegevoegd."), "info")
        return redirect(url_for("admin.edit_region", region_id=region.id))
    return render_template("admin/allocation.html", region=region, form=form, allocation=None), result.status


@bp.route("/toekenningen/<int:allocation_id>", methods=["GET", "POST"])
def edit_allocation(allocation_id: int):
    require(current_user, "reference.edit")
    allocation = db.get_or_404(FundAllocation, allocation_id)
    form = AllocationForm(obj=allocation) if request.method == "GET" else AllocationForm()
    result = submit(
        form,
        lambda: services.update_allocation(
            current_user, allocation, _values(form, services.ALLOCATION_FIELDS)
        ),
    )
    if result.done:
        flash(_("De toekenning is opgeslagen."), "info")
        return redirect(url_for("admin.edit_region", region_id=allocation.region_id))
    return render_template(
        "admin/allocation.html",
        region=allocation.region,
        form=form,
        allocation=allocation,
        confirm_form=ConfirmForm(),
    ), result.status


@bp.post("/toekenningen/<int:allocation_id>/verwijderen")
def remove_allocation(allocation_id: int):
    require(current_user, "reference.edit")
    allocation = db.get_or_404(FundAllocation, allocation_id)
    region_id = allocation.region_id
    services.remove_allocation(current_user, allocation)
    db.session.commit()
    flash(_("De toekenning is verwijderd."), "info")
    return redirect(url_for("admin.edit_region", region_id=region_id))


def _theme_form(theme: Theme | None) -> ThemeForm:
    if request.method == "GET" and theme is not None:
        form = ThemeForm(obj=theme, action_line=theme.action_line_id)
    else:
        form = ThemeForm()
    lines = db.session.scalars(select(ActionLine).order_by(ActionLine.number)).all()
    form.action_line.choices = [("", _("— geen —"))] + [(x.id, action_line_label(x)) for x in lines]
    return form


def _theme_values(form: ThemeForm) -> dict:
    values = _values(form, tuple(name for name in services.THEME_FIELDS if name != "action_line_id"))
    values["action_line_id"] = form.action_line.data
    values["position"] = form.position.data or 0
    return values


def _save_theme(theme: Theme | None):
    form = _theme_form(theme)
    result = submit(form, lambda: services.save_theme(current_user, theme, _theme_values(form)))
    if result.done:
        flash(_("Het thema is opgeslagen."), "info")
        return redirect(url_for("admin.reference"))
    return render_template("admin/theme.html", form=form, theme=theme), result.status


@bp.route("/themas/nieuw", methods=["GET", "POST"])
def new_theme():
    require(current_user, "reference.edit")
    return _save_theme(None)


@bp.route("/themas/<int:theme_id>", methods=["GET", "POST"])
def edit_theme(theme_id: int):
    require(current_user, "reference.edit")
    return _save_theme(db.get_or_404(Theme, theme_id))


@bp.route("/fasen/<int:phase_id>", methods=["GET", "POST"])
def edit_phase(phase_id: int):
    require(current_user, "reference.edit")
    phase = db.get_or_404(CyclePhase, phase_id)
    form = PhaseForm(obj=phase) if request.method == "GET" else PhaseForm()
    result = submit(
        form, lambda: services.update_phase(current_user, phase, _values(form, services.PHASE_FIELDS))
    )
    if result.done:
        flash(_("De fase is opgeslagen."), "info")
        return redirect(url_for("admin.reference"))
    return render_template("admin/phase.html", form=form, phase=phase), result.status
