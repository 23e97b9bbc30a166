"""The one email-address policy: what every form, service and CLI command accepts, and how it goes over SMTP.

- Surrounding whitespace is trimmed; anything else that is not an address (spaces, line breaks, two @, a trailing
  dot, more than 254 characters) is refused with a Dutch message on the field "email".
- Internationalised domains are accepted (``user@exämple.org``, also typed as ``xn--exmple-cua.org``) and stored
  in their Unicode form; SMTP gets the ASCII (punycode) form through `smtp_address`.
- Non-ASCII characters before the @ are refused: they need SMTPUTF8, which not every mail server on the way
  supports, so such a message could be accepted here and then never arrive.
- Special-use domains (``.test``, ``.localhost``, ``.invalid``, ...) are refused; ``.example`` is accepted.
- Addresses are stored lower-cased, so the unique constraints on them are case-insensitive.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import idna
from email_validator import EmailNotValidError, EmailSyntaxError, validate_email
from flask_babel import gettext as _
from wtforms.validators import ValidationError

from exchange.errors import Invalid

EMAIL_MAX = 254


class UnsendableAddress(ValueError):
    """An address that cannot go into an SMTP envelope or header (only possible for data from before the policy)."""


def _has_control_or_space(value: str) -> bool:
    return any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value)


def email_problem(value: str | None) -> str | None:
    """The Dutch reason why `value` is not an acceptable address, or None when it is (see the module docstring)."""
    try:
        normalise_email(value)
    except Invalid as exc:
        return str(exc.fields["email"])
    return None


def normalise_email(value: str | None) -> str:
    """Trim and lower-case an address; raise Invalid (field "email") when the platform does not accept it.

    The one check for every form, service and CLI command (see the module docstring for the policy).
    """
    value = (value or "").strip()
    if not value:
        raise Invalid.on_field("email", _("Vul een e-mailadres in."))
    if len(value) > EMAIL_MAX:
        raise Invalid.on_field(
            "email", _("Het e-mailadres is te lang (hoogstens %(n)s tekens).", n=EMAIL_MAX)
        )
    if _has_control_or_space(value):
        raise Invalid.on_field("email", _("Een e-mailadres bevat geen spaties of regeleinden."))
    local, at, _domain = value.rpartition("@")
    if at and local and not local.isascii():
        raise Invalid.on_field(
            "email",
            _(
                "Gebruik vóór de @ alleen letters zonder accenten, cijfers en tekens als . - _ +: niet elke "
                "mailserver kan een adres met andere tekens afleveren."
            ),
        )
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailSyntaxError as exc:
        if "special-use or reserved" in str(exc):
            raise Invalid.on_field(
                "email",
                _(
                    "Op dit domein kan geen e-mail aankomen (zoals .test of .localhost). Vul een echt adres in."
                ),
            ) from exc
        raise Invalid.on_field("email", _("Dit is geen geldig e-mailadres.")) from exc
    except EmailNotValidError as exc:
        raise Invalid.on_field("email", _("Dit is geen geldig e-mailadres.")) from exc
    return result.normalized.lower()


class EmailAddress:
    """WTForms validator: the address policy on a form field (the same check the services make again)."""

    def __call__(self, form, field) -> None:
        if field.errors:  # already refused (too long): one message per problem
            return
        problem = email_problem(field.data)
        if problem:
            raise ValidationError(problem)


@lru_cache(maxsize=4096)
def smtp_address(address: str) -> str:
    """`address` as it goes into an SMTP envelope and a header: ASCII, the domain in punycode.

    Does not apply the policy (the platform's own sender may be on .localhost in development); only makes the
    address safe to send. Raises UnsendableAddress for a non-ASCII local part, a missing @ or characters that
    could break a header (spaces, line breaks, controls, <, >, commas).
    """
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise UnsendableAddress(f"not an address: {address!r}")
    if _has_control_or_space(address) or any(ch in address for ch in '<>,;"()[]\\'):
        raise UnsendableAddress(f"unsafe characters in {address!r}")
    if not local.isascii():
        raise UnsendableAddress(f"non-ASCII local part needs SMTPUTF8: {address!r}")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise UnsendableAddress(f"domain cannot be encoded: {address!r}") from exc
    return f"{local}@{domain}"
