"""A practice's history for people: each revision, step and result told as sentences with names (never slugs),
and the text that changed as a word diff one click away."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.lists import format_list
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exchange.i18n import localized
from exchange.practices import profile

FIELD_LABELS = {
    "title": _l("Titel"),
    "summary": _l("Samenvatting"),
    "body": _l("Beschrijving"),
    "target_group": _l("Doelgroep"),
    "contact_name": _l("Contactpersoon"),
    "contact_email": _l("E-mailadres contactpersoon"),
    "period_start": _l("Startdatum"),
    "period_end": _l("Einddatum"),
    "themes": _l("Thema's"),
    "action_lines": _l("Actielijnen"),
    "phase": _l("Fase"),
    "status": _l("Status"),
    "links": _l("Links"),
    # The profile (issue 17).
    "age_from": _l("Leeftijd van"),
    "age_to": _l("Leeftijd tot en met"),
    "partners": _l("Partners"),
    "participation_level": _l("Jongerenparticipatie"),
    "participation_note": _l("Toelichting op de participatie"),
    "evidence_level": _l("Mate van onderbouwing"),
    "evidence_url": _l("Link naar de databank"),
    "evidence_year": _l("Jaar van beoordeling"),
    "cost_indication": _l("Kostenindicatie"),
    "fund_used": _l("Geld uit het Transformatiefonds"),
    "fund_amount_eur": _l("Bedrag uit het Transformatiefonds"),
}
LONG_FIELDS = {"summary", "body"}
# The same fields as objects in a sentence ("wijzigde de titel en de samenvatting").
FIELD_OBJECTS = {
    "title": _l("de titel"),
    "summary": _l("de samenvatting"),
    "body": _l("de beschrijving"),
    "target_group": _l("de doelgroep"),
    "contact_name": _l("de contactpersoon"),
    "contact_email": _l("het e-mailadres van de contactpersoon"),
    "period_start": _l("de startdatum"),
    "period_end": _l("de einddatum"),
    "action_lines": _l("de actielijnen"),
    "links": _l("de links"),
    "partners": _l("de partners"),
}
# Every other profile field is told as one object ("het profiel").
PROFILE_OBJECT = _l("het profiel")
STATUS_NAMES = {"draft": _l("Concept"), "published": _l("Gepubliceerd"), "archived": _l("Gearchiveerd")}
# Told in sentences with names: the text diff leaves them out (it would show slugs).
TOLD_FIELDS = {"themes", "phase", "status"}
DEFAULT_START = "Praktijkvoorbeeld aangemaakt in deze fase."
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
CONTEXT_LINES = 2


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(" | ".join(v) if isinstance(v, list) else str(v) for v in value)
    return str(value)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(kind, text) pieces, kind one of same/del/ins/gap: changed lines compared word by word, long unchanged
    stretches shortened to a gap. No hunk headers, nothing to decode."""
    old, new = before.splitlines(), after.splitlines()
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            lines = old[i1:i2]
            if len(lines) > 2 * CONTEXT_LINES + 1:
                head = lines[:CONTEXT_LINES] if pieces else []
                tail = lines[-CONTEXT_LINES:] if i2 < len(old) or j2 < len(new) else []
                lines_out = [("same", "\n".join(head) + "\n")] if head else []
                lines_out.append(("gap", "…\n"))
                if tail:
                    lines_out.append(("same", "\n".join(tail) + "\n"))
                pieces.extend(lines_out)
            elif lines:
                pieces.append(("same", "\n".join(lines) + "\n"))
            continue
        a = _TOKEN.findall("\n".join(old[i1:i2]))
        b = _TOKEN.findall("\n".join(new[j1:j2]))
        for wop, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if wop == "equal":
                pieces.append(("same", "".join(a[a1:a2])))
                continue
            if a2 > a1:
                pieces.append(("del", "".join(a[a1:a2])))
            if b2 > b1:
                pieces.append(("ins", "".join(b[b1:b2])))
        pieces.append(("same", "\n"))
    return pieces


