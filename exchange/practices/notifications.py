"""Mail about coaching feedback, queued now and sent only after the database commit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
from exchange.extensions import db


def region_staff(region_id: int) -> list[User]:
    stmt = select(User).where(User.role == Role.STAFF, User.region_id == region_id, User.active.is_(True))
    return list(db.session.scalars(stmt))


def practice_coaches(practice) -> list[User]:
    """Active functionaries assigned to the practice's region on one of its themes."""
    theme_ids = [t.id for t in practice.themes]
    if not theme_ids:
        return []
    linked = exists(
        select(1).where(FunctionaryTheme.user_id == User.id, FunctionaryTheme.theme_id.in_(theme_ids))
    )
    stmt = (
        select(User)
        .join(CoachingAssignment, CoachingAssignment.user_id == User.id)
        .where(
            User.role == Role.FUNCTIONARY,
            User.active.is_(True),
            CoachingAssignment.region_id == practice.region_id,
            or_(
                CoachingAssignment.theme_id.in_(theme_ids),
                and_(CoachingAssignment.theme_id.is_(None), linked),
            ),
        )
        .distinct()
    )
    return list(db.session.scalars(stmt))


def feedback_posted(actor: User, practice, message) -> None:
    """Tell the other side of the thread: staff when a coach writes, coaches when staff reply."""
    from exchange.mail import queue_mail

    if actor.role == Role.STAFF:
        recipients = practice_coaches(practice)
    else:
        recipients = region_staff(practice.region_id)
    for recipient in recipients:
        if recipient.id == actor.id:
            continue
        queue_mail(
            recipient.email,
            _l("Nieuwe feedback op: %(title)s", title=practice.title),
            "practice_feedback",
            language=recipient.language,
            recipient=recipient,
            author=actor,
            practice=practice,
            message=message,
        )
