"""Personal data export (GDPR art. 15 and 20): everything held about an account holder, as one JSON file.

Account holders download it from their account page (GET /account/mijn-gegevens.json). Subscribers without
an account use the signed data link the digests already mail (exchange/digests: /abonnementen/gegevens/...);
their subscription part is built by the same function here (digests.services.export_data), found through the
account's email address, so both exports say the same about subscriptions and consent.

What is included: the account itself (role, region, linked themes, coaching assignments), pending one-time
links (never their secrets), digest subscriptions with consent records and delivery records, the feedback
messages they wrote, what they authored (practices created, revisions, cycle steps, results) and practices
that name their address as contact, and the audit events about their account or done by them. Other
people's data is left out: for events done by someone else only the kind of actor is given, and addresses
(IP) are only shown for events the person did themselves.
"""

from __future__ import annotations

import json

from flask import Response
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from exchange.accounts.models import AccountToken, AuditEvent, CoachingAssignment, FunctionaryTheme, User
from exchange.audit import AUDIT_ACTIONS
from exchange.database import utcnow
from exchange.extensions import db
from exchange.policy import require
from exchange.privacy import bp

FORMAT = "jeugdkennis-personal-data"
VERSION = 1


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _region(region) -> dict | None:
    if region is None:
        return None
    return {"code": region.code, "slug": region.slug, "name": region.display_name}


def _practice_ref(practice) -> dict:
    return {"id": practice.id, "title": practice.title, "status": practice.status.value}


def _account(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "role_label": user.role_label,
        "language": user.language,
        "region": _region(user.region),
        "active": user.active,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "password_set": user.password_hash is not None,
    }


def _themes(user: User) -> list[dict]:
    rows = db.session.execute(
        select(FunctionaryTheme, FunctionaryTheme.theme_id)
        .where(FunctionaryTheme.user_id == user.id)
        .order_by(FunctionaryTheme.created_at)
    ).all()
    names = {t.id: t for t in user.themes}
    return [
        {
            "slug": names[theme_id].slug if theme_id in names else None,
            "name": names[theme_id].name if theme_id in names else None,
            "linked_at": _iso(link.created_at),
        }
        for link, theme_id in rows
    ]


def _assignments(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(CoachingAssignment)
        .where(CoachingAssignment.user_id == user.id)
        .options(selectinload(CoachingAssignment.region), selectinload(CoachingAssignment.theme))
        .order_by(CoachingAssignment.id)
    )
    return [
        {
            "region": _region(a.region),
            "theme": a.theme.slug if a.theme else None,
            "all_themes": a.theme is None,
            "created_at": _iso(a.created_at),
        }
        for a in rows
    ]


def _tokens(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(AccountToken).where(AccountToken.user_id == user.id).order_by(AccountToken.created_at)
    )
    return [
        {
            "purpose": t.purpose.value,
            "new_email": t.new_email,
            "created_at": _iso(t.created_at),
            "expires_at": _iso(t.expires_at),
            "used_at": _iso(t.used_at),
        }
        for t in rows
    ]


def _subscriptions(user: User) -> dict | None:
    from exchange.digests import services as digests

    subscriber = digests.find_subscriber(user.email)
    return digests.export_data(subscriber) if subscriber is not None else None


def _authored(user: User) -> dict:
    from exchange.practices.models import CycleStep, Practice, PracticeRevision, Result

    created = db.session.scalars(
        select(Practice).where(Practice.created_by_id == user.id).order_by(Practice.id)
    )
    revisions = db.session.execute(
        select(PracticeRevision, Practice)
        .join(Practice, Practice.id == PracticeRevision.practice_id)
        .where(PracticeRevision.author_id == user.id)
        .order_by(PracticeRevision.created_at, PracticeRevision.id)
    )
    steps = db.session.execute(
        select(CycleStep, Practice)
        .join(Practice, Practice.id == CycleStep.practice_id)
        .where(CycleStep.author_id == user.id)
        .order_by(CycleStep.created_at, CycleStep.id)
    )
    results = db.session.execute(
        select(Result, Practice)
        .join(Practice, Practice.id == Result.practice_id)
        .where(Result.author_id == user.id)
        .order_by(Result.created_at, Result.id)
    )
    contact = db.session.scalars(
        select(Practice).where(func.lower(Practice.contact_email) == user.email.lower()).order_by(Practice.id)
    )
    return {
        "practices_created": [dict(_practice_ref(p), created_at=_iso(p.created_at)) for p in created],
        "revisions": [
            {
                "practice": _practice_ref(p),
                "number": r.number,
                "note": r.note,
                "created_at": _iso(r.created_at),
            }
            for r, p in revisions
        ],
        "cycle_steps": [
            {
                "practice": _practice_ref(p),
                "moved_on": _iso(s.moved_on),
                "explanation": s.explanation,
                "created_at": _iso(s.created_at),
            }
            for s, p in steps
        ],
        "results": [
            {
                "practice": _practice_ref(p),
                "indicator": r.indicator,
                "measured_on": _iso(r.measured_on),
                "created_at": _iso(r.created_at),
            }
            for r, p in results
        ],
        "practices_naming_you_as_contact": [
            dict(_practice_ref(p), contact_name=p.contact_name, contact_email=p.contact_email)
            for p in contact
        ],
    }


def _feedback(user: User) -> list[dict]:
    from exchange.practices.models import FeedbackMessage, Practice

    rows = db.session.execute(
        select(FeedbackMessage, Practice)
        .join(Practice, Practice.id == FeedbackMessage.practice_id)
        .where(FeedbackMessage.author_id == user.id)
        .order_by(FeedbackMessage.created_at, FeedbackMessage.id)
    )
    return [
        {"id": m.id, "practice": _practice_ref(p), "body": m.body, "created_at": _iso(m.created_at)}
        for m, p in rows
    ]


def _audit(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.subject_id == user.id, AuditEvent.actor_id == user.id))
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    events = []
    for event in rows:
        by_self = event.actor_id == user.id
        about_self = event.subject_id == user.id
        if by_self:
            actor = "you"
        elif event.actor is not None:
            actor = event.actor.role.value  # another person: their role, not who they are
        else:
            actor = "system" if event.details.get("via") != "cli" else "command line"
        events.append(
            {
                "action": event.action,
                "label": str(AUDIT_ACTIONS.get(event.action, event.action)),
                "at": _iso(event.created_at),
                "by": actor,
                "about": "you" if about_self else "another account",
                # Details of events about someone else may describe that person; only the kind is given.
                "details": event.details if about_self else {},
                "ip": event.ip if by_self else None,
            }
        )
    return events


def export_account_data(actor, user: User) -> dict:
    """Everything held about `user` as JSON-able data. Only the account holder may export it (NotAllowed)."""
    require(actor, "account.export_data", user)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(utcnow().replace(microsecond=0)),
        "account": _account(user),
        "themes": _themes(user),
        "coaching_assignments": _assignments(user),
        "pending_links": _tokens(user),
        "subscriptions": _subscriptions(user),
        "feedback_messages": _feedback(user),
        "authored": _authored(user),
        "audit_events": _audit(user),
    }


@bp.get("/account/mijn-gegevens.json")
@login_required
def download():
    data = export_account_data(current_user, current_user)
    db.session.rollback()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="jeugdkennis-mijn-gegevens.json"',
            "Cache-Control": "no-store",
        },
    )
