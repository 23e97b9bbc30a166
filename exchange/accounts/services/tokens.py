"""One-time links (invitation, password reset, email change): issued as a secret, stored as its hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from exchange.accounts.models import AccountToken, TokenPurpose, User
from exchange.database import utcnow
from exchange.errors import LinkExpired, LinkInvalid, LinkUsed
from exchange.extensions import db

TOKEN_MAX = 128


def hash_secret(raw: str) -> str:
    """What is stored of a secret sent to a person or a browser (a link's token, a sign-in's key)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(
    user: User, purpose: TokenPurpose, valid_for: timedelta, *, new_email: str | None = None, created_by=None
) -> tuple[str, AccountToken]:
    """Create a one-time link secret for `user`; earlier unused links of the same kind stop working."""
    db.session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
        )
    )
    raw = secrets.token_urlsafe(32)
    token = AccountToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=hash_secret(raw),
        new_email=new_email,
        expires_at=utcnow() + valid_for,
        created_by_id=getattr(created_by, "id", None),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def find_token(raw: str | None, purpose: TokenPurpose) -> AccountToken:
    """The usable one-time link for `raw`. Raises LinkInvalid (404), LinkExpired or LinkUsed (410)."""
    if not raw or len(raw) > TOKEN_MAX:
        raise LinkInvalid()
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hash_secret(raw), AccountToken.purpose == purpose
        )
    )
    if token is None or token.user.deleted_at is not None or not token.user.active:
        raise LinkInvalid()
    if token.used_at is not None:
        raise LinkUsed()
    if token.expires_at <= utcnow():
        raise LinkExpired()
    return token


def revoke_open_links(user: User) -> int:
    """Delete every unused one-time link of `user` (invitation, password reset, email change); flushes."""
    return db.session.execute(
        delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
    ).rowcount
