"""Forgotten passwords: mailing a reset link and setting a new password through it."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from exchange import audit
from exchange.accounts.models import TokenPurpose, User
from exchange.accounts.passwords import hash_password
from exchange.accounts.services.rules import check_password, normalise_email
from exchange.accounts.services.sessions import end_sessions
from exchange.accounts.services.tokens import find_token, issue_token
from exchange.database import utcnow
from exchange.extensions import db
from exchange.mail import external_url, queue_mail


def request_password_reset(email: str, *, ip: str | None = None) -> None:
    """Mail a reset link when the address belongs to an active account; otherwise do nothing, silently.

    Raises Invalid only for a malformed address, so the answer never reveals whether an account exists.
    """
    address = normalise_email(email)
    user = db.session.scalar(
        select(User).where(User.email == address, User.deleted_at.is_(None), User.active.is_(True))
    )
    if user is None:
        return
    valid_for = current_app.config["PASSWORD_RESET_VALID_FOR"]
    raw, token = issue_token(user, TokenPurpose.RESET, valid_for)
    audit.record("password_reset_requested", subject=user, ip=ip)
    queue_mail(
        user.email,
        _("Nieuw wachtwoord instellen voor Jeugdkennis"),
        "password_reset",
        user=user,
        link=external_url("accounts.reset_password", token=raw),
        expires_at=token.expires_at,
        valid_minutes=int(valid_for.total_seconds() // 60),
    )


def reset_password(raw_token: str, password: str) -> User:
    """Set a new password through a reset link (once, short-lived). Ends every session of the account."""
    token = find_token(raw_token, TokenPurpose.RESET)
    user = token.user
    check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    end_sessions(user)
    token.used_at = utcnow()
    audit.record("password_reset", actor=user, subject=user)
    db.session.flush()
    return user
