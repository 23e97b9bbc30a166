"""Sign-in and sessions: checking credentials, one server-side record per sign-in, and ending sessions.

Each sign-in is a UserSession row; the browser's session cookie (and the remember-me cookie) carry
"<user id>:<secret>" and the row only the secret's hash. Signing out deletes that row, so a cookie copied before
is useless after it; `end_sessions` deletes every row of a person, with their open one-time links.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, inspect, literal_column, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import make_transient_to_detached

from exchange import audit
from exchange.accounts.models import PasswordResetRequest, User, UserSession, new_session_token
from exchange.accounts.passwords import hash_password, needs_rehash, verify_password
from exchange.accounts.services.rules import EMAIL_MAX, normalise_email
from exchange.accounts.services.tokens import hash_secret, revoke_open_links
from exchange.caching import personal, signins, version
from exchange.database import utcnow
from exchange.errors import Invalid
from exchange.extensions import adopt, db
from exchange.policy import require

log = logging.getLogger(__name__)

SESSION_KEY_MAX = 100
# last_seen_at is written at most this often per sign-in, so a busy reader does not write on every request.
TOUCH_INTERVAL = timedelta(minutes=5)
USER_AGENT_MAX = 200


class LoginFailed(Invalid):
    default_message = _l("Het e-mailadres of het wachtwoord klopt niet.")


def start_session(user: User, *, user_agent: str = "") -> str:
    """Record a new sign-in of `user` and return its secret (also set as `user.session_key`, which Flask-Login
    writes into the cookies through `User.get_id`). Flushes; the caller commits before answering."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(user_id=user.id, key_hash=hash_secret(raw), user_agent=user_agent[:USER_AGENT_MAX])
    )
    db.session.flush()
    user.session_key = raw
    return raw


def end_session(user: User) -> None:
    """Sign out this sign-in of `user` (the one it was loaded for): its cookies stop working on every copy.

    Other devices stay signed in. Does nothing when `user` carries no sign-in.
    """
    if user.session_key:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == hash_secret(user.session_key)))
        user.session_key = None
        db.session.flush()


def end_sessions(user: User) -> None:
    """End every sign-in of `user` and revoke what could start a new one without the password.

    Deletes all UserSession rows (so every session and remember-me cookie stops working), every unused
    invitation, reset and email-change link, and reset requests not handled yet; renews the session generation
    (`session_token`) that remembered devices are bound to. Flushes.
    """
    user.session_token = new_session_token()
    user.session_key = None
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    revoke_open_links(user)
    db.session.execute(delete(PasswordResetRequest).where(PasswordResetRequest.email == user.email))
    db.session.flush()


def idle_limit() -> timedelta:
    return current_app.config["SESSION_IDLE_LIMIT"]


# Built once: the loader runs on every signed-in request, and constructing the statement cost more than running it.
# The person's columns and the sign-in's three, read as plain columns (Core) and made into a User by `_as_user`:
# the ORM's query machinery (a session transaction on the reader, entity loading) cost half of a stored page.
_USER_ATTRIBUTES = tuple(prop.key for prop in User.__mapper__.column_attrs)
_LOAD_SESSION = (
    select(*(prop.columns[0] for prop in User.__mapper__.column_attrs))
    .add_columns(UserSession.id, UserSession.user_id, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.key_hash == bindparam("key_hash"))
)
_SIGN_IN_AT = len(_USER_ATTRIBUTES)  # where the sign-in's columns start in a row
_STATE_AT = _SIGN_IN_AT + 3  # and the person's state (`caching.personal`), when read
_ID_AT = _USER_ATTRIBUTES.index("id")


def _as_user(values, *, adopt_later: bool = False) -> User:
    """The person of a row read by `_LOAD_SESSION`, as a persistent object of this request's session.

    What loading it through the session would give, without the query machinery: the columns as loaded values
    (unchanged, so a later flush writes only what the request changes), relationships loaded on first use.
    With `adopt_later` and no session yet, a detached person, for the caller to `adopt` once it accepts it.
    """
    if adopt_later and not db.session.registry.has():
        return _detached(values)
    key = User.__mapper__.identity_key_from_primary_key([values[_ID_AT]])
    held = db.session.identity_map.get(key)
    if held is not None:  # loaded earlier in this request: one object per row, as the session keeps it
        return held
    user = _detached(values)
    db.session.add(user)
    return user


def _detached(values) -> User:
    user = User.__mapper__.class_manager.new_instance()
    user.__dict__.update(zip(_USER_ATTRIBUTES, values))
    make_transient_to_detached(user)
    return user


