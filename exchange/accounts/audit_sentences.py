"""The audit log read as sentences: "Anna de Vries publiceerde ‘Thuiszitterstafel’ (Rotterdam Rijnmond)."

Events keep codes and slugs (regions, themes, phases) in `details`; `describe()` turns a page of events into
sentences with the current names, looked up once per page (never per event).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from exchange.accounts.models import ROLE_LABELS, AuditEvent, Role
from exchange.extensions import db
from exchange.i18n import localized
from exchange.reference.models import CyclePhase, Region, Theme


class Names:
    """Current names of the regions, themes and phases a page of events mentions (three queries at most)."""

    def __init__(self, events: list[AuditEvent]) -> None:
        details = [event.details or {} for event in events]
        codes = {d["region"] for d in details if d.get("region")}
        codes |= {d["old_region"] for d in details if d.get("old_region")}
        slugs = {d["theme"] for d in details if d.get("theme")}
        phases = {d["phase"] for d in details if d.get("phase")}
        self.regions = (
            dict(
                db.session.execute(
                    select(Region.code, Region.display_name).where(Region.code.in_(codes))
                ).all()
            )
            if codes
            else {}
        )
        self.themes = (
            {
                t.slug: localized(t, "name")
                for t in db.session.scalars(select(Theme).where(Theme.slug.in_(slugs)))
            }
            if slugs
            else {}
        )
        self.phases = (
            {
                p.slug: localized(p, "name")
                for p in db.session.scalars(select(CyclePhase).where(CyclePhase.slug.in_(phases)))
            }
            if phases
            else {}
        )

    def region(self, code: str | None) -> str:
        return self.regions.get(code or "", code or "?")

    def theme(self, slug: str | None) -> str:
        return self.themes.get(slug or "", slug or "?")

    def phase(self, slug: str | None) -> str:
        return self.phases.get(slug or "", slug or "?")


def _actor(event: AuditEvent) -> str:
    if event.actor is not None:
        return event.actor.display_name
    if (event.details or {}).get("via") == "cli":
        return _("De opdrachtregel")
    return _("Iemand")


def _subject(event: AuditEvent) -> str:
    return event.subject.display_name if event.subject is not None else _("een verwijderd account")


def _role(value: str | None, region: str | None, names: Names) -> str:
    try:
        label = str(ROLE_LABELS[Role(value)])
    except ValueError:
        label = value or "?"
    if region:
        return _("%(role)s van regio %(region)s", role=label, region=names.region(region))
    return label


def _login_failed(e: AuditEvent, d: dict, names: Names) -> str:
    reason = d.get("reason")
    if reason == "password":
        return _("Mislukte inlogpoging voor %(subject)s: verkeerd wachtwoord.", subject=_subject(e))
    if reason == "inactive":
        return _("Mislukte inlogpoging voor %(subject)s: het account is gedeactiveerd.", subject=_subject(e))
    if d.get("email"):
        return _("Mislukte inlogpoging met het onbekende adres %(email)s.", email=d["email"])
    return _("Mislukte inlogpoging met een onbekend adres.")


def _invitation_sent(e: AuditEvent, d: dict, names: Names) -> str:
    if d.get("again"):
        return _(
            "%(actor)s stuurde %(subject)s een nieuwe uitnodiging.", actor=_actor(e), subject=_subject(e)
        )
    return _(
        "%(actor)s nodigde %(subject)s uit als %(role)s.",
        actor=_actor(e),
        subject=_subject(e),
        role=_role(d.get("role"), d.get("region"), names),
    )


def _assignment(e: AuditEvent, d: dict, names: Names, added: bool) -> str:
    values = {"actor": _actor(e), "subject": _subject(e), "region": names.region(d.get("region"))}
    if d.get("theme"):
        values["theme"] = names.theme(d["theme"])
        if added:
            return _("%(actor)s wees %(subject)s toe aan regio %(region)s, op thema %(theme)s.", **values)
        return _(
            "%(actor)s trok de toewijzing van %(subject)s aan regio %(region)s (thema %(theme)s) in.",
            **values,
        )
    if added:
        return _("%(actor)s wees %(subject)s toe aan regio %(region)s, op al zijn of haar thema's.", **values)
    return _("%(actor)s trok de toewijzing van %(subject)s aan regio %(region)s (alle thema's) in.", **values)


def _reference_edited(e: AuditEvent, d: dict, names: Names) -> str:
    kind = d.get("kind")
    what = {
        "region": lambda: _("regio %(name)s", name=names.region(d.get("region"))),
        "theme": lambda: _("thema %(name)s", name=names.theme(d.get("theme"))),
        "phase": lambda: _("fase %(name)s", name=names.phase(d.get("phase"))),
        "plan": lambda: _("het transformatieplan van regio %(name)s", name=names.region(d.get("region"))),
        "allocation": lambda: _("een fondsbijdrage aan regio %(name)s", name=names.region(d.get("region"))),
    }.get(kind, lambda: str(kind or "?"))()
    fields = list(d.get("fields") or [])
    if fields == ["created"]:
        return _("%(actor)s voegde %(what)s toe.", actor=_actor(e), what=what)
    if fields == ["removed"]:
        return _("%(actor)s verwijderde %(what)s.", actor=_actor(e), what=what)
    return _("%(actor)s wijzigde %(what)s: %(fields)s.", actor=_actor(e), what=what, fields=", ".join(fields))


def _about_practice(e: AuditEvent, d: dict, names: Names) -> dict[str, str]:
    return {"actor": _actor(e), "title": d.get("title") or "?", "region": names.region(d.get("region"))}


def _result(d: dict) -> str:
    measured = d.get("measured_on")
    try:
        when = format_date(date.fromisoformat(measured), "medium") if measured else ""
    except ValueError:
        when = str(measured)
    indicator = d.get("indicator") or "?"
    return _("‘%(indicator)s’ van %(date)s", indicator=indicator, date=when) if when else f"‘{indicator}’"


Sentence = Callable[[AuditEvent, dict, Names], str]

SENTENCES: dict[str, Sentence] = {
    "login": lambda e, d, n: _("%(actor)s logde in.", actor=_actor(e)),
    "login_failed": _login_failed,
    "invitation_sent": _invitation_sent,
    "invitation_accepted": lambda e, d, n: _("%(subject)s aanvaardde de uitnodiging.", subject=_subject(e)),
    "user_created": lambda e, d, n: _(
        "%(actor)s maakte een account aan voor %(subject)s, als %(role)s.",
        actor=_actor(e),
        subject=_subject(e),
        role=_role(d.get("role"), d.get("region"), n),
    ),
    "role_changed": lambda e, d, n: _(
        "%(actor)s maakte %(subject)s %(role)s (was %(old)s).",
        actor=_actor(e),
        subject=_subject(e),
        role=_role(d.get("role"), d.get("region"), n),
        old=_role(d.get("old_role"), d.get("old_region"), n),
    ),
    "user_deactivated": lambda e, d, n: _(
        "%(actor)s deactiveerde het account van %(subject)s.", actor=_actor(e), subject=_subject(e)
    ),
    "user_reactivated": lambda e, d, n: _(
        "%(actor)s maakte het account van %(subject)s weer actief.", actor=_actor(e), subject=_subject(e)
    ),
    "theme_linked": lambda e, d, n: _(
        "%(actor)s koppelde %(subject)s aan thema %(theme)s.",
        actor=_actor(e),
        subject=_subject(e),
        theme=n.theme(d.get("theme")),
    ),
    "theme_unlinked": lambda e, d, n: _(
        "%(actor)s ontkoppelde %(subject)s van thema %(theme)s.",
        actor=_actor(e),
        subject=_subject(e),
        theme=n.theme(d.get("theme")),
    ),
    "assignment_added": lambda e, d, n: _assignment(e, d, n, added=True),
    "assignment_removed": lambda e, d, n: _assignment(e, d, n, added=False),
    "password_changed": lambda e, d, n: _("%(subject)s wijzigde het wachtwoord.", subject=_subject(e)),
    "password_reset_requested": lambda e, d, n: _(
        "Er is een link om het wachtwoord te herstellen gevraagd voor %(subject)s.", subject=_subject(e)
    ),
    "password_reset": lambda e, d, n: _(
        "%(subject)s stelde met de herstellink een nieuw wachtwoord in.", subject=_subject(e)
    ),
    "email_change_requested": lambda e, d, n: _(
        "%(subject)s vroeg een ander e-mailadres aan.", subject=_subject(e)
    ),
    "email_changed": lambda e, d, n: _("%(subject)s bevestigde een nieuw e-mailadres.", subject=_subject(e)),
    "sessions_ended": lambda e, d, n: _(
        "%(actor)s beëindigde alle sessies van %(subject)s.", actor=_actor(e), subject=_subject(e)
    ),
    "account_deleted": lambda e, d, n: _(
        "Een %(role)s verwijderde het eigen account.", role=_role(d.get("role"), None, n)
    ),
    "reference_edited": _reference_edited,
    "practice_published": lambda e, d, n: _(
        "%(actor)s publiceerde ‘%(title)s’ (%(region)s).", **_about_practice(e, d, n)
    ),
    "practice_archived": lambda e, d, n: _(
        "%(actor)s archiveerde ‘%(title)s’ (%(region)s).", **_about_practice(e, d, n)
    ),
    "result_edited": lambda e, d, n: _(
        "%(actor)s wijzigde het resultaat %(result)s van ‘%(title)s’ (%(region)s).",
        result=_result(d),
        **_about_practice(e, d, n),
    ),
    "result_deleted": lambda e, d, n: _(
        "%(actor)s verwijderde het resultaat %(result)s van ‘%(title)s’ (%(region)s).",
        result=_result(d),
        **_about_practice(e, d, n),
    ),
}


def describe(events: Iterable[AuditEvent]) -> dict[int, str]:
    """Event id -> the event as one sentence, for a page of events (actor and subject already loaded)."""
    events = list(events)
    names = Names(events)
    sentences = {}
    for event in events:
        sentence = SENTENCES.get(event.action)
        details = event.details or {}
        sentences[event.id] = sentence(event, details, names) if sentence else event.action
    return sentences