def _shown(key: str, value) -> str:
    """A snapshot value as text; profile values with their labels ("Goed onderbouwd", "Gemeente X (Gemeente)")."""
    readable = profile.readable(key, value)
    return _text(value) if readable is None else _text(readable)


def field_changes(old: dict, new: dict) -> list[dict]:
    """Per changed field: label, old and new text, and for long texts a word diff."""
    changes = []
    for key, label in FIELD_LABELS.items():
        before, after = _shown(key, old.get(key)), _shown(key, new.get(key))
        if before == after:
            continue
        change = {"field": key, "label": label, "old": before, "new": after, "diff": None}
        if key in LONG_FIELDS:
            change["diff"] = word_diff(before, after)
        changes.append(change)
    return changes


@dataclass
class Entry:
    """One moment in the history: when it was recorded, what happened in sentences, and the text diff."""

    recorded_at: datetime
    sentences: list[str]
    revision: object | None = None
    changes: list[dict] = field(default_factory=list)


def _day(value: date | datetime) -> str:
    return format_date(value, "long")


def _who(author) -> str:
    if author is not None and author.name:
        return author.name
    return _("het systeem")


def _names(names: list[str]) -> str:
    return format_list(names, locale=str(get_locale() or "nl"))


def _quoted(names: list[str]) -> str:
    return _names([f"'{n}'" for n in names])


class _Namer:
    """Phase and theme names for the slugs a snapshot stores (the slug only if the thing is gone)."""

    def __init__(self, phases, themes) -> None:
        self.phases = {p.slug: localized(p, "name") for p in phases}
        self.themes = {t.slug: localized(t, "name") for t in themes}
        self.theme_order = {t.slug: i for i, t in enumerate(themes)}

    def phase(self, slug) -> str:
        return self.phases.get(slug, slug or "–")

    def themes_of(self, slugs) -> list[str]:
        ordered = sorted(slugs, key=lambda s: self.theme_order.get(s, len(self.theme_order)))
        return [self.themes.get(s, s) for s in ordered]


def _start_sentences(revision, step, namer: _Namer) -> list[str]:
    who, day = _who(revision.author), _day(revision.created_at)
    phase = namer.phase(revision.snapshot.get("phase"))
    sentences = [
        _(
            "Op %(date)s maakte %(who)s het praktijkvoorbeeld aan, in de fase '%(phase)s'.",
            date=day,
            who=who,
            phase=phase,
        )
    ]
    if step is not None and step.moved_on != revision.created_at.date():
        explanation = (step.explanation or "").strip()
        if explanation in (DEFAULT_START, _(DEFAULT_START)):
            explanation = ""
        if explanation:
            sentences.append(
                _(
                    "Het praktijkvoorbeeld begon op %(date)s in de fase '%(phase)s': %(explanation)s",
                    date=_day(step.moved_on),
                    phase=namer.phase(revision.snapshot.get("phase")),
                    explanation=explanation,
                )
            )
        else:
            sentences.append(
                _(
                    "Het praktijkvoorbeeld begon op %(date)s in de fase '%(phase)s'.",
                    date=_day(step.moved_on),
                    phase=namer.phase(revision.snapshot.get("phase")),
                )
            )
    return sentences


