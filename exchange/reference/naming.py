"""The one name of an action line, the same on every page, form, facet and feed: its number and short label
("3. Kansen om te ontwikkelen"), and where there is room the full title from the source after it."""

from __future__ import annotations

from exchange.i18n import localized


def action_line_label(line) -> str:
    """Number and short label: '1. Toegang' (English: '1. Access' when translated)."""
    return f"{line.number}. {localized(line, 'short')}"


def action_line_full_name(line) -> str:
    """Number, short label and the full title from the source: '1. Toegang: Betere toegang tot jeugdhulp ...'."""
    return f"{action_line_label(line)}: {localized(line, 'title')}"
