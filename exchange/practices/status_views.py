"""Publishing and archiving a practice, each confirmed on a page of its own.

GET `/praktijken/<id>/publiceren` shows the practice as the public will see it (and what stays private), GET
`/praktijken/<id>/archiveren` what archiving does; the POST to the same URL acts. A practice the user may not
see answers 404, as its page does; one they may see but not change answers 403 with the reason.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.forms import ConfirmForm, submit
from exchange.policy import require
from exchange.practices import bp, queries, services
from exchange.practices.models import FeedbackMessage, Status


def _detail(practice):
    return redirect(url_for("practices.detail", practice_id=practice.id))


@bp.route("/praktijken/<int:practice_id>/publiceren", methods=["GET", "POST"])
@login_required
def publish(practice_id: int):
    practice = queries.get_practice(current_user, practice_id)
    require(current_user, "practice.publish", practice)
    form = ConfirmForm()
    if not form.is_submitted() and practice.status == Status.PUBLISHED:
        flash(_("Dit praktijkvoorbeeld is al gepubliceerd."), "info")
        return _detail(practice)
    published = submit(form, lambda: services.publish_practice(current_user, practice), refusals=())
    if published.done:
        flash(_("Het praktijkvoorbeeld is gepubliceerd en voor iedereen zichtbaar."), "success")
        return _detail(practice)
    feedback_count = db.session.scalar(
        select(func.count(FeedbackMessage.id)).where(FeedbackMessage.practice_id == practice.id)
    )
    return render_template(
        "practices/publish.html",
        practice=practice,
        series=queries.result_series(practice),
        feedback_count=feedback_count,
        form=form,
    ), published.status


@bp.route("/praktijken/<int:practice_id>/archiveren", methods=["GET", "POST"])
@login_required
def archive(practice_id: int):
    practice = queries.get_practice(current_user, practice_id)
    require(current_user, "practice.archive", practice)
    form = ConfirmForm()
    if not form.is_submitted() and practice.status == Status.ARCHIVED:
        flash(_("Dit praktijkvoorbeeld is al gearchiveerd."), "info")
        return _detail(practice)
    archived = submit(form, lambda: services.archive_practice(current_user, practice), refusals=())
    if archived.done:
        flash(_("Het praktijkvoorbeeld is gearchiveerd."), "success")
        return _detail(practice)
    was_public = practice.status == Status.PUBLISHED
    items = [
        _(
            "‘%(title)s’ verdwijnt uit de openbare lijsten, de zoekresultaten, de kaart, de feeds en de open data.",
            title=practice.title,
        )
        if was_public
        else _(
            "‘%(title)s’ wordt niet meer als concept getoond, maar bewaard als gearchiveerd.",
            title=practice.title,
        ),
        _("Bezoekers die een link naar deze pagina volgen, krijgen te horen dat de pagina niet bestaat."),
        _(
            "De regio, haar themafunctionarissen en beheerders zien het praktijkvoorbeeld nog, met zijn resultaten, geschiedenis en begeleiding."
        ),
        _("Het archiveren komt in de geschiedenis van het praktijkvoorbeeld en in het logboek."),
        _("Wilt u het later weer openbaar maken, dan kan dat met ‘Publiceren’."),
    ]
    return render_template(
        "_partials/confirm_page.html",
        title=_("‘%(title)s’ archiveren?", title=practice.title),
        lead=_("Dit praktijkvoorbeeld hoort bij regio %(region)s.", region=practice.region.display_name),
        items=items,
        action=url_for("practices.archive", practice_id=practice.id),
        button=_("Archiveer dit praktijkvoorbeeld"),
        cancel=(url_for("practices.detail", practice_id=practice.id), None),
        form=form,
        crumbs=[
            (practice.region.display_name, url_for("reference.region", slug=practice.region.slug)),
            (practice.title, url_for("practices.detail", practice_id=practice.id)),
            (_("Archiveren"), None),
        ],
    ), archived.status
