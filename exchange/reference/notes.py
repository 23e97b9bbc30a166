"""Notes the reference file writes in English (fund allocations), shown in the page's language.

The source file's allocation notes are short English phrases; pages show them translated. A note an
administrator typed (not one of these) is shown as typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KNOWN_NOTES = {
    "largest allocation": _l("grootste bijdrage"),
    "smallest allocation": _l("kleinste bijdrage"),
    "regional estimate of 15 June 2018, before the formal award": _l(
        "regionale schatting van 15 juni 2018, vóór de formele toekenning"
    ),
}


def note_text(note: str | None) -> str:
    """The note in the current language when it is one of the file's known notes, else unchanged."""
    if not note:
        return ""
    known = KNOWN_NOTES.get(note.strip())
    return str(known) if known is not None else note
