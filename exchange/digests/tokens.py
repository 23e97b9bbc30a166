"""Signed links for subscribers (itsdangerous, one salt per purpose).

- manage: scoped to one subscription or to all of a subscriber; never expires (unsubscribe links in old
  digests must keep working). Carries the subscriber's random key, never the row id, so a link can never
  point at a later subscriber that reused an id.
- confirm: carries the consent key; expiry is checked against the consent's `given_at` in the database.
- data: a time-limited link to see or erase everything held about an address.

Signing keys: SECRET_KEY plus SECRET_KEY_FALLBACKS, so links survive a key rotation while the old key is kept.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from exchange.errors import LinkExpired, LinkInvalid

MANAGE_SALT = "jeugdkennis.digests.manage"
CONFIRM_SALT = "jeugdkennis.digests.confirm"
DATA_SALT = "jeugdkennis.digests.data"
TOKEN_MAX = 300


def _keys() -> list[str]:
    # itsdangerous signs with the last key and accepts all of them.
    return [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.config["SECRET_KEY"]]


def manage_token(subscriber_key: str, subscription_id: int | None = None) -> str:
    """A link token for one subscription (`subscription_id`) or for everything of the subscriber (None)."""
    return URLSafeSerializer(_keys(), salt=MANAGE_SALT).dumps([subscriber_key, subscription_id or 0])


def read_manage_token(token: str) -> tuple[str, int | None]:
    """(subscriber key, subscription id or None). Raises LinkInvalid for tampered or truncated tokens."""
    data = _loads(URLSafeSerializer(_keys(), salt=MANAGE_SALT), token)
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not isinstance(data[0], str)
        or not isinstance(data[1], int)
        or isinstance(data[1], bool)
    ):
        raise LinkInvalid()
    return data[0], (data[1] or None)


def confirm_token(consent_key: str) -> str:
    return URLSafeSerializer(_keys(), salt=CONFIRM_SALT).dumps(consent_key)


def read_confirm_token(token: str) -> str:
    data = _loads(URLSafeSerializer(_keys(), salt=CONFIRM_SALT), token)
    if not isinstance(data, str):
        raise LinkInvalid()
    return data


def data_token(subscriber_key: str) -> str:
    return URLSafeTimedSerializer(_keys(), salt=DATA_SALT).dumps(subscriber_key)


def read_data_token(token: str) -> str:
    """The subscriber key; LinkExpired after DIGEST_DATA_LINK_VALID_FOR."""
    max_age = int(current_app.config["DIGEST_DATA_LINK_VALID_FOR"].total_seconds())
    serializer = URLSafeTimedSerializer(_keys(), salt=DATA_SALT)
    if not token or len(token) > TOKEN_MAX:
        raise LinkInvalid()
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadData as exc:
        raise LinkInvalid() from exc
    if not isinstance(data, str):
        raise LinkInvalid()
    return data


def _loads(serializer: URLSafeSerializer, token: str):
    if not token or len(token) > TOKEN_MAX:
        raise LinkInvalid()
    try:
        return serializer.loads(token)
    except BadData as exc:
        raise LinkInvalid() from exc
