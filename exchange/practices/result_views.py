"""Result pages on the practices blueprint: add, correct and delete a measurement, rename (or merge) a series."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.extensions import db
from exchange.forms import ConfirmForm, submit
from exchange.i18n import localized
from exchange.policy import require
from exchange.practices import bp, forms, queries, results, services
from exchange.reference import queries as ref_queries
from exchange.reference.models import CyclePhase

SUGGESTIONS_ID = "indicator-suggestions"


def _prepare(form, practice) -> list[str]:
    """Phase choices, and the indicator input tied to its list of suggestions; returns the suggestions."""
    form.phase.choices = [(p.id, f"{p.position}. {localized(p, 'name')}") for p in ref_queries.list_phases()]
    form.indicator.render_kw = {"list": SUGGESTIONS_ID, "autocomplete": "off"}
    return results.indicator_suggestions(practice)


def _result_data(form, practice) -> services.ResultData:
    return services.ResultData(
        indicator=results.canonical_indicator(practice, form.indicator.data),
        value=form.value.data,
        unit=form.unit.data or "",
        baseline=form.baseline.data,
        target=form.target.data,
        measured_on=form.measured_on.data,
        phase=db.session.get(CyclePhase, form.phase.data),
        narrative=form.narrative.data or "",
    )


def _say_if_joined(form, saved_indicator: str) -> None:
    """Tell the user when their indicator was written like an existing series and joined it."""
    if results.tidy(form.indicator.data) != saved_indicator:
        flash(
            _("De indicator is gelijkgemaakt aan de bestaande reeks '%(name)s'.", name=saved_indicator),
            "info",
        )


@bp.route("/praktijken/<int:practice_id>/resultaten/nieuw", methods=["GET", "POST"])
@login_required
def add_result(practice_id: int):
    practice = queries.get_practice_for_change(current_user, practice_id)
    require(current_user, "result.add", practice)
    form = forms.ResultForm()
    suggestions = _prepare(form, practice)
    if request.method == "GET":
        form.phase.data = practice.phase_id
        indicator = request.args.get("indicator", "")[:200]
        if indicator:
            form.indicator.data = indicator
    saved = submit(form, lambda: services.add_result(current_user, practice, _result_data(form, practice)))
    if saved.done:
        flash(_("Het resultaat is toegevoegd."), "success")
        _say_if_joined(form, saved.value.indicator)
        return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="resultaten"))
    return render_template(
        "practices/result_form.html",
        form=form,
        practice=practice,
        result=None,
        suggestions=suggestions,
        suggestions_id=SUGGESTIONS_ID,
    ), saved.status


@bp.route("/praktijken/<int:practice_id>/resultaten/<int:result_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_result(practice_id: int, result_id: int):
    practice = queries.get_practice_for_change(current_user, practice_id)
    result = results.get_result(practice, result_id)
    require(current_user, "result.edit", result)
    form = forms.ResultForm(obj=result if request.method == "GET" else None)
    suggestions = _prepare(form, practice)
    if request.method == "GET":
        form.phase.data = result.phase_id  # obj= would give the phase object, not its id
    saved = submit(form, lambda: results.update_result(current_user, result, _result_data(form, practice)))
    if saved.done:
        flash(_("Het resultaat is gewijzigd.") if saved.value else _("Er was niets gewijzigd."), "success")
        _say_if_joined(form, result.indicator)
        return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="resultaten"))
    return render_template(
        "practices/result_form.html",
        form=form,
        practice=practice,
        result=result,
        suggestions=suggestions,
        suggestions_id=SUGGESTIONS_ID,
    ), saved.status


@bp.route("/praktijken/<int:practice_id>/resultaten/<int:result_id>/verwijderen", methods=["GET", "POST"])
@login_required
def delete_result(practice_id: int, result_id: int):
    practice = queries.get_practice_for_change(current_user, practice_id)
    result = results.get_result(practice, result_id)
    require(current_user, "result.delete", result)
    form = ConfirmForm()
    deleted = submit(form, lambda: results.delete_result(current_user, result), refusals=())
    if deleted.done:
        flash(_("Het resultaat is verwijderd."), "success")
        return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="resultaten"))
    return render_template(
        "practices/result_delete.html", form=form, practice=practice, result=result
    ), deleted.status


@bp.route("/praktijken/<int:practice_id>/reeksen/hernoemen", methods=["GET", "POST"])
@login_required
def rename_series(practice_id: int):
    practice = queries.get_practice_for_change(current_user, practice_id)
    require(current_user, "result.add", practice)
    names = results.series_names(practice)
    form = forms.RenameSeriesForm()
    form.series.choices = [(name, name) for name in names]
    form.new_name.render_kw = {"list": SUGGESTIONS_ID, "autocomplete": "off"}
    if request.method == "GET" and request.args.get("reeks") in names:
        form.series.data = request.args["reeks"]
    renamed = submit(
        form,
        lambda: results.rename_series(current_user, practice, form.series.data, form.new_name.data),
    )
    if renamed.done:
        flash(_("De reeks is hernoemd (%(n)s metingen).", n=renamed.value), "success")
        return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="resultaten"))
    return render_template(
        "practices/result_rename.html",
        form=form,
        practice=practice,
        suggestions=results.indicator_suggestions(practice),
        suggestions_id=SUGGESTIONS_ID,
    ), renamed.status
