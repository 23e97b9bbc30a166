"""Readable differences between consecutive practice revisions."""

from __future__ import annotations

import difflib

from flask_babel import lazy_gettext as _l

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
}
LONG_FIELDS = {"summary", "body"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(" | ".join(v) if isinstance(v, list) else str(v) for v in value)
    return str(value)


def field_changes(old: dict, new: dict) -> list[dict]:
    """Per changed field: label, old and new text, and for long texts a line diff."""
    changes = []
    for key, label in FIELD_LABELS.items():
        before, after = _text(old.get(key)), _text(new.get(key))
        if before == after:
            continue
        change = {"field": key, "label": label, "old": before, "new": after, "diff": None}
        if key in LONG_FIELDS:
            change["diff"] = [
                line
                for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
                if not line.startswith(("---", "+++"))
            ]
        changes.append(change)
    return changes


def revision_changes(revisions_newest_first) -> list[dict]:
    """Each revision with the fields it changed compared with the one before it."""
    ordered = list(reversed(revisions_newest_first))
    out = []
    previous: dict = {}
    for revision in ordered:
        out.append({"revision": revision, "changes": field_changes(previous, revision.snapshot)})
        previous = revision.snapshot
    return list(reversed(out))
