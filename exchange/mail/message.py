"""The one message builder: every header value is cleaned here, then the message is written out as bytes.

User text reaches headers (a practice title in a Subject, a person's name as a display name). `clean_header`
turns every line break, control and format character into a space, so such text can never end a header and
start another (``"Titel\\r\\nBcc: iemand@example.org"`` stays one Subject). Values are then folded at spaces,
and RFC 2047-encoded when they are not plain ASCII (or look like an encoded word themselves), so a parser gives
back exactly the cleaned text.

`MailMessage` is a Flask-Mail Message (exchange.mail.deliver and Flask-Mail's connection send it) that writes
itself directly (multipart/alternative, text/plain + text/html, UTF-8, base64) instead of through
`email.generator`: Flask-Mail's serialisation re-parses every header (5-9 ms per message, more than rendering
and sending a digest together, bench/digests.py), and it only refuses line breaks on some paths (never in the
mail folder or the outbox's stored copy).
"""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata
from collections.abc import Iterable
from email.header import Header
from email.utils import formatdate, parseaddr
from functools import lru_cache

from flask_mail import Message

from exchange.mail.addresses import smtp_address

# Lines are folded to this length where a space allows it (RFC 5322's "SHOULD"); never longer than LINE_MAX.
FOLD_AT = 78
LINE_MAX = 998
# Characters a display name may have without encoding (RFC 5322 atext and spaces between atoms).
_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+")
# Characters no header value may carry: controls (CR, LF, NUL, NEL, ...), format characters (bidi overrides,
# zero-width), line and paragraph separators, and lone surrogates (not encodable).
_NEUTRALISED = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


def clean_header(value: object) -> str:
    """`value` as one safe header line: every control, format or line-separator character and every run of
    whitespace becomes a single space; no leading or trailing space."""
    text = str(value if value is not None else "")
    if text.isascii() and text.isprintable() and "  " not in text:
        return text.strip()
    chars = (" " if unicodedata.category(ch) in _NEUTRALISED else ch for ch in text)
    return " ".join("".join(chars).split())


def _needs_encoding(value: str) -> bool:
    return (
        not value.isascii() or "=?" in value or any(len(word) > LINE_MAX - 100 for word in value.split(" "))
    )


def _encoded_words(value: str) -> list[str]:
    # Header.encode splits into encoded words of at most 60 characters at character boundaries (so "Subject: "
    # and one word fit on a 78-character line); parsers join
    # adjacent encoded words without the whitespace between them, so the text comes back unchanged.
    return Header(value, "utf-8", maxlinelen=60).encode(linesep="\n").split()


def _fold(name: str, words: Iterable[str]) -> bytes:
    """`Name: word word ...` folded at spaces (CRLF + space), so unfolding gives back exactly one space."""
    lines: list[str] = []
    line = f"{name}:"
    for word in words:
        if len(line) + 1 + len(word) > FOLD_AT and line != f"{name}:":
            lines.append(line)
            line = ""
        line = f"{line} {word}"
    lines.append(line)
    return "\r\n".join(lines).encode("ascii") + b"\r\n"


def text_words(value: str) -> list[str]:
    """The words of an unstructured header value (Subject), encoded where needed; `value` already cleaned."""
    if not value:
        return []
    if _needs_encoding(value):
        return _encoded_words(value)
    return value.split(" ")


def address_words(name: str, address: str) -> list[str]:
    """A mailbox (`name <address>`, or the bare address) as words; `name` already cleaned, `address` ASCII."""
    if not name:
        return [address]
    if _ATOM_PHRASE.fullmatch(name) and not _needs_encoding(name):
        phrase = name.split(" ")
    else:
        phrase = _encoded_words(name)
    return [*phrase, f"<{address}>"]


@lru_cache(maxsize=2048)
def text_header(name: str, value: str) -> bytes:
    """One unstructured header (Subject, ...) as bytes; cached because subjects repeat in a digest run."""
    return _fold(name, text_words(clean_header(value)))


