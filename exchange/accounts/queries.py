"""Read-only queries about people: contacts per theme, coaches per region, the people list and the audit log."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from exchange.accounts.models import AuditEvent, CoachingAssignment, FunctionaryTheme, Role, User
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.reference.models import Region, Theme


def _visible_functionaries() -> Select:
    return select(User).where(User.role == Role.FUNCTIONARY, User.active.is_(True), User.deleted_at.is_(None))


def functionaries_for_theme(theme_id: int) -> list[User]:
    """Active functionaries linked to a theme (its contacts), by name. One query."""
    query = (
        _visible_functionaries()
        .join(FunctionaryTheme, FunctionaryTheme.user_id == User.id)
        .where(FunctionaryTheme.theme_id == theme_id)
        .order_by(User.name, User.email)
    )
    return list(db.session.scalars(query))


def coaches_for_region(region_id: int) -> list[tuple[User, Theme | None]]:
    """Who coaches a region on which theme: (functionary, theme), theme None meaning all their themes.

    Each user's linked themes are loaded too (`user.themes`), so "all themes" can be spelled out. Two queries.
    """
    query = (
        select(User, Theme)
        .join(CoachingAssignment, CoachingAssignment.user_id == User.id)
        .outerjoin(Theme, Theme.id == CoachingAssignment.theme_id)
        .where(
            CoachingAssignment.region_id == region_id,
            User.role == Role.FUNCTIONARY,
            User.active.is_(True),
            User.deleted_at.is_(None),
        )
        .options(selectinload(User.themes))
        .order_by(User.name, User.email, Theme.position.nulls_first(), Theme.name)
    )
    return [(user, theme) for user, theme in db.session.execute(query)]


def search_users(
    *,
    q: str = "",
    role: Role | None = None,
    region_id: int | None = None,
    status: str = "",
    page: int = 1,
    per_page: int = 25,
):
    """The administrators' people list: search name/address, filter by role, region and status; paginated.

    Regions, themes and assignments are loaded in a fixed number of queries, whatever the page size.
    """
    query = select(User).where(User.deleted_at.is_(None))
    if q:
        term = q.strip().lower()[:100].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{term}%"
        query = query.where(or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\")))
    if role is not None:
        query = query.where(User.role == role)
    if region_id is not None:
        coached = select(CoachingAssignment.user_id).where(CoachingAssignment.region_id == region_id)
        query = query.where(or_(User.region_id == region_id, User.id.in_(coached)))
    if status == "active":
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    elif status == "invited":
        query = query.where(User.password_hash.is_(None))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    query = query.options(
        selectinload(User.region),
        selectinload(User.themes),
        selectinload(User.assignments).selectinload(CoachingAssignment.region),
        selectinload(User.assignments).selectinload(CoachingAssignment.theme),
    ).order_by(User.name, User.email)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_user_for_admin(user_id: int) -> User:
    query = (
        select(User)
        .where(User.id == user_id)
        .options(
            selectinload(User.region),
            selectinload(User.themes),
            selectinload(User.assignments).selectinload(CoachingAssignment.region),
            selectinload(User.assignments).selectinload(CoachingAssignment.theme),
        )
    )
    user = db.session.scalar(query)
    if user is None:
        raise NotFound()
    return user


def audit_events(*, action: str = "", subject_id: int | None = None, page: int = 1, per_page: int = 50):
    """The audit log, newest first, with actor and subject loaded up front; paginated."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    query = query.options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject)).order_by(
        AuditEvent.created_at.desc(), AuditEvent.id.desc()
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def all_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.display_name)))


def all_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)))
