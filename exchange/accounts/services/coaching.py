"""Coaching: which themes a functionary is linked to, and which regions they coach on which themes."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, select

from exchange import audit
from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
from exchange.accounts.services.rules import ensure_not_deleted
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.policy import require
from exchange.reference.models import Region, Theme


def remove_coaching(user: User) -> None:
    """Remove all theme links and coaching assignments of `user` (leaving the role, deleting the account)."""
    db.session.execute(delete(CoachingAssignment).where(CoachingAssignment.user_id == user.id))
    db.session.execute(delete(FunctionaryTheme).where(FunctionaryTheme.user_id == user.id))
    db.session.expire(user, ["themes", "assignments"])


def _require_functionary(user: User) -> None:
    ensure_not_deleted(user)
    if user.role != Role.FUNCTIONARY:
        raise Invalid(_("Alleen themafunctionarissen kunnen aan thema's en regio's worden gekoppeld."))


def _linked_theme_ids(user: User) -> set[int]:
    return set(
        db.session.scalars(select(FunctionaryTheme.theme_id).where(FunctionaryTheme.user_id == user.id))
    )


def link_theme(actor, user: User, theme: Theme) -> None:
    """Link a functionary to a theme (they become a contact for it)."""
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    if theme.id in _linked_theme_ids(user):
        raise Conflict(_("Deze functionaris is al aan dit thema gekoppeld."))
    db.session.add(FunctionaryTheme(user_id=user.id, theme_id=theme.id))
    audit.record("theme_linked", actor=actor, subject=user, theme=theme.slug)
    db.session.flush()
    db.session.expire(user, ["themes"])


def unlink_theme(actor, user: User, theme: Theme) -> None:
    """Unlink a functionary from a theme; their coaching assignments for that theme end with it."""
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    if theme.id not in _linked_theme_ids(user):
        raise Conflict(_("Deze functionaris is niet aan dit thema gekoppeld."))
    db.session.execute(
        delete(FunctionaryTheme).where(
            FunctionaryTheme.user_id == user.id, FunctionaryTheme.theme_id == theme.id
        )
    )
    removed = db.session.execute(
        delete(CoachingAssignment).where(
            CoachingAssignment.user_id == user.id, CoachingAssignment.theme_id == theme.id
        )
    ).rowcount
    audit.record("theme_unlinked", actor=actor, subject=user, theme=theme.slug, assignments_removed=removed)
    db.session.flush()
    db.session.expire(user, ["themes", "assignments"])


def set_functionary_themes(actor, user: User, themes: Iterable[Theme]) -> None:
    """Make a functionary's theme links exactly `themes` (links and unlinks the difference)."""
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    wanted = {t.id: t for t in themes}
    current = _linked_theme_ids(user)
    for theme_id, theme in wanted.items():
        if theme_id not in current:
            link_theme(actor, user, theme)
    if current - wanted.keys():
        for theme in db.session.scalars(select(Theme).where(Theme.id.in_(current - wanted.keys()))):
            unlink_theme(actor, user, theme)


def assign_functionary(actor, user: User, region: Region, theme: Theme | None = None) -> CoachingAssignment:
    """Assign a functionary to coach a region on one of their themes, or (theme None) on all of them.

    An "all themes" assignment replaces the region's single-theme assignments of that functionary.
    Raises Invalid when the functionary is not linked to the theme, Conflict when it is already covered.
    """
    require(actor, "assignment.manage", user)
    _require_functionary(user)
    existing = list(
        db.session.scalars(
            select(CoachingAssignment).where(
                CoachingAssignment.user_id == user.id, CoachingAssignment.region_id == region.id
            )
        )
    )
    if any(a.theme_id is None for a in existing):
        raise Conflict(_("Deze functionaris coacht deze regio al op al zijn of haar thema's."))
    if theme is not None:
        if theme.id not in _linked_theme_ids(user):
            raise Invalid.on_field("theme", _("Koppel de functionaris eerst aan dit thema."))
        if any(a.theme_id == theme.id for a in existing):
            raise Conflict(_("Deze functionaris coacht deze regio al op dit thema."))
    else:
        for assignment in existing:
            db.session.delete(assignment)
        db.session.flush()
    assignment = CoachingAssignment(
        user_id=user.id, region_id=region.id, theme_id=theme.id if theme else None
    )
    db.session.add(assignment)
    audit.record(
        "assignment_added",
        actor=actor,
        subject=user,
        region=region.code,
        theme=theme.slug if theme else None,
        replaced=len(existing) if theme is None else 0,
    )
    db.session.flush()
    db.session.expire(user, ["assignments"])
    return assignment


def unassign_functionary(actor, assignment: CoachingAssignment) -> None:
    """End a coaching assignment."""
    user = assignment.user
    require(actor, "assignment.manage", user)
    audit.record(
        "assignment_removed",
        actor=actor,
        subject=user,
        region=assignment.region.code,
        theme=assignment.theme.slug if assignment.theme else None,
    )
    db.session.delete(assignment)
    db.session.flush()
    db.session.expire(user, ["assignments"])
