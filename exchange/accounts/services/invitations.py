"""Invitations and accounts made by administrators, and accepting an invitation through its link."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exchange import audit
from exchange.accounts.models import FunctionaryTheme, Role, TokenPurpose, User
from exchange.accounts.passwords import hash_password
from exchange.accounts.services.rules import (
    check_combination,
    check_password,
    clean_name,
    ensure_email_free,
    normalise_email,
)
from exchange.accounts.services.sessions import end_sessions
from exchange.accounts.services.tokens import find_token, issue_token
from exchange.database import utcnow
from exchange.errors import Conflict
from exchange.extensions import db
from exchange.i18n import current_language
from exchange.mail import external_url, queue_mail
from exchange.policy import require
from exchange.reference.models import Region, Theme


def invite_user(
    actor,
    email: str,
    role: Role,
    *,
    name: str = "",
    region: Region | None = None,
    themes: Iterable[Theme] = (),
) -> User:
    """Create an account without a password and mail an invitation link (valid INVITATION_VALID_FOR, once).

    Administrators only. Raises Invalid for a bad address or role combination, Conflict when the address has
    an account already.
    """
    require(actor, "user.invite")
    user = _new_account(actor, "invitation_sent", email, role, name, region, list(themes), password=None)
    _send_invitation(actor, user)
    return user


def resend_invitation(actor, user: User) -> None:
    """Send a fresh invitation link to someone who has not set a password yet; the old link stops working."""
    require(actor, "user.invite", user)
    if not user.is_invited or not user.active:
        raise Conflict(_("Deze persoon heeft de uitnodiging al aanvaard of het account is niet actief."))
    audit.record("invitation_sent", actor=actor, subject=user, role=user.role.value, again=True)
    _send_invitation(actor, user)


def _send_invitation(actor, user: User) -> None:
    valid_for = current_app.config["INVITATION_VALID_FOR"]
    raw, token = issue_token(user, TokenPurpose.INVITE, valid_for, created_by=actor)
    queue_mail(
        user.email,
        _l("Uitnodiging voor Jeugdkennis"),
        "invitation",
        language=user.language,
        user=user,
        inviter=getattr(actor, "display_name", ""),
        link=external_url("accounts.accept_invitation", token=raw),
        expires_at=token.expires_at,
    )


def accept_invitation(raw_token: str, name: str, password: str) -> User:
    """Set name and password through an invitation link (once, before it expires)."""
    token = find_token(raw_token, TokenPurpose.INVITE)
    user = token.user
    name = clean_name(name, required=True)
    check_password(password, email=user.email, name=name)
    user.name = name
    user.password_hash = hash_password(password)
    user.language = current_language()  # the language of the page the person accepted on
    token.used_at = utcnow()
    end_sessions(user)
    audit.record("invitation_accepted", actor=user, subject=user)
    db.session.flush()
    return user


def create_user(
    actor,
    email: str,
    role: Role,
    password: str,
    *,
    name: str = "",
    region: Region | None = None,
    themes: Iterable[Theme] = (),
) -> User:
    """Create a ready-to-use account with a password (the `flask users create` command)."""
    require(actor, "user.invite")
    return _new_account(actor, "user_created", email, role, name, region, list(themes), password=password)


def _new_account(
    actor,
    action: str,
    email: str,
    role: Role,
    name: str,
    region: Region | None,
    themes: list[Theme],
    *,
    password: str | None,
) -> User:
    """The account row, its theme links and the audit event `action`; without a password for an invitation."""
    address = normalise_email(email)
    name = clean_name(name)
    check_combination(role, region, themes)
    ensure_email_free(address)
    if password is not None:
        check_password(password, email=address, name=name)
    user = User(
        email=address,
        name=name,
        role=role,
        region_id=region.id if region else None,
        password_hash=hash_password(password) if password is not None else None,
        language=current_language(),  # the page the account was made on; the person can change it
    )
    db.session.add(user)
    db.session.flush()
    for theme in themes:
        db.session.add(FunctionaryTheme(user_id=user.id, theme_id=theme.id))
    audit.record(
        action,
        actor=actor,
        subject=user,
        role=role.value,
        region=region.code if region else None,
        themes=[t.slug for t in themes],
    )
    db.session.flush()
    return user
