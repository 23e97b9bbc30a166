"""The digest email as bytes, assembled directly instead of through the email package's generator.

Flask-Mail serialises with `email.policy.SMTP`, which re-parses every header through the header registry:
about 5-9 ms per digest on this machine, more than rendering and sending together (bench/digests.py).
A digest always has the same shape (multipart/alternative: text/plain + text/html, UTF-8), so it is
written out here in well under a millisecond. It is still a Flask-Mail Message, so exchange.mail.deliver()
and its connection send it as any other message.
"""

from __future__ import annotations

import base64
import secrets
from email.header import Header
from email.utils import formatdate
from functools import lru_cache

from flask_mail import Message, sanitize_address, sanitize_addresses


def _base64(text: str) -> bytes:
    encoded = base64.encodebytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))
    return encoded.replace(b"\n", b"\r\n")


@lru_cache(maxsize=1024)
def _header(name: str, value: str) -> bytes:
    """One header line; non-ASCII values RFC 2047-encoded (cached: subjects and senders repeat)."""
    if value.isascii():
        line = f"{name}: {value}"
    else:
        line = f"{name}: " + Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return line.encode("ascii") + b"\r\n"


@lru_cache(maxsize=64)
def _sender(sender: str) -> str:
    return sanitize_address(sender)


def _recipients(recipients: list[str]) -> str:
    # Addresses are stored normalised; only non-ASCII ones need Flask-Mail's (slow) encoding.
    if all(isinstance(r, str) and r.isascii() and "\n" not in r for r in recipients):
        return ", ".join(recipients)
    return ", ".join(sanitize_addresses(recipients))


class DigestMessage(Message):
    """A text + HTML message with a fast `as_bytes()` (see the module docstring)."""

    def as_bytes(self) -> bytes:
        boundary = "=_" + secrets.token_hex(16)
        headers = [
            ("MIME-Version", "1.0"),
            ("Subject", str(self.subject)),
            ("From", _sender(self.sender)),
            ("To", _recipients(self.recipients)),
            ("Date", formatdate(self.date, localtime=True)),
            ("Message-ID", self.msgId),
            *self.extra_headers.items(),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ]
        out = [_header(name, value) for name, value in headers]
        out.append(b"\r\n")
        for subtype, content in (("plain", self.body), ("html", self.html)):
            out.append(f"--{boundary}\r\n".encode("ascii"))
            out.append(f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode("ascii"))
            out.append(b"Content-Transfer-Encoding: base64\r\n\r\n")
            out.append(_base64(content or ""))
        out.append(f"--{boundary}--\r\n".encode("ascii"))
        return b"".join(out)

    def as_string(self) -> str:
        return self.as_bytes().decode("ascii")
