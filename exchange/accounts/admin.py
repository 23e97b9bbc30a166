"""Administration screens for people and coaching under /beheer: users, invitations, roles, themes,
coaching assignments and the audit log (on the `admin` blueprint, endpoints `admin.*`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from exchange.accounts import audit_sentences, queries
from exchange.accounts.admin_forms import AssignmentForm, InviteForm, RoleForm, ThemesForm
from exchange.accounts.models import ROLE_LABELS, CoachingAssignment, Role, User
from exchange.accounts.services import coaching, invitations, people
from exchange.accounts.twofactor import services as twofactor
from exchange.admin import bp
from exchange.audit import AUDIT_ACTIONS
from exchange.extensions import db
from exchange.forms import ConfirmForm, submit
from exchange.i18n import localized
from exchange.policy import require
from exchange.reference.models import Region, Theme
from exchange.routing import PAGE, whole_number


@bp.app_template_global()
def audit_label(action: str) -> str:
    return str(AUDIT_ACTIONS.get(action, action))


@bp.app_template_global()
def audit_sentences_for(events) -> dict[int, str]:
    """Each event of a page as a sentence (names looked up once for the page)."""
    return audit_sentences.describe(events)


@bp.app_template_filter("audit_time")
def audit_time(value) -> str:
    return format_datetime(value, "d MMM y HH:mm:ss")


def _region_choices(empty_label: str | None):
    choices = [(r.id, r.display_name) for r in queries.all_regions()]
    return ([("", empty_label)] if empty_label is not None else [("", "—")]) + choices


def _theme_choices():
    return [(t.id, localized(t, "name")) for t in queries.all_themes()]


def _get(model, object_id: int):
    return db.get_or_404(model, object_id)


def _optional(model, object_id: int | None):
    """The row with this id, or None when the form left the choice empty."""
    return db.session.get(model, object_id) if object_id else None


@bp.get("/mensen")
def users():
    require(current_user, "user.manage")
    args = request.args
    role = args.get("rol", "")
    role_filter = Role(role) if role in {r.value for r in Role} else None
    region = args.get("regio", "")
    region_filter = whole_number(region)
    status = args.get("status", "") if args.get("status") in {"active", "invited", "inactive"} else ""
    q = args.get("q", "")[:100]
    pagination = queries.search_users(
        q=q,
        role=role_filter,
        region_id=region_filter,
        status=status,
        page=args.get("pagina", 1, type=PAGE),
    )
    filters = {
        "q": q,
        "rol": role_filter.value if role_filter else "",
        "regio": region_filter or "",
        "status": status,
    }
    return render_template(
        "admin/users.html",
        pagination=pagination,
        filters={k: v for k, v in filters.items() if v},
        regions=queries.all_regions(),
        roles=[(role.value, str(ROLE_LABELS[role])) for role in Role],
    )


@bp.route("/mensen/uitnodigen", methods=["GET", "POST"])
def invite():
    require(current_user, "user.invite")
    form = InviteForm()
    form.region.choices = _region_choices(_("— geen regio —"))
    form.themes.choices = _theme_choices()
    result = submit(
        form,
        lambda: invitations.invite_user(
            current_user,
            form.email.data,
            Role(form.role.data),
            name=form.name.data or "",
            region=_optional(Region, form.region.data),
            themes=[db.session.get(Theme, theme_id) for theme_id in form.themes.data],
        ),
    )
    if result.done:
        flash(_("Uitnodiging verstuurd naar %(email)s.", email=result.value.email), "info")
        return redirect(url_for("admin.user", user_id=result.value.id))
    return render_template("admin/invite.html", form=form), result.status


def _user_page(user, *, role_form=None, themes_form=None, assignment_form=None, status: int = 200):
    role_form = role_form or RoleForm(role=user.role.value, region=user.region_id)
    role_form.region.choices = _region_choices(_("— geen regio —"))
    themes_form = themes_form or ThemesForm(themes=[t.id for t in user.themes])
    themes_form.themes.choices = _theme_choices()
    assignment_form = assignment_form or AssignmentForm()
    assignment_form.region.choices = _region_choices(_("— kies een regio —"))
    assignment_form.theme.choices = [("", _("alle thema's van deze functionaris"))] + [
        (t.id, localized(t, "name")) for t in user.themes
    ]
    events = queries.audit_events(subject_id=user.id, per_page=20)
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        themes_form=themes_form,
        assignment_form=assignment_form,
        confirm_form=ConfirmForm(),
        events=events.items,
        twofactor=twofactor.second_factor(user),
    ), status


@bp.get("/mensen/<int:user_id>")
def user(user_id: int):
    require(current_user, "user.manage")
    return _user_page(queries.get_user_for_admin(user_id))


@bp.post("/mensen/<int:user_id>/rol")
def change_role(user_id: int):
    require(current_user, "user.manage")
    user = queries.get_user_for_admin(user_id)
    form = RoleForm()
    form.region.choices = _region_choices(_("— geen regio —"))
    result = submit(
        form,
        lambda: people.change_role(
            current_user, user, Role(form.role.data), _optional(Region, form.region.data)
        ),
    )
    if result.done:
        flash(_("De rol is opgeslagen."), "info")
        return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(queries.get_user_for_admin(user_id), role_form=form, status=result.status)


@bp.post("/mensen/<int:user_id>/deactiveren")
def deactivate(user_id: int):
    require(current_user, "user.manage")
    people.deactivate_user(current_user, _get_user(user_id))
    db.session.commit()
    flash(_("Het account is gedeactiveerd; alle sessies zijn beëindigd."), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/mensen/<int:user_id>/activeren")
def reactivate(user_id: int):
    require(current_user, "user.manage")
    people.reactivate_user(current_user, _get_user(user_id))
    db.session.commit()
    flash(_("Het account is weer actief."), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/mensen/<int:user_id>/tweede-factor-resetten")
def reset_twofactor(user_id: int):
    require(current_user, "user.manage")
    twofactor.reset(current_user, _get_user(user_id), ip=request.remote_addr)
    db.session.commit()
    flash(
        _("De tweede factor is gereset; de persoon stelt bij de volgende keer inloggen een nieuwe in."),
        "info",
    )
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/mensen/<int:user_id>/uitnodiging-opnieuw")
def resend_invitation(user_id: int):
    require(current_user, "user.invite")
    invitations.resend_invitation(current_user, _get_user(user_id))
    db.session.commit()
    flash(_("Er is een nieuwe uitnodiging verstuurd; de vorige link werkt niet meer."), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/mensen/<int:user_id>/themas")
def set_themes(user_id: int):
    require(current_user, "assignment.manage")
    user = queries.get_user_for_admin(user_id)
    form = ThemesForm()
    form.themes.choices = _theme_choices()
    result = submit(
        form,
        lambda: coaching.set_functionary_themes(
            current_user, user, [db.session.get(Theme, theme_id) for theme_id in form.themes.data]
        ),
    )
    if result.done:
        flash(_("De thema's zijn opgeslagen."), "info")
        return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(queries.get_user_for_admin(user_id), themes_form=form, status=result.status)


@bp.post("/mensen/<int:user_id>/toewijzingen")
def add_assignment(user_id: int):
    require(current_user, "assignment.manage")
    user = queries.get_user_for_admin(user_id)
    form = AssignmentForm()
    form.region.choices = _region_choices(_("— kies een regio —"))
    form.theme.choices = [("", "")] + [(t.id, localized(t, "name")) for t in user.themes]
    result = submit(
        form,
        lambda: coaching.assign_functionary(
            current_user, user, _get(Region, form.region.data), _optional(Theme, form.theme.data)
        ),
    )
    if result.done:
        flash(_("De toewijzing is opgeslagen."), "info")
        return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(queries.get_user_for_admin(user_id), assignment_form=form, status=result.status)


@bp.post("/mensen/<int:user_id>/toewijzingen/<int:assignment_id>/verwijderen")
def remove_assignment(user_id: int, assignment_id: int):
    require(current_user, "assignment.manage")
    assignment = _get(CoachingAssignment, assignment_id)
    if assignment.user_id != user_id:
        abort(404)
    coaching.unassign_functionary(current_user, assignment)
    db.session.commit()
    flash(_("De toewijzing is ingetrokken."), "info")
    return redirect(url_for("admin.user", user_id=user_id))


def _get_user(user_id: int) -> User:
    return _get(User, user_id)


@bp.get("/logboek")
def audit_log():
    require(current_user, "audit.view")
    action = request.args.get("actie", "")
    action = action if action in AUDIT_ACTIONS else ""
    pagination = queries.audit_events(action=action, page=request.args.get("pagina", 1, type=PAGE))
    return render_template("admin/audit.html", pagination=pagination, action=action, actions=AUDIT_ACTIONS)


@bp.get("/audit")
def audit_alias():
    """The audit log under its English name too (same filters)."""
    require(current_user, "audit.view")
    return redirect(url_for("admin.audit_log", **request.args))
