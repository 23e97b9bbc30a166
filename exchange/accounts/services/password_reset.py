"""Forgotten passwords: recording a request, mailing a reset link after the answer, and using the link.

The request itself only stores a PasswordResetRequest row, the same for every address, so the answer takes the
same time whether or not the address has an account. The work that depends on it (finding the account, the
token, rendering and sending the mail) happens in `handle_reset_requests`, run after the answer has gone out
(exchange.accounts.views) and by `flask users send-resets` (cron) for requests a crashed worker left behind.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from exchange import audit
from exchange.accounts.models import PasswordResetRequest, TokenPurpose, User
from exchange.accounts.passwords import hash_password
from exchange.accounts.services.rules import check_password, normalise_email
from exchange.accounts.services.sessions import end_sessions
from exchange.accounts.services.tokens import find_token, issue_token
from exchange.database import utcnow
from exchange.extensions import db
from exchange.mail import external_url, queue_mail

log = logging.getLogger(__name__)

# A request younger than this belongs to the worker that answered it; `flask users send-resets` leaves it alone.
HANDOVER = timedelta(seconds=30)


def request_password_reset(email: str, *, ip: str | None = None) -> PasswordResetRequest:
    """Record a reset request for `email`, whether or not it has an account; flushes.

    Raises Invalid only for a malformed address. Nothing here depends on the account, so neither the answer
    nor its timing reveals whether one exists.
    """
    request = PasswordResetRequest(email=normalise_email(email), ip=(ip or None) and ip[:45])
    db.session.add(request)
    db.session.flush()
    return request


def handle_reset_requests(ids: list[int] | None = None, *, older_than: timedelta | None = None) -> int:
    """Turn waiting reset requests into mail: a link for an active account, nothing otherwise. Returns how many
    links were queued.

    Handles the requests `ids`, or every request older than `older_than` (all when None). Each request is claimed
    by deleting its row and committed with its token and mail, one at a time, so two runs never mail one
    request twice; the mail leaves after each commit.
    """
    query = select(PasswordResetRequest.id).order_by(PasswordResetRequest.id)
    if ids is not None:
        query = query.where(PasswordResetRequest.id.in_(ids))
    if older_than is not None:
        query = query.where(PasswordResetRequest.created_at < utcnow() - older_than)
    queued = 0
    for request_id in list(db.session.scalars(query)):
        request = db.session.get(PasswordResetRequest, request_id)
        claimed = (
            request is not None
            and db.session.execute(
                delete(PasswordResetRequest).where(PasswordResetRequest.id == request_id)
            ).rowcount
            == 1
        )
        if claimed and _mail_reset_link(request.email, request.ip):
            queued += 1
        db.session.commit()
    return queued


def _mail_reset_link(address: str, ip: str | None) -> bool:
    user = db.session.scalar(
        select(User).where(User.email == address, User.deleted_at.is_(None), User.active.is_(True))
    )
    if user is None:
        return False
    valid_for = current_app.config["PASSWORD_RESET_VALID_FOR"]
    raw, token = issue_token(user, TokenPurpose.RESET, valid_for)
    audit.record("password_reset_requested", subject=user, ip=ip)
    queue_mail(
        user.email,
        _l("Nieuw wachtwoord instellen voor Jeugdkennis"),
        "password_reset",
        language=user.language,
        user=user,
        link=external_url("accounts.reset_password", token=raw),
        expires_at=token.expires_at,
        valid_minutes=int(valid_for.total_seconds() // 60),
    )
    return True


def reset_password(raw_token: str, password: str) -> User:
    """Set a new password through a reset link (once, short-lived). Ends every session and open link."""
    token = find_token(raw_token, TokenPurpose.RESET)
    user = token.user
    check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    token.used_at = utcnow()
    end_sessions(user)
    audit.record("password_reset", actor=user, subject=user)
    db.session.flush()
    return user
