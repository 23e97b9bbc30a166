"""The one message builder: no text, however hostile, adds or changes a header (property tests, no app needed)."""

from __future__ import annotations

import email
import unicodedata
from email import policy
from email.header import decode_header, make_header
from email.utils import getaddresses

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exchange.mail.addresses import UnsendableAddress, smtp_address
from exchange.mail.message import LINE_MAX, MailMessage, clean_header

HOSTILE = "\r\n\t\x00\x0b\x0c\x1c\x7f\x85\u2028\u2029\u200b\u200d\u202e\ufeff=?:;<>,\"'\\()@ "
# Arbitrary Unicode (hypothesis' default leaves out lone surrogates) mixed with line breaks, controls, format
# characters and the characters that mean something in a header.
TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.one_of(st.sampled_from(HOSTILE), st.characters()), max_size=300),
    st.text(alphabet=st.one_of(st.sampled_from(HOSTILE), st.characters(max_codepoint=127)), max_size=300),
)
EXPECTED = ["Content-Type", "Date", "From", "List-Id", "MIME-Version", "Message-ID", "Subject", "To"]


def build(subject="Onderwerp", sender_name="Jeugdkennis", to_name="", list_id="lijst <lijst.example.org>"):
    return MailMessage(
        subject,
        [(to_name, "lezer@example.org"), "tweede@example.org"],
        body="tekst",
        html="<p>html</p>",
        sender=(sender_name, "noreply@example.org"),
        extra_headers={"List-Id": list_id},
        message_id="<bericht.1@example.org>",
    )


def parse(message: MailMessage) -> email.message.EmailMessage:
    raw = message.as_bytes()
    assert all(len(line) <= LINE_MAX for line in raw.split(b"\r\n"))
    return email.message_from_bytes(raw, policy=policy.default)


def raw_header(message: MailMessage, name: str) -> str:
    return email.message_from_bytes(message.as_bytes(), policy=policy.compat32)[name]


def mailboxes(value: str) -> list[tuple[str, str]]:
    """(display name, address) pairs decoded as RFC 2047 says: whitespace between two encoded words is not text.

    policy.default's address parser keeps that whitespace inside a display name (a CPython quirk: it reads
    "=?utf-8?q?A?= =?utf-8?q?B?=" as "A B", while it reads the same Subject as "AB"), so long encoded names are
    decoded here with the legacy API, which follows the RFC.
    """
    unfolded = value.replace("\r\n", "").replace("\n", "")
    return [(str(make_header(decode_header(name))), address) for name, address in getaddresses([unfolded])]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=TEXT, sender_name=TEXT, to_name=TEXT, list_id=TEXT)
@example(
    subject="Titel\r\nBcc: evil@example.org",
    sender_name="Naam\nBcc: evil@example.org",
    to_name="\r\n\r\nX-Evil: ja",
    list_id="lijst\r\nBcc: evil@example.org",
)
@example(subject="=?utf-8?q?Bcc?=", sender_name="=?utf-8?b?QmNj?=", to_name='"a" <b@c>,', list_id="=?x?=")
@example(subject="x" * 2000, sender_name="ü" * 500, to_name="a" * 1200, list_id="y" * 1200)
def test_no_text_adds_or_changes_a_header(subject, sender_name, to_name, list_id):
    message = build(subject, sender_name, to_name, list_id)
    parsed = parse(message)

    assert sorted(parsed.keys()) == EXPECTED
    assert parsed["Subject"] == clean_header(subject)
    assert len(parsed["From"].addresses) == 1 and len(parsed["To"].addresses) == 2
    assert mailboxes(raw_header(message, "From")) == [(clean_header(sender_name), "noreply@example.org")]
    assert mailboxes(raw_header(message, "To")) == [
        (clean_header(to_name), "lezer@example.org"),
        ("", "tweede@example.org"),
    ]
    assert parsed["Message-ID"] == "<bericht.1@example.org>"
    assert [part.get_content_type() for part in parsed.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]


@given(value=TEXT)
def test_clean_header_leaves_no_line_break_control_or_format_character(value):
    cleaned = clean_header(value)

    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") for ch in cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert clean_header(cleaned) == cleaned
    assert (
        cleaned.split()
        == value.translate(
            {ord(ch): " " for ch in value if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs")}
        ).split()
    )


def test_a_line_break_in_the_subject_stays_in_the_subject():
    raw = build("Praktijk\r\nBcc: evil@example.org\r\n\r\nnep-inhoud").as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)

    assert parsed["Subject"] == "Praktijk Bcc: evil@example.org nep-inhoud"
    assert parsed["Bcc"] is None and b"\r\nBcc:" not in raw


def test_a_long_subject_is_folded_and_unfolds_to_the_same_text():
    subject = " ".join(["woord"] * 60) + " één " + "é" * 100
    raw = build(subject).as_bytes()
    lines = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(b" "))

    assert end - start > 3 and max(len(line) for line in lines[start:end]) <= 78
    assert email.message_from_bytes(raw, policy=policy.default)["Subject"] == subject


def test_an_idn_domain_goes_out_as_punycode():
    message = MailMessage(
        "Onderwerp", ["user@exämple.org"], body="", html="", sender="Jeugdkennis <noreply@example.org>"
    )

    assert message.recipients == ["user@xn--exmple-cua.org"]
    assert parse(message)["To"].addresses[0].addr_spec == "user@xn--exmple-cua.org"


@pytest.mark.parametrize(
    "address",
    [
        "ü@example.org",
        "geen-apenstaart",
        "a b@example.org",
        "a@example.org\r\nBcc: evil@example.org",
        "<a@b.org>,",
    ],
)
def test_an_address_that_cannot_be_sent_is_refused_by_the_builder(address):
    with pytest.raises(UnsendableAddress):
        smtp_address(address)
