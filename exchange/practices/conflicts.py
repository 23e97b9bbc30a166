"""When a practice edit meets someone else's save: what they changed, per field, as a word-level diff.

The edit page shows this beside the user's own text (which stays in the form) and moves the form's hidden
revision to the current one, so saving again after comparing succeeds. Nothing the user typed is dropped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.extensions import db
from exchange.i18n import localized
from exchange.practices import profile
from exchange.practices.diff import FIELD_LABELS
from exchange.practices.models import Practice, PracticeRevision
from exchange.practices.services import PracticeData, snapshot
from exchange.reference.models import ActionLine, CyclePhase, Theme
from exchange.reference.naming import action_line_label

STATUS_NAMES = {"draft": _l("concept"), "published": _l("gepubliceerd"), "archived": _l("gearchiveerd")}
LIST_FIELDS = {"themes", "action_lines", "links", "partners"}
# Unchanged stretches longer than this many words are shortened to their ends.
CONTEXT_TOKENS = 16
FOLD_TOKENS = 2
# A word with the spaces after it, so spaces alone never count as common ground.
_TOKENS = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")


@dataclass
class Piece:
    """A run of text in a diff: `kind` is "same", "del" (only in the earlier text) or "ins" (only in the later)."""

    kind: str
    text: str


@dataclass
class FieldChange:
    """One field the other person changed: their diff against the version the user started from."""

    name: str
    label: str
    pieces: list[Piece]
    differs_from_mine: bool  # the user's text in the form is not what the other person saved
    taken: bool = False  # the user left this field alone, so the form now holds the other person's version


@dataclass
class Merge:
    """Everything the edit page needs to show a conflict; `revision` is what the form must now carry."""

    revision: int
    authors: list[str]
    saved_at: datetime | None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def saved_at_text(self) -> str:
        return format_datetime(self.saved_at, "d MMMM y, HH:mm") if self.saved_at else ""

    def change(self, name: str) -> FieldChange | None:
        return next((c for c in self.changes if c.name == name), None)


def word_diff(before: str, after: str) -> list[Piece]:
    """Word-level differences from `before` to `after`, long unchanged stretches shortened with "…".

    A word or two left alone between two changes is folded into them, so a rewritten sentence reads as one
    deletion and one insertion rather than a patchwork.
    """
    old, new = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    runs: list[tuple[str, list[str], list[str]]] = []  # (op, old tokens, new tokens)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        runs.append(("same" if op == "equal" else "change", old[i1:i2], new[j1:j2]))
    merged: list[tuple[str, list[str], list[str]]] = []
    for index, (op, a, b) in enumerate(runs):
        between = 0 < index < len(runs) - 1
        if op == "same" and between and len(a) <= FOLD_TOKENS:
            op = "change"
        if merged and op == "change" and merged[-1][0] == "change":
            merged[-1] = ("change", merged[-1][1] + a, merged[-1][2] + b)
        else:
            merged.append((op, list(a), list(b)))
    pieces: list[Piece] = []
    for index, (op, a, b) in enumerate(merged):
        if op == "same":
            pieces.append(Piece("same", _shorten(a, first=index == 0, last=index == len(merged) - 1)))
            continue
        pieces.append(Piece("del", "".join(a)))
        pieces.append(Piece("ins", "".join(b)))
    return [p for p in pieces if p.text]


def _shorten(tokens: list[str], *, first: bool, last: bool) -> str:
    if len(tokens) <= CONTEXT_TOKENS:
        return "".join(tokens)
    half = CONTEXT_TOKENS // 2
    head = "" if first else "".join(tokens[:half])
    tail = "" if last else "".join(tokens[-half:])
    return f"{head} … {tail}"


def _list_diff(before: list[str], after: list[str]) -> list[Piece]:
    pieces = []
    for item in dict.fromkeys([*before, *after]):
        kind = "same" if item in before and item in after else ("ins" if item in after else "del")
        if pieces:
            pieces.append(Piece("same", "; "))
        pieces.append(Piece(kind, item))
    return pieces


def readable(values: dict) -> dict:
    """A snapshot's values as people read them: names instead of slugs and numbers, one text per field."""
    themes = {t.slug: localized(t, "name") for t in db.session.scalars(select(Theme))}
    lines = {x.number: action_line_label(x) for x in db.session.scalars(select(ActionLine))}
    phases = {p.slug: localized(p, "name") for p in db.session.scalars(select(CyclePhase))}
    out: dict = {}
    for name, value in values.items():
        if name == "themes":
            out[name] = [themes.get(slug, slug) for slug in value or []]
        elif name == "action_lines":
            out[name] = [lines.get(number, str(number)) for number in value or []]
        elif name == "links":
            out[name] = [f"{title} | {url}" if title and title != url else url for title, url in value or []]
        elif name == "phase":
            out[name] = phases.get(value, value or "")
        elif name == "status":
            out[name] = str(STATUS_NAMES.get(value, value or ""))
        elif name in profile.FIELDS:
            out[name] = profile.readable(name, value)
        else:
            out[name] = "" if value is None else str(value)
    return out


