"""Documents travelling with practices: the open-data dump and the import/export format carry them as a record
(title, kind, date, language, name, type, size, SHA-256) plus the file in a side folder, named by its checksum.

Kept here, apart from the dump and the transfer format, so those only call these functions.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from exchange.documents import services, sniffing, storage
from exchange.documents.models import Document, Kind
from exchange.errors import Invalid
from exchange.extensions import db
from exchange.practices.models import Practice

RECORD_KEYS = ("title", "kind", "date", "language", "filename", "media_type", "size", "sha256")


def side_name(document: Document) -> str:
    """The file's name in a side folder: its checksum and the extension of its type."""
    return f"{document.sha256}.{sniffing.EXTENSIONS.get(document.media_type, 'bin')}"


def record(document: Document) -> dict:
    return {
        "title": document.title,
        "kind": document.kind.value,
        "date": document.document_date.isoformat(),
        "language": document.language,
        "filename": document.filename,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
    }


def documents_by_practice(practice_ids: Iterable[int]) -> dict[int, list[Document]]:
    ids = sorted(set(practice_ids))
    out: dict[int, list[Document]] = {}
    for start in range(0, len(ids), 500):
        stmt = (
            select(Document).where(Document.practice_id.in_(ids[start : start + 500])).order_by(Document.id)
        )
        for document in db.session.scalars(stmt):
            out.setdefault(document.practice_id, []).append(document)
    return out


def place_file(document: Document, folder: Path) -> Path:
    """Put the document's file into `folder` under side_name (a hard link where possible, else a copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / side_name(document)
    if target.exists():
        return target
    source = storage.path_of(document.sha256)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    return target


def read_side_file(folder: Path, entry: dict) -> bytes:
    """The bytes of an imported document, found in `folder` by checksum; Invalid when absent or altered."""
    sha256 = str(entry.get("sha256") or "")
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise Invalid.on_field("sha256", _("geen geldig SHA-256-controlegetal"))
    candidates = sorted(folder.glob(f"{sha256}*")) if folder.is_dir() else []
    if not candidates:
        raise Invalid.on_field("sha256", _("bestand %(name)s ontbreekt in de documentenmap", name=sha256))
    content = candidates[0].read_bytes()
    if storage.digest(content) != sha256:
        raise Invalid.on_field("sha256", _("het bestand klopt niet met het controlegetal"))
    return content


def import_documents(actor, practice: Practice, entries: list[dict], folder: Path, place: str) -> int:
    """Attach the documents of an imported practice: a document already there (same checksum) gets the file's
    title, kind, date and language; a new one is checked like an upload. Returns how many were added.
    Raises Invalid naming the place in the file (`practices[3].documents[1].sha256`)."""
    existing = {d.sha256: d for d in documents_by_practice([practice.id]).get(practice.id, [])}
    added = 0
    for i, entry in enumerate(entries):
        where = f"{place}[{i}]"
        try:
            data = services.DocumentData(
                title=str(entry.get("title") or ""),
                kind=Kind(entry.get("kind")),
                document_date=_date(entry.get("date")),
                language=str(entry.get("language") or "nl"),
            )
        except (ValueError, TypeError):
            raise Invalid.on_field(where, _("ongeldige soort of datum")) from None
        known = existing.get(str(entry.get("sha256")))
        try:
            if known is not None:
                services.edit_document(actor, known, data)
                continue
            content = read_side_file(folder, entry)
            services.add_document(actor, practice, data, str(entry.get("filename") or "document"), content)
        except Invalid as error:
            raise Invalid.on_fields({f"{where}.{k}": v for k, v in error.fields.items()}) from None
        added += 1
    return added


def _date(value):
    from datetime import date

    return date.fromisoformat(str(value))


# --- the import/export format (exchange/practices/transfer calls these) --------------------------------------


def check_entries(value, where: str, error) -> list[dict]:
    """The `documents` list of a practice in an import file: objects with the record's keys; `error(place,
    message)` collects problems (Dutch, like the rest of the file check). The files are checked when applied."""
    if value is None:
        return []
    if not isinstance(value, list):
        error(where, "moet een lijst zijn")
        return []
    entries = []
    for i, entry in enumerate(value):
        place = f"{where}[{i}]"
        if not isinstance(entry, dict):
            error(place, "moet een object zijn")
            continue
        for key in entry:
            if key not in RECORD_KEYS:
                error(f"{place}.{key}", "onbekend veld")
        for key in ("title", "kind", "date", "sha256"):
            if not entry.get(key):
                error(f"{place}.{key}", "ontbreekt")
        if entry.get("kind") and entry["kind"] not in {k.value for k in Kind}:
            error(f"{place}.kind", f"onbekende soort '{entry['kind']}'")
        entries.append(entry)
    return entries


def export_entries(practice: Practice, folder: Path | None) -> list[dict]:
    """A practice's documents for the export file; their files are placed in `folder` (by checksum)."""
    if folder is None:
        return []
    attached = documents_by_practice([practice.id]).get(practice.id, [])
    for document in attached:
        place_file(document, folder)
    return [record(document) for document in attached]
