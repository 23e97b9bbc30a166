"""The audit log: sign-ins, the second factor, role changes, assignments, invitations, reference edits,
publishing, archiving and result corrections. The audit page reads each event as a sentence
(exchange/accounts/audit_sentences.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from exchange.accounts.models import AuditEvent
from exchange.database import utcnow
from exchange.extensions import db

# Every action the log knows, with its Dutch label for the audit page.
AUDIT_ACTIONS = {
    "login": _l("Ingelogd"),
    "login_failed": _l("Mislukte inlogpoging"),
    "invitation_sent": _l("Uitnodiging verstuurd"),
    "invitation_accepted": _l("Uitnodiging aanvaard"),
    "user_created": _l("Account aangemaakt"),
    "role_changed": _l("Rol of regio gewijzigd"),
    "user_deactivated": _l("Account gedeactiveerd"),
    "user_reactivated": _l("Account weer actief"),
    "theme_linked": _l("Gekoppeld aan thema"),
    "theme_unlinked": _l("Ontkoppeld van thema"),
    "assignment_added": _l("Toegewezen aan regio"),
    "assignment_removed": _l("Toewijzing ingetrokken"),
    "password_changed": _l("Wachtwoord gewijzigd"),
    "password_reset_requested": _l("Wachtwoordherstel aangevraagd"),
    "password_reset": _l("Wachtwoord hersteld"),
    "email_change_requested": _l("Wijziging e-mailadres aangevraagd"),
    "email_changed": _l("E-mailadres gewijzigd"),
    "sessions_ended": _l("Overal uitgelogd"),
    "account_deleted": _l("Account verwijderd"),
    "reference_edited": _l("Referentiegegevens gewijzigd"),
    "practice_published": _l("Praktijkvoorbeeld gepubliceerd"),
    "practice_archived": _l("Praktijkvoorbeeld gearchiveerd"),
    "result_edited": _l("Resultaat gewijzigd"),
    "result_deleted": _l("Resultaat verwijderd"),
    "twofactor_enabled": _l("Tweede factor ingesteld"),
    "twofactor_disabled": _l("Tweede factor uitgezet"),
    "twofactor_reset": _l("Tweede factor gereset door beheerder"),
    "twofactor_failed": _l("Onjuiste code voor de tweede factor"),
    "recovery_code_used": _l("Herstelcode gebruikt"),
    "recovery_codes_regenerated": _l("Nieuwe herstelcodes gemaakt"),
    "document_added": _l("Document toegevoegd"),
    "document_deleted": _l("Document verwijderd"),
}


def about_practice(practice) -> dict[str, Any]:
    """What an event about a practice (or one of its results) keeps: the subject of an event is always a
    person, so the practice goes in `details`. Use as ``record("practice_published", actor=a,
    **about_practice(p))``; for results add ``indicator=`` and ``measured_on=`` (ISO date)."""
    return {"practice_id": practice.id, "title": practice.title, "region": practice.region.code}


def record(action: str, *, actor=None, subject=None, ip: str | None = None, **details: Any) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction). Never pass secrets in `details`."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    actor_id = getattr(actor, "id", None)
    if actor is not None and actor_id is None:
        details.setdefault("via", "cli")
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject_id=getattr(subject, "id", None),
        ip=(ip or None) and ip[:45],
        details=details,
    )
    db.session.add(event)
    return event


@dataclass
class PurgeCounts:
    deleted: int
    anonymised: int


def purge(now: datetime | None = None) -> PurgeCounts:
    """Apply the audit log's retention; flushes, never commits.

    Events older than AUDIT_RETENTION are deleted. Before that, after AUDIT_IP_RETENTION, an event keeps what
    happened but loses the client address and the email address typed at a failed sign-in (which may be a
    mistyped address of someone else, or even a password typed in the wrong field).
    """
    now = now or utcnow()
    keep_from = now - current_app.config["AUDIT_RETENTION"]
    ip_from = now - current_app.config["AUDIT_IP_RETENTION"]
    deleted = db.session.execute(
        delete(AuditEvent)
        .where(AuditEvent.created_at < keep_from)
        .execution_options(synchronize_session=False)
    ).rowcount
    old = select(AuditEvent).where(AuditEvent.created_at < ip_from)
    anonymised = 0
    for event in db.session.scalars(
        old.where(AuditEvent.ip.is_not(None) | (AuditEvent.action == "login_failed"))
    ):
        if event.ip is None and "email" not in (event.details or {}):
            continue
        event.ip = None
        if "email" in (event.details or {}):
            event.details = {key: value for key, value in event.details.items() if key != "email"}
        anonymised += 1
    db.session.flush()
    return PurgeCounts(deleted=deleted, anonymised=anonymised)