def typed_snapshot(data: PracticeData) -> dict:
    """What the user submitted, in the shape of `services.snapshot` (to tell whether their text differs)."""
    return {
        "title": data.title.strip(),
        "summary": data.summary.strip(),
        "body": data.body,
        "target_group": data.target_group.strip(),
        "contact_name": data.contact_name.strip(),
        "contact_email": data.contact_email.strip(),
        "period_start": data.period_start.isoformat() if data.period_start else None,
        "period_end": data.period_end.isoformat() if data.period_end else None,
        "themes": [t.slug for t in sorted(data.themes, key=lambda t: (t.position, t.id))],
        "action_lines": sorted(x.number for x in data.action_lines),
        "links": [[t.strip() or u.strip(), u.strip()] for t, u in data.links],
        **profile.typed_snapshot(data.profile),
    }


def merge_view(practice: Practice, started_from: int | None, mine: dict) -> Merge:
    """What changed in `practice` since revision `started_from` (the one the user opened), and by whom.

    Call after rolling back the refused save, so `practice` holds what is stored now. When the starting
    revision is unknown (a tampered or very old form), the other person's version is compared with the
    user's own text instead.
    """
    later = list(
        db.session.scalars(
            select(PracticeRevision)
            .where(PracticeRevision.practice_id == practice.id)
            .where(PracticeRevision.number > (started_from or 0))
            .order_by(PracticeRevision.number)
        )
    )
    base_revision = db.session.scalar(
        select(PracticeRevision).where(
            PracticeRevision.practice_id == practice.id, PracticeRevision.number == started_from
        )
    )
    theirs_raw = snapshot(practice)
    base_raw = base_revision.snapshot if base_revision is not None else {**theirs_raw, **mine}
    base, theirs, typed = readable(base_raw), readable(theirs_raw), readable({**theirs_raw, **mine})
    changes = []
    for name, label in FIELD_LABELS.items():
        if base.get(name) == theirs.get(name):
            continue
        if name in LIST_FIELDS:
            pieces = _list_diff(base.get(name) or [], theirs.get(name) or [])
        else:
            pieces = word_diff(base.get(name) or "", theirs.get(name) or "")
        differs = typed.get(name) != theirs.get(name)
        # Only they changed it: their version goes into the form, so saving again keeps both changes.
        taken = differs and base_revision is not None and typed.get(name) == base.get(name)
        changes.append(FieldChange(name, str(label), pieces, differs and not taken, taken))
    authors = list(
        dict.fromkeys(
            r.author.name or r.author.email if r.author else str(_l("een import of beheertaak"))
            for r in later
        )
    )
    return Merge(
        revision=practice.revision,
        authors=authors,
        saved_at=later[-1].created_at if later else practice.updated_at,
        changes=changes,
    )


def take_theirs(form, practice: Practice, merge: Merge) -> None:
    """Fill the fields only the other person changed with what is stored now; the user's own edits stay."""
    for change in merge.changes:
        field_ = form._fields.get(change.name)
        if not change.taken or field_ is None:
            continue
        if change.name == "themes":
            value = [t.id for t in practice.themes]
        elif change.name == "action_lines":
            value = [x.id for x in practice.action_lines]
        elif change.name == "links":
            value = "\n".join(f"{link.title} | {link.url}" for link in practice.links)
        elif change.name == "partners":
            form.set_partner_rows([(o.name, o.kind) for o in practice.partners])
            continue
        elif change.name == "fund_used":
            value = {None: "", True: "ja", False: "nee"}[practice.fund_used]
        elif change.name in ("participation_level", "evidence_level"):
            value = getattr(practice, change.name) or ""
        else:
            value = getattr(practice, change.name)
        field_.data, field_.raw_data = value, None
    form.revision.data = str(merge.revision)
