"""The sign-in's code step, as the password step sees it: whether a code is needed, and the pending
sign-in kept in the session until the code is given (user, session token, "remember me", where to go)."""

from __future__ import annotations

import time

from flask import redirect, request, session, url_for

from exchange.accounts.models import User
from exchange.accounts.twofactor import device, services
from exchange.extensions import db

PENDING_KEY = "twofactor_pending"
VERIFIED_KEY = "twofactor_verified"
# The code must follow the password within this many seconds.
PENDING_SECONDS = 600


def needs_code(user: User) -> bool:
    """The person has a second factor and this browser is not a remembered device of theirs."""
    tf = services.second_factor(user)
    return tf is not None and tf.is_confirmed and not device.is_remembered(request, user, tf)


def ask_code(user: User, *, remember: bool, next_url: str | None):
    """Keep the pending sign-in in the session and send the person to the code step."""
    session.pop(VERIFIED_KEY, None)
    session[PENDING_KEY] = {
        "user": user.id,
        "token": user.session_token,
        "remember": remember,
        "next": next_url,
        "until": int(time.time()) + PENDING_SECONDS,
    }
    return redirect(url_for("accounts.twofactor_code"))


def pending() -> tuple[User, dict] | None:
    """The person whose code step this session is at (and the saved choices), or None when there is no
    pending sign-in, it expired, or the account changed since (sessions ended, deactivated)."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    if int(data.get("until") or 0) < time.time():
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.is_active or user.session_token != data.get("token"):
        return None
    return user, data


def mark_verified(user: User) -> None:
    """Remember in this session that the person passed (or set up) their second factor."""
    session.pop(PENDING_KEY, None)
    session[VERIFIED_KEY] = f"{user.id}:{user.session_token}"


def is_marked_verified(user: User) -> bool:
    return session.get(VERIFIED_KEY) == f"{user.id}:{user.session_token}"