def structured_header(name: str, value: str) -> bytes:
    """A header whose value the platform itself composed (Message-ID, List-Unsubscribe, Date): cleaned and
    folded at spaces, never encoded. Non-ASCII is dropped and a word too long for one line is cut (neither
    happens to values that are ASCII and short by construction)."""
    value = clean_header(value).encode("ascii", "ignore").decode("ascii")
    room = LINE_MAX - len(name) - 2
    return _fold(name, [word[:room] for word in value.split(" ")] if value else [])


@lru_cache(maxsize=2048)
def mailbox_header(name: str, mailboxes: tuple[tuple[str, str], ...]) -> bytes:
    """From/To with display names: `name <address>, ...`; names cleaned and encoded, addresses ASCII."""
    words: list[str] = []
    for index, (display, address) in enumerate(mailboxes):
        mailbox = address_words(clean_header(display), smtp_address(address))
        if index < len(mailboxes) - 1:
            mailbox[-1] += ","
        words.extend(mailbox)
    return _fold(name, words)


def mailbox(value: str | tuple[str, str]) -> tuple[str, str]:
    """(display name, ASCII address) from `"Name <address>"`, a bare address or a (name, address) pair.

    Raises UnsendableAddress (a ValueError) for an address that cannot be sent.
    """
    if isinstance(value, tuple):
        name, address = value
    elif value.rstrip().endswith(">"):
        name, address = parseaddr(clean_header(value))
    else:
        name, address = "", value
    return clean_header(name), smtp_address(address)


def _base64(text: str) -> bytes:
    encoded = base64.encodebytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "replace"))
    return encoded.replace(b"\n", b"\r\n")


class MailMessage(Message):
    """A text + HTML message whose every header is cleaned; `recipients` and `sender` hold plain ASCII
    addresses (for the SMTP envelope), the display names are kept beside them.

    Raises UnsendableAddress when an address cannot be sent at all.
    """

    def __init__(
        self,
        subject: str,
        recipients: Iterable[str | tuple[str, str]],
        *,
        body: str,
        html: str,
        sender: str | tuple[str, str],
        extra_headers: dict[str, str] | None = None,
        message_id: str | None = None,
    ) -> None:
        to = [mailbox(recipient) for recipient in recipients]
        sender_name, sender_address = mailbox(sender)
        super().__init__(
            subject=clean_header(subject),
            recipients=[address for _, address in to],
            body=body,
            html=html,
            sender=sender_address,
            extra_headers={clean_header(k): str(v) for k, v in (extra_headers or {}).items()},
        )
        self.to_mailboxes = tuple(to)
        self.sender_name = sender_name
        if message_id:
            self.msgId = message_id

    def header_lines(self) -> list[bytes]:
        """Every header of the message, in order, as CRLF-terminated bytes."""
        lines = [
            b"MIME-Version: 1.0\r\n",
            text_header("Subject", self.subject),
            mailbox_header("From", ((self.sender_name, self.sender),)),
            mailbox_header("To", self.to_mailboxes),
            structured_header("Date", formatdate(self.date, localtime=True)),
            structured_header("Message-ID", self.msgId),
        ]
        for name, value in (self.extra_headers or {}).items():
            if re.fullmatch(r"[!-9;-~]+", name):  # a field name is printable ASCII without ":"
                lines.append(structured_header(name, value))
        return lines

    def as_bytes(self) -> bytes:
        boundary = "=_" + secrets.token_hex(16)
        out = self.header_lines()
        out.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode("ascii"))
        for subtype, content in (("plain", self.body), ("html", self.html)):
            out.append(f"--{boundary}\r\n".encode("ascii"))
            out.append(f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode("ascii"))
            out.append(b"Content-Transfer-Encoding: base64\r\n\r\n")
            out.append(_base64(content or ""))
        out.append(f"--{boundary}--\r\n".encode("ascii"))
        return b"".join(out)

    def as_string(self) -> str:
        return self.as_bytes().decode("ascii")

    def has_bad_headers(self) -> bool:
        return False  # every header is cleaned when it is written
