"""Rules about people, coaching assignments, the audit log and reference data, plus role helpers.

The helpers (`is_admin`, `is_staff_of`, `is_self`, `coaches`, `coached_pairs`) are shared with the other rule modules.
They receive the actor as `can()` passes it: None for visitors and for deactivated or deleted accounts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, exists, func, or_, select

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role
from exchange.extensions import db
from exchange.policy.registry import rule


def is_admin(user) -> bool:
    """An administrator (the system actor exchange.policy.SYSTEM acts as one too)."""
    return user is not None and user.role == Role.ADMIN


def is_staff_of(user, region_id: int | None) -> bool:
    """Regional staff of exactly this region."""
    return (
        user is not None and user.role == Role.STAFF and region_id is not None and user.region_id == region_id
    )


def is_functionary(user) -> bool:
    return user is not None and user.role == Role.FUNCTIONARY


def coaches(user, region_id: int | None, theme_ids: Iterable[int]) -> bool:
    """True when a functionary coaches `region_id` on at least one of `theme_ids` (one query).

    An assignment with a theme counts for that theme; an assignment without a theme covers every theme the
    functionary is linked to.
    """
    theme_ids = list(theme_ids)
    if not is_functionary(user) or region_id is None or not theme_ids or getattr(user, "id", None) is None:
        return False
    linked = exists().where(
        FunctionaryTheme.user_id == user.id,
        FunctionaryTheme.theme_id.in_(theme_ids),
    )
    query = select(
        exists().where(
            CoachingAssignment.user_id == user.id,
            CoachingAssignment.region_id == region_id,
            or_(
                CoachingAssignment.theme_id.in_(theme_ids),
                and_(CoachingAssignment.theme_id.is_(None), linked),
            ),
        )
    )
    return bool(db.session.scalar(query))


def coached_pairs(user) -> set[tuple[int, int]]:
    """Every (region_id, theme_id) a functionary coaches, with "all themes" expanded (one query)."""
    if not is_functionary(user) or getattr(user, "id", None) is None:
        return set()
    query = (
        select(
            CoachingAssignment.region_id,
            func.coalesce(CoachingAssignment.theme_id, FunctionaryTheme.theme_id),
        )
        .outerjoin(
            FunctionaryTheme,
            and_(
                CoachingAssignment.theme_id.is_(None), FunctionaryTheme.user_id == CoachingAssignment.user_id
            ),
        )
        .where(CoachingAssignment.user_id == user.id)
    )
    return {
        (region_id, theme_id) for region_id, theme_id in db.session.execute(query) if theme_id is not None
    }


def is_self(user, obj) -> bool:
    """`obj` is the user's own account."""
    return user is not None and getattr(user, "id", None) is not None and getattr(obj, "id", None) == user.id


@rule("account.edit_self")
def edit_own_account(user, account) -> bool:
    """Change one's own name, password or email address, or delete one's own account."""
    return is_self(user, account)


@rule("user.manage")
def manage_user(user, target) -> bool:
    """See the people list, change roles, deactivate and reactivate accounts."""
    return is_admin(user)


@rule("user.invite")
def invite_user(user, obj) -> bool:
    return is_admin(user)


@rule("assignment.manage")
def manage_assignments(user, functionary) -> bool:
    """Link functionaries to themes and assign them to regions."""
    return is_admin(user)


@rule("audit.view")
def view_audit(user, obj) -> bool:
    return is_admin(user)


@rule("reference.edit")
def edit_reference(user, obj) -> bool:
    """Correct regions, themes, cycle phases, transformation plans and fund allocations."""
    return is_admin(user)
