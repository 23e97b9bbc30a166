"""What a file is, decided by its content (magic bytes, the structure of ZIP containers), never by its name.

Every refusal is an Invalid on the form's `file` field with a Dutch message; nothing is stored before the file
passed. ZIP containers (DOCX, XLSX, ODT, ODS) are refused when they look like a ZIP bomb: too many entries, too
much in total when unpacked, or an entry that unpacks far more than real office files do. The sizes in a ZIP's
directory can lie, so extraction (documents.extraction) reads every member through a capped reader too.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from exchange.errors import Invalid

FIELD = "file"

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

EXTENSIONS = {
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    CSV: "csv",
    DOCX: "docx",
    XLSX: "xlsx",
    ODT: "odt",
    ODS: "ods",
}
LABELS = {
    PDF: "PDF",
    PNG: "PNG",
    JPEG: "JPEG",
    CSV: "CSV",
    DOCX: "Word",
    XLSX: "Excel",
    ODT: "ODT",
    ODS: "ODS",
}

# Limits of ZIP containers. Real office files hold a few hundred entries and compress XML about 5-30 times.
ZIP_MAX_ENTRIES = 5_000
ZIP_MAX_TOTAL = 200 * 1024 * 1024  # unpacked bytes of all entries together
ZIP_MAX_RATIO = 150  # unpacked / packed, for entries that unpack to more than ZIP_RATIO_FROM bytes
ZIP_RATIO_FROM = 1024 * 1024


@dataclass(frozen=True)
class Sniffed:
    media_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.media_type]


def refuse(message: str) -> Invalid:
    return Invalid.on_field(FIELD, message)


def unsupported() -> Invalid:
    return refuse(
        _(
            "Dit soort bestand kunnen we niet opnemen. Kies een PDF, Word (DOCX), ODT, Excel (XLSX), ODS, CSV, PNG of JPEG."
        )
    )


def sniff(data: bytes) -> Sniffed:
    """The media type of `data`; raises Invalid (on the field `file`) for anything else or anything broken."""
    if not data:
        raise refuse(_("Het bestand is leeg."))
    if data.startswith(b"%PDF-"):
        return Sniffed(PDF)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if data[12:16] != b"IHDR":
            raise refuse(_("Het PNG-bestand is beschadigd."))
        return Sniffed(PNG)
    if data.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG)
    if data.startswith(b"PK\x03\x04"):
        return Sniffed(zip_type(data))
    if looks_like_csv(data):
        return Sniffed(CSV)
    raise unsupported()


def check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse encrypted containers and ZIP bombs (by their directory; extraction caps what it reads as well)."""
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise bomb()
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse(
                _("Het bestand is versleuteld of met een wachtwoord beveiligd. Sla het op zonder wachtwoord.")
            )
        total += info.file_size
        if total > ZIP_MAX_TOTAL:
            raise bomb()
        if info.file_size > ZIP_RATIO_FROM and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise bomb()


def bomb() -> Invalid:
    return refuse(
        _(
            "Het bestand pakt uit tot veel meer gegevens dan een echt kantoordocument; het wordt niet opgenomen."
        )
    )


def zip_type(data: bytes) -> str:
    """DOCX, XLSX, ODT or ODS by the container's structure; anything else in a ZIP is refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise refuse(_("Het bestand is beschadigd: het kan niet worden geopend.")) from None
    with archive:
        check_zip(archive)
        if "mimetype" in names:
            try:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            except (zipfile.BadZipFile, ValueError, EOFError, OSError):
                raise refuse(_("Het bestand is beschadigd: het kan niet worden geopend.")) from None
            if declared in (ODT, ODS) and "content.xml" in names:
                return declared
            raise unsupported()
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
        raise unsupported()


def looks_like_csv(data: bytes) -> bool:
    """UTF-8 (or Windows-1252) text without control characters whose first lines split into at least two
    columns on one delimiter (comma, semicolon or tab)."""
    sample = data[: 64 * 1024]
    text = decode_text(sample)
    if text is None:
        return False
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
        return False
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(data) > len(sample) and len(lines) > 1:
        lines = lines[:-1]  # the sample may cut the last line short
    if not lines:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return min(widths) >= 2


def decode_text(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            # A multi-byte character cut at the end of a sample is not a reason to refuse the whole file.
            if encoding == "utf-8-sig":
                try:
                    return data[:-3].decode(encoding) + data[-3:].decode(encoding, "ignore")
                except UnicodeDecodeError:
                    continue
    return None