def load_signed_in_user(cookie_id: str) -> User | None:
    """The user of a live sign-in named by a cookie's "<user id>:<secret>", or None.

    None when the sign-in was ended (signed out, or every session ended), has been idle longer than
    SESSION_IDLE_LIMIT, or the account is inactive or deleted. Notes the time it was seen (at most every
    TOUCH_INTERVAL).
    """
    user_id, _sep, key = (cookie_id or "").partition(":")
    if not user_id.isdigit() or not key or len(key) > SESSION_KEY_MAX or len(user_id) > 18:
        return None
    key_hash = hash_secret(key)
    record = _load_record(key_hash, int(user_id))
    if record is None:
        return None
    session_id, session_user_id, last_seen_at = record[_SIGN_IN_AT:_STATE_AT]
    if session_user_id != int(user_id):
        return None
    now = utcnow()
    if last_seen_at < now - idle_limit():
        return None
    # Endpoints that serve a page stored per person need only the person's columns until they render it
    # (`personal.serve` starts the ORM session first): the person joins the session when it is first used.
    later = has_request_context() and request.endpoint in personal.ADOPT_LATER_ENDPOINTS
    user = _as_user(record, adopt_later=later)
    if not user.is_active:
        return None
    if last_seen_at < now - TOUCH_INTERVAL:
        _touch(session_id, now)
        signins.forget(key_hash)  # the copy holds the old last use
    user.session_key = key
    if later and inspect(user).detached:
        adopt(user)
    return user


@lru_cache(maxsize=16)
def _load_with_state(extra: tuple[str, ...]):
    return _LOAD_SESSION.add_columns(*(literal_column(sql) for sql in personal.state_columns(extra)))


def _load_record(key_hash: str, person_id: int) -> tuple | None:
    """The person, the sign-in's id, user id and last use; with the person's state (`caching.personal`) when
    this request's endpoint reads it, kept for `personal.user_state`. On PostgreSQL a row this process read
    before is used while nothing about the person changed (`caching.signins`)."""
    endpoint = request.endpoint if has_request_context() else None
    extra = personal.STATE_ENDPOINTS.get(endpoint or "")
    statement = _LOAD_SESSION if extra is None else _load_with_state(extra)
    row = signins.read(key_hash, extra, person_id, lambda: _read_record(statement, key_hash))
    if row is not None and extra is not None:
        personal.keep_state_read_with_sign_in(row[_SIGN_IN_AT + 1], extra, tuple(row[_STATE_AT:]))
    return row


def _read_record(statement, key_hash: str) -> tuple | None:
    # On the data version's reader (`version.read_row`), outside the ORM session: on PostgreSQL a connection in
    # autocommit that is not pinged, so a signed-in request that writes nothing opens no transaction on the
    # application's pool (a ping, BEGIN and COMMIT: three round trips of the four it took), retried once when the
    # server had dropped it; on SQLite a connection of the application's pool, as the data version is read. One
    # statement sees the committed rows as the first read of a READ COMMITTED transaction would; later writes of
    # the request go through the session as before.
    return version.read_row(statement, {"key_hash": key_hash})


def _touch(session_id: int, now) -> None:
    # On a connection of its own: the request may never commit (a GET), and a failure here must not fail it.
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
            )
    except SQLAlchemyError:
        log.warning("Could not note the last use of sign-in %s", session_id, exc_info=True)


def purge_sessions() -> int:
    """Delete sign-ins idle longer than SESSION_IDLE_LIMIT (they no longer sign anyone in); flushes."""
    return db.session.execute(
        delete(UserSession).where(UserSession.last_seen_at < utcnow() - idle_limit())
    ).rowcount


def sign_in(email: str, password: str, *, ip: str | None = None, record: bool = True) -> User:
    """Check credentials and record the attempt. Raises LoginFailed with a message that does not reveal
    whether the address has an account (only a correct password learns that an account is deactivated).

    The failed attempt is added to the session, so the caller should commit before showing the error.
    Starting the sign-in itself is `start_session`; `record=False` leaves `record_login` to the caller (the
    sign-in page, when a second-factor code still has to follow).
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
    if record:
        record_login(user, ip=ip)
    db.session.flush()
    return user


def record_login(user: User, *, ip: str | None = None, **details) -> None:
    """Note a completed sign-in (last sign-in time and the audit log). With a second factor this is after the
    code, not after the password: the log says "Ingelogd" only for a sign-in that happened."""
    user.last_login_at = utcnow()
    audit.record("login", actor=user, subject=user, ip=ip, **details)


def end_all_sessions(actor, user: User) -> None:
    """Sign out everywhere: every sign-in of this account ends (cookies, remember-me) and open links die."""
    require(actor, "account.edit_self", user)
    end_sessions(user)
    audit.record("sessions_ended", actor=actor, subject=user)
    db.session.flush()
