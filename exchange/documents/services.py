"""Attaching, describing and removing documents. Each function takes the acting user first and asks the
policy first; they flush, never commit. Files are written before the row is flushed and removed after the
commit (documents.storage), so a committed row always has its file."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from exchange import audit
from exchange.documents import extraction, sniffing, storage
from exchange.documents.models import LANGUAGES, Document, DocumentPage, Kind
from exchange.errors import Invalid
from exchange.extensions import db
from exchange.policy import require
from exchange.practices.models import Practice

MAX_FILENAME = 200


@dataclass
class DocumentData:
    """What a person says about a document (the file itself travels separately)."""

    title: str
    kind: Kind | str
    document_date: date
    language: str = "nl"


def max_bytes() -> int:
    return int(current_app.config["DOCUMENTS_MAX_BYTES"])


def max_per_practice() -> int:
    return int(current_app.config["DOCUMENTS_PER_PRACTICE"])


def size_label() -> str:
    size = max_bytes()
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size // 1024} kB"


def clean_filename(name: str, extension: str) -> str:
    """The name a download gets: Unicode-normalised, spaces collapsed, no leading dots, at most 200
    characters, ending in the extension of the type the content has. A name with a path separator or a
    control character is refused (it is not a plain file name), as is an empty one."""
    name = unicodedata.normalize("NFC", name or "")
    if "/" in name or "\\" in name:
        raise Invalid.on_field(
            "file", _("De bestandsnaam mag geen / of \\ bevatten. Geef het bestand een gewone naam.")
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        raise Invalid.on_field(
            "file",
            _("De bestandsnaam bevat onzichtbare tekens of regeleinden. Geef het bestand een gewone naam."),
        )
    name = " ".join(name.split()).lstrip(".").strip()
    if not name:
        raise Invalid.on_field("file", _("Het bestand heeft geen naam."))
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() != extension:
        stem = name
    stem = stem.rstrip(". ")[: MAX_FILENAME - len(extension) - 1] or "document"
    return f"{stem}.{extension}"


def _check_data(data: DocumentData) -> DocumentData:
    problems = {}
    title = " ".join((data.title or "").split())
    if not title:
        problems["title"] = _("Geef het document een titel.")
    elif len(title) > 200:
        problems["title"] = _("De titel mag hoogstens 200 tekens lang zijn.")
    try:
        kind = Kind(data.kind)
    except ValueError:
        problems["kind"] = _("Kies een soort document.")
        kind = Kind.OTHER
    if not isinstance(data.document_date, date):
        problems["document_date"] = _("Geef een datum.")
    elif data.document_date > date.today():
        problems["document_date"] = _("De datum mag niet in de toekomst liggen.")
    elif data.document_date.year < 1900:
        problems["document_date"] = _("Geef een datum na 1900.")
    if data.language not in LANGUAGES:
        problems["language"] = _("Kies een taal uit de lijst.")
    if problems:
        raise Invalid.on_fields(problems)
    return DocumentData(title=title, kind=kind, document_date=data.document_date, language=data.language)


@dataclass
class CheckedFile:
    media_type: str
    filename: str
    content: bytes
    extracted: extraction.Extracted


def check_file(filename: str, content: bytes) -> CheckedFile:
    """Everything about the bytes themselves: size, type by content, readability, the name. Raises Invalid on
    the field `file` with a Dutch message; stores nothing."""
    if len(content) > max_bytes():
        raise Invalid.on_field("file", _("Het bestand is groter dan %(limit)s.", limit=size_label()))
    sniffed = sniffing.sniff(content)
    name = clean_filename(filename, sniffed.extension)
    extracted = extraction.extract(content, sniffed.media_type)
    return CheckedFile(sniffed.media_type, name, content, extracted)


def count_documents(practice: Practice) -> int:
    return db.session.scalar(select(func.count(Document.id)).where(Document.practice_id == practice.id)) or 0


def add_document(actor, practice: Practice, data: DocumentData, filename: str, content: bytes) -> Document:
    """Attach a file to a practice: staff of its region, administrators, the system actor (imports).

    Raises NotAllowed, or Invalid (fields title, kind, document_date, language, file) for bad metadata, a
    file that is too large, of the wrong type, broken, encrypted, a ZIP bomb, empty, badly named, already
    attached, or one too many. The file is in place before the row is flushed.
    """
    require(actor, "document.manage", practice)
    problems: dict[str, str] = {}
    try:
        data = _check_data(data)
    except Invalid as error:
        problems.update(error.fields)
    try:
        checked = check_file(filename, content)
    except Invalid as error:
        problems.update(error.fields)
        checked = None
    if checked is not None:
        if count_documents(practice) >= max_per_practice():
            problems["file"] = _(
                "Bij een praktijkvoorbeeld horen hoogstens %(count)s documenten. Verwijder er eerst een.",
                count=max_per_practice(),
            )
        else:
            sha256 = storage.digest(content)
            if db.session.scalar(
                select(Document.id).where(Document.practice_id == practice.id, Document.sha256 == sha256)
            ):
                problems["file"] = _("Dit bestand hoort al bij dit praktijkvoorbeeld.")
    if problems:
        raise Invalid.on_fields(problems)
    return attach(actor, practice, data, checked)


def attach(actor, practice: Practice, data: DocumentData, checked: CheckedFile) -> Document:
    """Write a checked file and its row (after add_document's or an import's checks)."""
    sha256 = storage.store(db.session, checked.content)
    document = Document(
        practice=practice,
        title=data.title,
        kind=Kind(data.kind),
        document_date=data.document_date,
        language=data.language,
        filename=checked.filename,
        media_type=checked.media_type,
        size=len(checked.content),
        sha256=sha256,
        paged=checked.extracted.paged,
        created_by_id=getattr(actor, "id", None),
        pages=[
            DocumentPage(number=i, text=text) for i, text in enumerate(checked.extracted.texts or [""], 1)
        ],
    )
    db.session.add(document)
    db.session.flush()
    audit.record("document_added", actor=actor, document=document.title, **audit.about_practice(practice))
    return document


def edit_document(actor, document: Document, data: DocumentData) -> None:
    """Change a document's title, kind, date or language (not its file). Raises NotAllowed or Invalid."""
    require(actor, "document.manage", document.practice)
    data = _check_data(data)
    document.title = data.title
    document.kind = Kind(data.kind)
    document.document_date = data.document_date
    document.language = data.language
    db.session.flush()


def delete_document(actor, document: Document) -> None:
    """Remove a document; its file goes after the commit unless another document has the same content."""
    require(actor, "document.manage", document.practice)
    practice = document.practice
    audit.record("document_deleted", actor=actor, document=document.title, **audit.about_practice(practice))
    db.session.delete(document)
    db.session.flush()