def _change_sentences(revision, old: dict, step, namer: _Namer) -> list[str]:
    new = revision.snapshot
    who, day = _who(revision.author), _day(revision.created_at)
    sentences = []
    if old.get("phase") != new.get("phase"):
        moved = {
            "date": _day(step.moved_on) if step else day,
            "who": _who(step.author) if step else who,
            "old": namer.phase(old.get("phase")),
            "new": namer.phase(new.get("phase")),
        }
        if step is not None and step.explanation:
            sentences.append(
                _(
                    "Op %(date)s verplaatste %(who)s het praktijkvoorbeeld van '%(old)s' naar '%(new)s': "
                    "%(explanation)s",
                    explanation=step.explanation.strip(),
                    **moved,
                )
            )
        else:
            sentences.append(
                _(
                    "Op %(date)s verplaatste %(who)s het praktijkvoorbeeld van '%(old)s' naar '%(new)s'.",
                    **moved,
                )
            )
    edited = [str(obj) for key, obj in FIELD_OBJECTS.items() if _text(old.get(key)) != _text(new.get(key))]
    if any(_shown(k, old.get(k)) != _shown(k, new.get(k)) for k in profile.FIELDS if k not in FIELD_OBJECTS):
        edited.append(str(PROFILE_OBJECT))
    if edited:
        sentences.append(
            _("Op %(date)s wijzigde %(who)s %(fields)s.", date=day, who=who, fields=_names(edited))
        )
    before, after = set(old.get("themes") or []), set(new.get("themes") or [])
    if after - before:
        names = namer.themes_of(after - before)
        sentences.append(
            ngettext(
                "Op %(date)s voegde %(who)s het thema %(names)s toe.",
                "Op %(date)s voegde %(who)s de thema's %(names)s toe.",
                len(names),
                date=day,
                who=who,
                names=_names(names),
            )
        )
    if before - after:
        names = namer.themes_of(before - after)
        sentences.append(
            ngettext(
                "Op %(date)s haalde %(who)s het thema %(names)s weg.",
                "Op %(date)s haalde %(who)s de thema's %(names)s weg.",
                len(names),
                date=day,
                who=who,
                names=_names(names),
            )
        )
    if old.get("status") != new.get("status"):
        status = new.get("status")
        if status == "published":
            sentences.append(_("Op %(date)s publiceerde %(who)s het praktijkvoorbeeld.", date=day, who=who))
        elif status == "archived":
            sentences.append(_("Op %(date)s archiveerde %(who)s het praktijkvoorbeeld.", date=day, who=who))
        else:
            sentences.append(
                _(
                    "Op %(date)s zette %(who)s de status van '%(old)s' op '%(new)s'.",
                    date=day,
                    who=who,
                    old=STATUS_NAMES.get(old.get("status"), old.get("status")),
                    new=STATUS_NAMES.get(status, status),
                )
            )
    if not sentences:
        note = (revision.note or "").strip()
        sentences.append(
            _("Op %(date)s legde %(who)s een nieuwe versie vast: %(note)s.", date=day, who=who, note=note)
            if note
            else _("Op %(date)s legde %(who)s een nieuwe versie vast.", date=day, who=who)
        )
    return sentences


def _result_sentence(result) -> str:
    return _(
        "Op %(date)s voegde %(who)s resultaat '%(indicator)s' toe (meting van %(measured)s).",
        date=_day(result.created_at),
        who=_who(result.author),
        indicator=result.indicator,
        measured=_day(result.measured_on),
    )


def history(revisions, steps, results, phases, themes) -> list[Entry]:
    """The practice's history as entries, newest first.

    `revisions` and `steps` in any order, `results` the practice's results, `phases` and `themes` all of
    them (for names). Each revision that changed the phase is told with its step (the n-th move is the n-th
    step after the first), so the move shows the date it really happened and why.
    """
    namer = _Namer(phases, themes)
    ordered = sorted(revisions, key=lambda r: r.number)
    steps = sorted(steps, key=lambda s: s.id)
    first_step, moves = (steps[0], iter(steps[1:])) if steps else (None, iter(()))
    entries = []
    previous: dict | None = None
    for revision in ordered:
        if previous is None:
            sentences = _start_sentences(revision, first_step, namer)
            changes: list[dict] = []
        else:
            step = next(moves, None) if previous.get("phase") != revision.snapshot.get("phase") else None
            sentences = _change_sentences(revision, previous, step, namer)
            changes = [c for c in field_changes(previous, revision.snapshot) if c["field"] not in TOLD_FIELDS]
        entries.append(Entry(revision.created_at, sentences, revision, changes))
        previous = revision.snapshot
    entries.extend(Entry(r.created_at, [_result_sentence(r)]) for r in results)
    entries.sort(key=lambda e: (e.recorded_at, e.revision.number if e.revision else 0), reverse=True)
    return entries
