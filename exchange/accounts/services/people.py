"""Administration of people: roles (and the region of regional staff), deactivating and reactivating."""

from __future__ import annotations

from flask_babel import gettext as _

from exchange import audit
from exchange.accounts.models import Role, User
from exchange.accounts.services.coaching import remove_coaching
from exchange.accounts.services.rules import check_combination, ensure_not_deleted, ensure_not_last_admin
from exchange.accounts.services.sessions import end_sessions
from exchange.errors import Conflict
from exchange.extensions import db
from exchange.policy import require
from exchange.reference.models import Region


def change_role(actor, user: User, role: Role, region: Region | None = None) -> None:
    """Give someone another role (and, for regional staff, their region). Administrators only.

    Leaving the functionary role removes theme links and coaching assignments. The last administrator
    cannot lose that role.
    """
    require(actor, "user.manage", user)
    ensure_not_deleted(user)
    check_combination(role, region, ())
    new_region_id = region.id if region else None
    if user.role == role and user.region_id == new_region_id:
        return
    if role != Role.ADMIN:
        ensure_not_last_admin(user, _("Er moet minstens één actieve beheerder blijven."))
    old_role, old_region = user.role, user.region
    if old_role == Role.FUNCTIONARY and role != Role.FUNCTIONARY:
        remove_coaching(user)
    user.role = role
    user.region_id = new_region_id
    audit.record(
        "role_changed",
        actor=actor,
        subject=user,
        old_role=old_role.value,
        role=role.value,
        old_region=old_region.code if old_region else None,
        region=region.code if region else None,
    )
    db.session.flush()
    db.session.expire(user, ["region"])


def deactivate_user(actor, user: User) -> None:
    """Block an account: it can no longer sign in and every session ends. Not one's own account."""
    require(actor, "user.manage", user)
    ensure_not_deleted(user)
    if getattr(actor, "id", None) == user.id:
        raise Conflict(_("U kunt uw eigen account niet deactiveren."))
    if not user.active:
        raise Conflict(_("Dit account is al gedeactiveerd."))
    ensure_not_last_admin(user, _("Er moet minstens één actieve beheerder blijven."))
    user.active = False
    end_sessions(user)  # with every open invitation, reset and email-change link
    audit.record("user_deactivated", actor=actor, subject=user)
    db.session.flush()


def reactivate_user(actor, user: User) -> None:
    """Let a deactivated account sign in again."""
    require(actor, "user.manage", user)
    ensure_not_deleted(user)
    if user.active:
        raise Conflict(_("Dit account is al actief."))
    user.active = True
    audit.record("user_reactivated", actor=actor, subject=user)
    db.session.flush()
