"""The search page (/zoeken) and the search administration page (/beheer/zoeken)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import delete, select

from exchange.caching.visitor import visitor_cached
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.forms import ConfirmForm, Submission, apply_invalid, submit
from exchange.policy import require
from exchange.search import bp, forms, misses, page_cache, parsing, queries, synonyms
from exchange.search.models import SearchMiss, SearchSynonym

MISSES_SHOWN = 200


def _count_stored_miss(meta: object) -> None:
    """A visitor served a stored search page is counted as the first one was (see `index`)."""
    if isinstance(meta, str):
        misses.record_miss(meta)


@bp.get("/zoeken")
@visitor_cached(key_extra=page_cache.key_extra, on_hit=_count_stored_miss)
def index():
    search_request = parsing.read_request(request.args)
    # One card per practice, unless the user asked for one kind of item (soort=...).
    grouped = not search_request.filters.get("soort")
    outcome = queries.search(current_user, search_request, grouped=grouped, literal=search_request.literal)
    if (
        outcome.searched
        and (
            outcome.total == 0  # no practice found: counted even when a theme or region matched
            or outcome.corrected_from is not None
            or outcome.relaxed
        )
        and not search_request.has_filters
        and search_request.page == 1
    ):
        missed = outcome.corrected_from or outcome.query.text
        misses.record_miss(missed)
        g.visitor_cache_meta = missed  # a stored copy of this page counts it again for each visitor it serves
    page = render_template("search/index.html", outcome=outcome, req=search_request)
    page_cache.check_rendered()
    return page


def _admin_page(form=None, edit=None, status=200):
    require(current_user, "search.manage")
    misses.flush()  # this worker's buffered counts (the others write theirs within seconds)
    synonym_list = list(db.session.scalars(select(SearchSynonym).order_by(SearchSynonym.terms)))
    miss_list = list(
        db.session.scalars(
            select(SearchMiss)
            .order_by(SearchMiss.count.desc(), SearchMiss.last_seen.desc())
            .limit(MISSES_SHOWN)
        )
    )
    return (
        render_template(
            "search/admin.html",
            synonyms=synonym_list,
            misses=miss_list,
            form=form or forms.SynonymForm(),
            edit=edit,
            confirm_form=ConfirmForm(),
        ),
        status,
    )


def _save_synonym(form, action) -> Submission:
    """Save through `submit`; a duplicate group (Conflict) answers 409 with the typed terms still on the form."""
    try:
        return submit(form, action, refusals=(Invalid,))
    except Conflict as error:
        db.session.rollback()
        apply_invalid(form, error)
        return Submission(done=False, status=409)


@bp.get("/beheer/zoeken")
@login_required
def admin():
    return _admin_page()


@bp.post("/beheer/zoeken/synoniemen")
@login_required
def add_synonym():
    require(current_user, "search.manage")
    form = forms.SynonymForm()
    saved = _save_synonym(
        form, lambda: synonyms.add_synonym(current_user, form.terms.data, form.note.data or "")
    )
    if saved.done:
        flash(_("De synoniemen zijn toegevoegd; ze werken meteen bij het zoeken."), "success")
        return redirect(url_for("search.admin"))
    return _admin_page(form=form, status=saved.status)


@bp.route("/beheer/zoeken/synoniemen/<int:synonym_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_synonym(synonym_id: int):
    require(current_user, "search.manage")
    synonym = db.get_or_404(SearchSynonym, synonym_id)
    form = forms.SynonymForm(obj=synonym if request.method == "GET" else None)
    saved = _save_synonym(
        form, lambda: synonyms.update_synonym(current_user, synonym, form.terms.data, form.note.data or "")
    )
    if saved.done:
        flash(_("De synoniemen zijn gewijzigd."), "success")
        return redirect(url_for("search.admin"))
    return _admin_page(form=form, edit=synonym, status=saved.status)


@bp.post("/beheer/zoeken/synoniemen/<int:synonym_id>/verwijderen")
@login_required
def delete_synonym(synonym_id: int):
    require(current_user, "search.manage")
    synonym = db.get_or_404(SearchSynonym, synonym_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    synonyms.delete_synonym(current_user, synonym)
    db.session.commit()
    flash(_("De groep synoniemen is verwijderd."), "success")
    return redirect(url_for("search.admin"))


@bp.post("/beheer/zoeken/zonder-resultaat/wissen")
@login_required
def clear_misses():
    require(current_user, "search.manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    misses.flush()
    db.session.execute(delete(SearchMiss))
    db.session.commit()
    flash(_("De lijst met zoekopdrachten zonder resultaat is gewist."), "success")
    return redirect(url_for("search.admin"))
