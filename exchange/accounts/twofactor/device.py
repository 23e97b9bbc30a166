"""The "remember this device for 30 days" cookie: signed, bound to the person, their password and a device
secret kept on the server, so a new password, turning the second factor off or an administrator's reset
makes every remembered device ask for a code again."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from exchange.accounts.models import User
from exchange.accounts.twofactor.models import TwoFactor

COOKIE_NAME = "jk_device"
LIFETIME = timedelta(days=30)
_SALT = "jeugdkennis-twofactor-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(user: User, tf: TwoFactor) -> str:
    message = f"{user.id}:{user.password_hash or ''}".encode()
    return hmac.new(tf.device_secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def remember(response: Response, user: User, tf: TwoFactor) -> None:
    """Set the cookie that lets this browser skip the code step for 30 days."""
    value = _serializer().dumps({"u": user.id, "f": _fingerprint(user, tf)})
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=int(LIFETIME.total_seconds()),
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )


def is_remembered(request: Request, user: User, tf: TwoFactor | None) -> bool:
    """True when this request carries a valid, unexpired device cookie for `user` and their current
    password and device secret."""
    value = request.cookies.get(COOKIE_NAME)
    if not value or tf is None or not tf.is_confirmed:
        return False
    try:
        data = _serializer().loads(value, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:  # includes SignatureExpired
        return False
    if not isinstance(data, dict) or data.get("u") != user.id or not isinstance(data.get("f"), str):
        return False
    return hmac.compare_digest(data["f"], _fingerprint(user, tf))
