"""A real SMTP server on loopback (aiosmtpd) that records what it accepted and can misbehave on purpose.

Used by the digest tests and by bench/digests.py. aiosmtpd's Controller does not accept port 0, so a free
port is picked first.
"""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Self

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)


@dataclass
class RecordingHandler:
    """Accepts mail and records it. Knobs, settable while the server runs:

    - `refuse`: recipient addresses answered with 550 at RCPT TO;
    - `fail_after`: after this many accepted messages, answer every DATA with 451 (a temporary failure);
    - `parse`: keep parsed messages (off for the benchmark, which only counts).
    """

    refuse: set[str] = field(default_factory=set)
    fail_after: int | None = None
    keep: bool = True
    received: list[Received] = field(default_factory=list)
    accepted: int = 0
    sessions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_after is not None and self.accepted >= self.fail_after:
                return "451 4.3.0 Temporary failure, try again later"
            self.accepted += 1
            if self.keep:
                self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Accepted"

    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    def recipients(self) -> list[str]:
        return [to for r in self.received for to in r.rcpt_tos]


class SmtpSink:
    """Start/stop a recording SMTP server on 127.0.0.1 at a fixed free port (restartable on that port)."""

    def __init__(self, handler: RecordingHandler | None = None, port: int | None = None) -> None:
        self.handler = handler or RecordingHandler()
        self.port = port or free_port()
        self.controller: Controller | None = None

    def start(self) -> SmtpSink:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
