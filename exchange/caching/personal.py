"""A signed-in person's own rendered page, kept per worker while nothing they would see has changed.

Visitors share `@visitor_cached` answers; signed-in people never do. This store keeps one person's page under a
key that starts with their user id and holds everything the page depends on: `user_state` reads, in one query,
the data version (raised by every visible write, `caching.version`), the person's role and region, a fingerprint
of their theme links and coaching assignments, and any extra scalars the caller adds (e.g. the newest feedback
message, a table the data version ignores). The caller adds the language, the date, the query string and
whatever else changes its output.

What differs per request stays outside the stored copy: the stored copy is split where the CSRF token was and
joined with each answer's own token (`visitor.Stored`), a request with flash messages waiting is rendered (and
not stored), and response headers (cookies) are never stored. Only 200 answers are kept, for at most `PERSONAL_CACHE_SECONDS`
(time-based lists such as "not updated for 180 days" move within a day), in a least-recently-used store of
`PERSONAL_CACHE_ENTRIES` pages and `PERSONAL_CACHE_MB` per worker; `PERSONAL_CACHE_ENTRIES = 0` turns it off.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Response, current_app, has_request_context, make_response, request, session
from flask_babel import get_locale
from sqlalchemy import TextClause, text

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, User
from exchange.caching import version
from exchange.caching.models import ROW_ID
from exchange.caching.visitor import LRU, MAX_QUERY_LENGTH, answer, stored_copy
from exchange.extensions import db, session_in_use

DEFAULT_ENTRIES = 512
DEFAULT_MB = 32
DEFAULT_SECONDS = 120


def store() -> LRU | None:
    """This app's (this worker's) store of personal pages, or None when it is off."""
    entries = current_app.config.get("PERSONAL_CACHE_ENTRIES", DEFAULT_ENTRIES)
    if not entries:
        return None
    lru = current_app.extensions.get("personal_cache")
    if lru is None:
        lru = current_app.extensions["personal_cache"] = LRU(
            entries, current_app.config.get("PERSONAL_CACHE_MB", DEFAULT_MB) * 1024 * 1024
        )
    return lru


# The state's columns, each a scalar SQL expression over the person's row `{u}` (a table name or alias).
_STATE_COLUMNS = (
    "(SELECT version FROM data_version WHERE id = {row_id})",
    "{u}.role",
    "{u}.region_id",
    "(SELECT count(*) FROM {themes} WHERE user_id = {u}.id)",
    "(SELECT sum(theme_id) FROM {themes} WHERE user_id = {u}.id)",
    "(SELECT max(created_at) FROM {themes} WHERE user_id = {u}.id)",
    "(SELECT count(*) FROM {assignments} WHERE user_id = {u}.id)",
    "(SELECT max(id) FROM {assignments} WHERE user_id = {u}.id)",
)


@lru_cache(maxsize=16)
def state_columns(extra: tuple[str, ...], person: str = '"user"') -> tuple[str, ...]:
    """The SQL of the state's columns over the person's row named `person`, then each of `extra`."""
    names = {
        "row_id": ROW_ID,
        "themes": FunctionaryTheme.__table__.name,
        "assignments": CoachingAssignment.__table__.name,
        "u": person,
    }
    return tuple(column.format(**names) for column in _STATE_COLUMNS) + tuple(f"({sql})" for sql in extra)


@lru_cache(maxsize=16)
def _state_statement(extra: tuple[str, ...]) -> TextClause:
    # Plain SQL built once per caller: building and keying the same select() on every request cost more than
    # running it (a few ms per page in profiles).
    return text(f'SELECT {", ".join(state_columns(extra, "u"))} FROM "user" AS u WHERE u.id = :uid')


# Endpoints whose view reads `user_state` with these extras: the sign-in read (accounts.services.sessions) then
# reads the state in the same statement, and `user_state` takes it from there (one statement, one round trip).
STATE_ENDPOINTS: dict[str, tuple[str, ...]] = {}
# Endpoints whose signed-in person joins the request's ORM session only when that session is first used
# (`extensions.adopt`): until `serve` renders, such a view may read only the person's columns (and may write
# them: the write creates the session, which adopts the person with the change).
ADOPT_LATER_ENDPOINTS: set[str] = set()
_READ_WITH_SIGN_IN = "exchange.personal.state"


def read_with_sign_in(endpoint: str, extra: tuple[str, ...]) -> None:
    """Ask the sign-in read of `endpoint`'s requests to read the state with `extra` as well."""
    STATE_ENDPOINTS[endpoint] = tuple(extra)


def adopt_person_later(endpoint: str) -> None:
    """Leave the signed-in person of `endpoint`'s requests outside the ORM session until it is used."""
    ADOPT_LATER_ENDPOINTS.add(endpoint)


def keep_state_read_with_sign_in(user_id: int, extra: tuple[str, ...], values: tuple) -> None:
    """Called by the sign-in read with the state it read for `user_id`."""
    request.environ[_READ_WITH_SIGN_IN] = (user_id, extra, _as_state(values))


def _as_state(values) -> tuple:
    return tuple(str(value) if value is not None else None for value in values)


def user_state(user: User, extra: tuple[str, ...] = ()) -> tuple:
    """One query: the data version, the person's role and region, a fingerprint of their theme links (count,
    sum of theme ids, newest link) and coaching assignments (count, newest id), then each of `extra` (scalar
    SQL of the caller, e.g. "SELECT max(id) FROM feedback_message"). No query when this request's sign-in read
    it already (`STATE_ENDPOINTS`)."""
    extra = tuple(extra)
    held = request.environ.get(_READ_WITH_SIGN_IN) if has_request_context() else None
    if held is not None and held[0] == user.id and held[1] == extra:
        return held[2]
    statement, params = _state_statement(extra), {"uid": user.id}
    engine = version.reader()
    if engine is db.engine:  # SQLite: the session's own connection
        row = db.session.execute(statement, params).one()
    else:  # one round trip on the reader's autocommit connection, as the data version is read
        row = version.run_on_reader(lambda connection: connection.execute(statement, params).one())
    return _as_state(row)


def request_key(user: User, *parts: Any) -> tuple | None:
    """The key of this request's page for `user` (None when the query string is too long to key on)."""
    if len(request.query_string) > MAX_QUERY_LENGTH:
        return None
    query = tuple(sorted(request.args.items(multi=True)))
    return (user.id, str(get_locale()), request.path, query, *parts)


def _render(render: Callable[[], Any]) -> Any:
    # The signed-in person of an `ADOPT_LATER_ENDPOINTS` request waits outside the ORM session until it is first
    # used (accounts.services.sessions): the page may load the person's relationships, so it starts now.
    session_in_use()
    return render()


def serve(key: tuple | None, render: Callable[[], Any]) -> Response:
    """The stored page under `key` if there is a fresh one, else `render()` (stored when it answers 200).

    `key` must start with the user id (see `request_key`); with flashes waiting the page is always rendered.
    """
    lru = store()
    if lru is None or key is None or request.method != "GET" or "_flashes" in session:
        return make_response(_render(render))
    item = lru.get(key)
    max_age = current_app.config.get("PERSONAL_CACHE_SECONDS", DEFAULT_SECONDS)
    if item is not None and time.monotonic() - item.stored_at < max_age:
        return answer(item)
    response = make_response(_render(render))
    if response.status_code == 200 and not response.direct_passthrough and not response.is_streamed:
        lru.put(key, stored_copy(response))
    return response
