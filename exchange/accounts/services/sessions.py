"""Sign-in and sessions: checking credentials, and ending every session of an account."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange import audit
from exchange.accounts.models import User, new_session_token
from exchange.accounts.passwords import hash_password, needs_rehash, verify_password
from exchange.accounts.services.rules import EMAIL_MAX, normalise_email
from exchange.database import utcnow
from exchange.errors import Invalid
from exchange.extensions import db
from exchange.policy import require


class LoginFailed(Invalid):
    default_message = _l("Het e-mailadres of het wachtwoord klopt niet.")


def end_sessions(user: User) -> None:
    """Make every cookie of this account (including "remember me") stop working, by a new session token."""
    user.session_token = new_session_token()


def sign_in(email: str, password: str, *, ip: str | None = None) -> User:
    """Check credentials and record the attempt. Raises LoginFailed with a message that does not reveal
    whether the address has an account (only a correct password learns that an account is deactivated).

    The failed attempt is added to the session, so the caller should commit before showing the error.
    """
    try:
        address = normalise_email(email)
    except Invalid:
        address = None
    user = None
    if address:
        user = db.session.scalar(select(User).where(User.email == address, User.deleted_at.is_(None)))
    if not verify_password(user.password_hash if user else None, password or ""):
        if user is None:
            audit.record("login_failed", ip=ip, reason="unknown", email=(email or "")[:EMAIL_MAX])
        else:
            audit.record("login_failed", subject=user, ip=ip, reason="password")
        db.session.flush()
        raise LoginFailed()
    if not user.active:
        audit.record("login_failed", subject=user, ip=ip, reason="inactive")
        db.session.flush()
        raise LoginFailed(
            _("Dit account is gedeactiveerd. Neem contact op met een beheerder."), code="inactive"
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login", actor=user, subject=user, ip=ip)
    db.session.flush()
    return user


def end_all_sessions(actor, user: User) -> None:
    """Log out everywhere: every cookie (including "remember me") for this account stops working."""
    require(actor, "account.edit_self", user)
    end_sessions(user)
    audit.record("sessions_ended", actor=actor, subject=user)
    db.session.flush()
