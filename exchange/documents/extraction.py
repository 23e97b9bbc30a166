"""The text of a checked file, page by page where the format has pages.

PDF through pypdf; DOCX, XLSX, ODT and ODS through zipfile and the standard XML parser, reading every member
through a capped reader (the ZIP directory's sizes can lie) and refusing XML with a DOCTYPE (no entity
expansion at all); CSV as text. Images have no text (no OCR). A PDF that is encrypted or cannot be read is
refused here with a Dutch message, so nothing is stored.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from flask_babel import gettext as _

from exchange.documents import sniffing
from exchange.documents.sniffing import CSV, DOCX, JPEG, ODS, ODT, PDF, PNG, XLSX, refuse

log = logging.getLogger(__name__)

# At most this much XML is read from one member of an office file, and this much text kept per document.
XML_MEMBER_LIMIT = 64 * 1024 * 1024
TEXT_LIMIT = 2_000_000
PAGE_LIMIT = 5_000

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


@dataclass
class Extracted:
    """Texts in order (pages, sheets or one text) and whether they are real pages."""

    texts: list[str] = field(default_factory=list)
    paged: bool = False

    @property
    def chars(self) -> int:
        return sum(len(t) for t in self.texts)


def extract(data: bytes, media_type: str) -> Extracted:
    """The text of `data` (already sniffed as `media_type`); raises Invalid for an unreadable or encrypted PDF
    or office file."""
    if media_type == PDF:
        return _pdf(data)
    if media_type in (PNG, JPEG):
        return Extracted()
    if media_type == CSV:
        return _csv(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sniffing.check_zip(archive)
            if media_type == DOCX:
                return _docx(archive)
            if media_type == XLSX:
                return _xlsx(archive)
            if media_type == ODT:
                return _odt(archive)
            if media_type == ODS:
                return _ods(archive)
    except (zipfile.BadZipFile, ElementTree.ParseError, EOFError, KeyError, ValueError, OSError):
        raise broken() from None
    raise ValueError(f"no extractor for {media_type}")


def broken():
    return refuse(_("Het bestand is beschadigd: de inhoud kan niet worden gelezen."))


def _limit(texts: list[str]) -> list[str]:
    out, total = [], 0
    for text in texts[:PAGE_LIMIT]:
        text = _clean(text)
        out.append(text[: max(0, TEXT_LIMIT - total)])
        total += len(out[-1])
    return out


_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- PDF -----------------------------------------------------------------------------------------------------


def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise refuse(
                _("De PDF is versleuteld of met een wachtwoord beveiligd. Sla hem op zonder beveiliging.")
            )
        pages = reader.pages
        count = len(pages)
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError, RecursionError):
        raise refuse(_("De PDF is beschadigd: hij kan niet worden geopend.")) from None
    if count == 0:
        raise refuse(_("De PDF heeft geen pagina's."))
    texts: list[str] = []
    total = 0
    for number in range(min(count, PAGE_LIMIT)):
        try:
            text = (pages[number].extract_text() or "") if total < TEXT_LIMIT else ""
        except Exception:  # pypdf raises many types on damaged pages; a page without text is fine
            log.info("No text from page %s of a PDF", number + 1, exc_info=True)
            text = ""
        total += len(text)
        texts.append(text)
    return Extracted(_limit(texts), paged=True)


# --- office files --------------------------------------------------------------------------------------------


def read_member(archive: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    """A member's bytes, read through a cap: a member that unpacks to more than `limit` is refused as a bomb,
    whatever the ZIP directory claims."""
    limit = limit or XML_MEMBER_LIMIT
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise sniffing.bomb()
    return data


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    data = read_member(archive, name)
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise broken()
    return ElementTree.fromstring(data)


def _docx(archive: zipfile.ZipFile) -> Extracted:
    body = _xml(archive, "word/document.xml")
    pages: list[list[str]] = [[]]
    breaks = 0
    for paragraph in body.iter(f"{W}p"):
        parts: list[str] = []
        for node in paragraph.iter():
            if node.tag == f"{W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{W}tab":
                parts.append("\t")
            elif node.tag == f"{W}lastRenderedPageBreak" or (
                node.tag == f"{W}br" and node.get(f"{W}type") == "page"
            ):
                pages[-1].append("".join(parts))
                parts = []
                pages.append([])
                breaks += 1
        pages[-1].append("".join(parts))
    texts = ["\n".join(p) for p in pages]
    if breaks == 0:
        return Extracted(_limit(texts), paged=False)
    return Extracted(_limit(texts), paged=True)


def _xlsx(archive: zipfile.ZipFile) -> Extracted:
    names = set(archive.namelist())
    shared: list[str] = []
    if "xl/sharedStrings.xml" in names:
        for item in _xml(archive, "xl/sharedStrings.xml").iter(f"{S}si"):
            shared.append("".join(t.text or "" for t in item.iter(f"{S}t")))
    sheets = sorted(
        (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.search(r"(\d+)", n.rsplit("/", 1)[1]).group(1)),
    )
    texts = []
    for name in sheets:
        rows = []
        for row in _xml(archive, name).iter(f"{S}row"):
            cells = []
            for cell in row.iter(f"{S}c"):
                kind = cell.get("t")
                if kind == "inlineStr":
                    cells.append("".join(t.text or "" for t in cell.iter(f"{S}t")))
                    continue
                value = cell.find(f"{S}v")
                if value is None or value.text is None:
                    continue
                if kind == "s":
                    index = int(value.text)
                    cells.append(shared[index] if 0 <= index < len(shared) else "")
                else:
                    cells.append(value.text)
            if cells:
                rows.append("\t".join(cells))
        texts.append("\n".join(rows))
    return Extracted(_limit(texts), paged=False)


def _odf_text(node: ElementTree.Element) -> str:
    """The text of an ODF element, with spaces (text:s), tabs and line breaks as the document shows them."""
    parts = [node.text or ""]
    for child in node:
        if child.tag == f"{TEXT_NS}s":
            parts.append(" " * int(child.get(f"{TEXT_NS}c", "1") or 1))
        elif child.tag == f"{TEXT_NS}tab":
            parts.append("\t")
        elif child.tag == f"{TEXT_NS}line-break":
            parts.append("\n")
        elif child.tag != f"{TEXT_NS}soft-page-break":
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odt(archive: zipfile.ZipFile) -> Extracted:
    root = _xml(archive, "content.xml")
    pages: list[list[str]] = [[]]
    breaks = 0
    for node in root.iter():
        if node.tag == f"{TEXT_NS}soft-page-break":
            pages.append([])
            breaks += 1
        elif node.tag in (f"{TEXT_NS}p", f"{TEXT_NS}h"):
            pages[-1].append(_odf_text(node))
    texts = ["\n".join(p) for p in pages]
    return Extracted(_limit(texts), paged=breaks > 0)


def _ods(archive: zipfile.ZipFile) -> Extracted:
    root = _xml(archive, "content.xml")
    texts = []
    for table in root.iter(f"{TABLE_NS}table"):
        rows = []
        for row in table.iter(f"{TABLE_NS}table-row"):
            cells = [
                "\n".join(_odf_text(p) for p in cell.iter(f"{TEXT_NS}p"))
                for cell in row.iter(f"{TABLE_NS}table-cell")
            ]
            cells = [c for c in cells if c]
            if cells:
                rows.append("\t".join(cells))
        texts.append("\n".join(rows))
    return Extracted(_limit(texts), paged=False)


def _csv(data: bytes) -> Extracted:
    text = sniffing.decode_text(data)
    if text is None:
        raise broken()
    return Extracted(_limit([text[:TEXT_LIMIT]]), paged=False)
