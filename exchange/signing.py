"""Signed cookies and tokens, checked and signed once per worker instead of once per request.

Every signed-in request opens the session cookie (a base64 payload, zlib, an HMAC and a timestamp) and every
stored page with a form signs a CSRF token: together a fifth of a stored workspace answer. Both give the same
output for the same input:

- `MemoSessionInterface` keeps the contents of session cookies it has verified, keyed by the cookie's exact
  value. Only a value whose signature was checked is kept, its age is checked on every use (an expired cookie
  opens an empty session, as before), and each request gets its own copy. Only sessions of plain values
  (strings, numbers, booleans, None) are kept; one with lists or dicts (flash messages) is opened in full.
- `csrf_token` signs the session's CSRF secret at most once per second: Flask-WTF's token is the secret signed
  with a whole-second timestamp, so within one second the signature it would make is the one kept.

Each store holds at most `MEMO_ENTRIES` entries per worker and starts again when full.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature

MEMO_ENTRIES = 4096
_PLAIN = (str, int, float, bool, type(None))


class MemoSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session; a cookie value verified before is not verified again."""

    def __init__(self) -> None:
        # cookie value -> (its contents, when it was signed); per application instance, so per worker
        self._opened: dict[str, tuple[dict, int]] = {}

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None  # as Flask: no sessions without a key
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        held = self._opened.get(value)
        if held is not None:
            contents, signed_at = held
            if time.time() - signed_at > max_age:  # what `loads(max_age=...)` would refuse
                return self.session_class()
            return self.session_class(contents)  # a copy: the kept contents are never handed out
        try:
            contents, signed_at = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        if isinstance(contents, dict) and all(isinstance(item, _PLAIN) for item in contents.values()):
            if len(self._opened) >= MEMO_ENTRIES:
                self._opened.clear()
            self._opened[value] = (dict(contents), int(signed_at.timestamp()))
        return self.session_class(contents)


# (secret key, CSRF secret) -> (second, signed token)
_signed: dict[tuple[str, str], tuple[int, str]] = {}


def csrf_token() -> str:
    """This request's signed CSRF token, as `flask_wtf.csrf.generate_csrf` makes it (and keeps it in `g`)."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    if field in g:
        return g.get(field)
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    raw = session.get(field)
    key = (str(secret), raw) if isinstance(raw, str) else None
    now = int(time.time())
    held = _signed.get(key) if key else None
    if held is not None and held[0] == now:
        setattr(g, field, held[1])
        return held[1]
    token = generate_csrf()
    if key and session.get(field) == raw:
        if len(_signed) >= MEMO_ENTRIES:
            _signed.clear()
        _signed[key] = (now, token)
    return token
