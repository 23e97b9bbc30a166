"""The practices exchange format (docs/import-format.md): its name and version, the keys each object may have,
the local ids of native practices, and reading a file as JSON (Decimal numbers, Dutch messages)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exchange.errors import Invalid, join_by_field

if TYPE_CHECKING:
    from exchange.practices.models import Practice

FORMAT = "jeugdkennis-practices"
VERSION = 2
# Version 2 added the practice profile (issue 17); version 1 files are still read.
READ_VERSIONS = (1, 2)
# Practices without an external id are exported as "jeugdkennis:<local id>"; the importer reads that form back
# as the local id, so export -> import into the same database updates instead of duplicating.
LOCAL_ID_PREFIX = "jeugdkennis:"
_LOCAL_ID = re.compile(r"^jeugdkennis:([1-9][0-9]{0,17})$")

TOP_KEYS = {"format", "version", "practices", "demo", "about", "exported_at", "filters"}
ITEM_KEYS = {
    "external_id",
    "region",
    "title",
    "summary",
    "body",
    "themes",
    "action_lines",
    "phase",
    "status",
    "target_group",
    "contact",
    "period",
    "links",
    "created",
    "published",
    "archived",
    "updated",
    "demo",
    "cycle_steps",
    "results",
    "profile",
    "documents",  # attached documents, with their files in a side folder (exchange/documents/carry.py)
}
CONTACT_KEYS = {"name", "email"}
PERIOD_KEYS = {"start", "end"}
LINK_KEYS = {"title", "url"}
STEP_KEYS = {"from", "to", "date", "explanation"}
RESULT_KEYS = {
    "external_id",
    "indicator",
    "value",
    "unit",
    "baseline",
    "target",
    "measured_on",
    "phase",
    "narrative",
}
# Status changes the services allow; going back to draft has no service (and no button) once published.


def local_id(practice: Practice) -> str:
    """The id a practice carries in an export: its external id, or the local form for native practices."""
    return practice.external_id or f"{LOCAL_ID_PREFIX}{practice.id}"


def parse_local_id(value: str | None) -> int | None:
    match = _LOCAL_ID.match(value or "")
    return int(match.group(1)) if match else None


def item_label(index: int, item: Any) -> str:
    """How messages name a practice of the file: `practices[3]`, with its external id when it has one."""
    ext = item.get("external_id") if isinstance(item, dict) else None
    if isinstance(ext, str) and ext.strip():
        ext = ext.strip()
        return f"practices[{index}] ({ext[:60]}{'…' if len(ext) > 60 else ''})"
    return f"practices[{index}]"


def _reject_constant(name: str):
    raise ValueError(f"{name} is geen getal (NaN en Infinity zijn niet toegestaan)")


class _Object(dict):
    """A JSON object that remembers the keys it had more than once (json.loads would keep the last silently)."""

    repeated: dict[str, int]


def _object(pairs: list[tuple[str, Any]]) -> dict:
    obj = _Object(pairs)
    counts: dict[str, int] = {}
    for key, _value in pairs:
        counts[key] = counts.get(key, 0) + 1
    obj.repeated = {key: n for key, n in counts.items() if n > 1}
    return obj


def _repeated_keys(value: Any, where: str, found: list[tuple[str, str]]) -> None:
    """Collect (place, message) for every object in `value` with a repeated key, in document order."""
    stack = [(value, where)]
    while stack:  # no recursion: json.loads already accepted the nesting depth, a walk must not fail on it
        node, place = stack.pop()
        children: list[tuple[Any, str]] = []
        if isinstance(node, _Object):
            for key, n in node.repeated.items():
                times = "twee keer" if n == 2 else f"{n} keer"
                shown = f"{key[:60]}{'…' if len(key) > 60 else ''}"
                found.append((place, f"sleutel '{shown}' staat er {times} in"))
            for key, child in node.items():
                if place == "(bestand)" and key == "practices" and isinstance(child, list):
                    children.extend((item, item_label(i, item)) for i, item in enumerate(child))
                else:
                    children.append((child, key if place == "(bestand)" else f"{place}.{key}"))
        elif isinstance(node, list):
            children.extend((item, f"{place}[{i}]") for i, item in enumerate(node))
        stack.extend(reversed(children))


def parse_document(text: str, source: str = "invoer") -> Any:
    """Parse JSON text; numbers with a fraction become Decimal so values are stored exactly.

    A key that appears twice in one object is refused with its place (JSON leaves it undefined which value
    counts; json.loads would keep the last without a word), e.g. `practices[2] (ext-3): sleutel 'title' staat
    er twee keer in`."""
    text = text.removeprefix("\ufeff")
    try:
        doc = json.loads(
            text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_object
        )
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"Geen geldige JSON in {source}: regel {exc.lineno}, kolom {exc.colno}: {exc.msg}"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"Geen geldige JSON in {source}: {exc}") from exc
    found: list[tuple[str, str]] = []
    _repeated_keys(doc, "(bestand)", found)
    if found:
        raise Invalid.on_fields(
            join_by_field(found),
            f"{source} bevat {len(found)} dubbele sleutel(s); er is niets geïmporteerd.",
        )
    return doc


def read_document(path: Path | str) -> Any:
    """Read and parse an import file; raise Invalid with a Dutch message when it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise Invalid(f"Bestand niet gevonden: {path}") from exc
    except IsADirectoryError as exc:
        raise Invalid(f"{path} is een map, geen bestand.") from exc
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path} is geen UTF-8-tekst (byte {exc.start}).") from exc
    except OSError as exc:
        raise Invalid(
            f"Bestand kan niet worden gelezen: {path} ({exc.strerror or exc.__class__.__name__})"
        ) from exc
    return parse_document(text, str(path))
