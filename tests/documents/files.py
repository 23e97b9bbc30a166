"""Test files made on the spot: PDFs with text per page (pypdf), DOCX/ODT/XLSX/ODS (zipfile), CSV, PNG, JPEG,
and bad ones (encrypted and broken PDFs, a ZIP bomb dressed as DOCX)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(*pages: str, encrypt: str | None = None, padding: int = 0) -> bytes:
    """A PDF with one page per argument, each showing its text in Helvetica. `padding` adds an incompressible
    stream of that many bytes (for large-file tests)."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    font_ref = writer._add_object(font)
    for text in pages or ("",):
        page = writer.add_blank_page(width=595, height=842)
        lines = text.split("\n")
        ops = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
        for line in lines:
            ops.append(f"({_escape(line)}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    if padding:
        import os

        junk = DecodedStreamObject()
        junk.set_data(os.urandom(padding))
        writer._root_object[NameObject("/JunkPadding")] = writer._add_object(junk)
    if encrypt is not None:
        writer.encrypt(user_password=encrypt, owner_password=encrypt, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def broken_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage garbage\n%%EOF"


def _zip(members: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(
                zipfile.ZipInfo(stored_first), members[stored_first], compress_type=zipfile.ZIP_STORED
            )
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(*pages: str) -> bytes:
    """A DOCX whose paragraphs are the lines of each page, with a page break between pages."""
    body = []
    for i, text in enumerate(pages):
        if i:
            body.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        body += [f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in text.split("\n")]
    document = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{"".join(body)}</w:body></w:document>'
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})


def zip_bomb_docx(unpacked: int = 300 * 1024 * 1024) -> bytes:
    """A DOCX-looking ZIP whose document.xml unpacks to `unpacked` bytes of the same character."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"a" * (1024 * 1024)
            for _ in range(unpacked // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def xlsx(rows: list[list[str]]) -> bytes:
    strings = [cell for row in rows for cell in row]
    shared = "".join(f"<si><t>{s}</t></si>" for s in strings)
    S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    cells, index = [], 0
    for r, row in enumerate(rows, 1):
        cs = []
        for _ in row:
            cs.append(f'<c r="A{r}" t="s"><v>{index}</v></c>')
            index += 1
        cells.append(f'<row r="{r}">{"".join(cs)}</row>')
    sheet = f'<?xml version="1.0"?><worksheet xmlns="{S}"><sheetData>{"".join(cells)}</sheetData></worksheet>'
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{S}"/>',
            "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{S}">{shared}</sst>',
            "xl/worksheets/sheet1.xml": sheet,
        }
    )


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def odt(*pages: str) -> bytes:
    parts = []
    for i, text in enumerate(pages):
        if i:
            parts.append("<text:soft-page-break/>")
        parts += [f"<text:p>{line}</text:p>" for line in text.split("\n")]
    content = (
        f'<?xml version="1.0"?><office:document-content {ODF_NS}><office:body><office:text>'
        f"{''.join(parts)}</office:text></office:body></office:document-content>"
    )
    return _zip(
        {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content},
        stored_first="mimetype",
    )


def ods(rows: list[list[str]]) -> bytes:
    body = "".join(
        "<table:table-row>"
        + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in row)
        + "</table:table-row>"
        for row in rows
    )
    content = (
        f'<?xml version="1.0"?><office:document-content {ODF_NS}><office:body><office:spreadsheet>'
        f'<table:table table:name="Blad1">{body}</table:table></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    return _zip(
        {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": content},
        stored_first="mimetype",
    )


def csv_bytes(rows: list[list[str]], delimiter: str = ";") -> bytes:
    return "\n".join(delimiter.join(row) for row in rows).encode("utf-8")


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """The smallest well-formed JPEG header we need: SOI, a JFIF APP0 segment and EOI."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
