"""On PostgreSQL, each process keeps the sign-ins it checked while nothing about their person has changed.

Every signed-in request reads the person with their sign-in (`accounts.services.sessions`): one round trip that
cost a stored workspace answer a third of its time. Triggers on the tables that read depends on notify the
person's id on `listener.PEOPLE_CHANNEL` (or "*" for everyone) in the writing transaction, delivered at commit
whoever writes: the application, a command, an import, an administrator in psql:

- `user` (the person: role, region, deactivation, deletion, visit stamps) and `user_session` (signing in and
  out, "sign out everywhere", the last use): the person's id;
- `functionary_theme` and `coaching_assignment` (a person's themes and regions): the person's id;
- `feedback_message` (the workspace shows the newest): everyone.

A row read for a sign-in is kept under the listener's stamp for its person taken *before* the read
(`listener.Listener.person_stamp`: the connection, the data version and the counts of notifications), and used
while the stamp is the same and the copy is younger than `SIGN_IN_CACHE_SECONDS`. A change that commits after
the read was taken is notified after it too, so it changes the stamp. While the listener is not connected
(starting, the server restarting) every request reads, as before; after a reconnect nothing kept is used.

This process's own commits to those tables drop every copy at once (the notification may still be on its way);
another process's commit is seen when its notification arrives: well under a millisecond on one machine, plus
the listener thread's turn at the interpreter (a few ms under load). A sign-out on one server therefore ends a
copied cookie's use everywhere within that time, not in the same instant.

Nothing is kept unless every one of those triggers exists (checked once per listener connection): a database
whose migration 0020 did not run would never notify, so a sign-out elsewhere would not reach this process.

SQLite has no notifications: there every request reads (one statement on a file). SIGN_IN_CACHE_ENTRIES = 0
turns the store off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import DDL, event
from sqlalchemy.orm import Session

from exchange.caching import listener as listening
from exchange.caching import version
from exchange.extensions import db

log = logging.getLogger(__name__)

DEFAULT_ENTRIES = 4096
DEFAULT_SECONDS = 60
STORE_KEY = "sign_in_cache"
TRIGGERS_KEY = "sign_in_cache_triggers"
MARK_KEY = "exchange.people_changed"

# The tables a sign-in read depends on, and whom a change to a row concerns: the column holding the person's id,
# or EVERYONE.
PEOPLE_TABLES = {
    "user": "id",
    "user_session": "user_id",
    "functionary_theme": "user_id",
    "coaching_assignment": "user_id",
    "feedback_message": listening.EVERYONE,
}

_FUNCTION = f"""
CREATE OR REPLACE FUNCTION exchange_notify_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = '{listening.EVERYONE}' OR TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('{listening.PEOPLE_CHANNEL}', '{listening.EVERYONE}');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('{listening.PEOPLE_CHANNEL}',
                          coalesce(to_jsonb(OLD) ->> TG_ARGV[0], '{listening.EVERYONE}'));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('{listening.PEOPLE_CHANNEL}',
                          coalesce(to_jsonb(NEW) ->> TG_ARGV[0], '{listening.EVERYONE}'));
    END IF;
    RETURN NULL;
END
$$
"""


def trigger_statements() -> list[str]:
    """The SQL that creates the notifying function and its triggers (PostgreSQL; the migration runs the same)."""
    statements = [_FUNCTION.strip()]
    for table, column in PEOPLE_TABLES.items():
        statements += [
            f'DROP TRIGGER IF EXISTS exchange_people ON "{table}"',
            (
                f'CREATE TRIGGER exchange_people AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION exchange_notify_people('{column}')"
            ),
            f'DROP TRIGGER IF EXISTS exchange_people_emptied ON "{table}"',
            (
                f'CREATE TRIGGER exchange_people_emptied AFTER TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION exchange_notify_people('{listening.EVERYONE}')"
            ),
        ]
    return statements


# A schema made from the models (tests, benchmarks) gets the triggers too.
for _statement in trigger_statements():
    event.listen(db.Model.metadata, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


class Store:
    """Rows of sign-in reads, each with the stamp it was read under and when."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._rows: dict[tuple, tuple[tuple, float, tuple]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, stamp: tuple, max_age: float) -> tuple | None:
        held = self._rows.get(key)
        if held is None or held[0] != stamp or time.monotonic() - held[1] >= max_age:
            return None
        return held[2]

    def put(self, key: tuple, stamp: tuple, row: tuple) -> None:
        with self._lock:
            if len(self._rows) >= self.entries:
                self._rows.clear()
            self._rows[key] = (stamp, time.monotonic(), row)

    def forget(self, key_hash: str) -> None:
        with self._lock:
            for key in [key for key in self._rows if key[0] == key_hash]:
                del self._rows[key]

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)


TRIGGERS_SQL = (
    "SELECT count(DISTINCT tgrelid) FROM pg_trigger WHERE tgname = 'exchange_people' AND tgenabled <> 'D'"
)


def store() -> Store | None:
    """This process's store, or None when it is off or has no notifications to trust (SQLite, DATA_VERSION_LISTEN
    off, the triggers missing)."""
    return _store() if _trusted_listener() is not None else None


def _trusted_listener() -> listening.Listener | None:
    """This process's listener when sign-ins may be kept on its word: the store is on and every trigger exists."""
    if not current_app.config.get("SIGN_IN_CACHE_ENTRIES", DEFAULT_ENTRIES):
        return None
    held = version.listener_of_process()
    if held is None or not _triggers_in_place(held):
        return None
    return held


def _store() -> Store:
    kept = current_app.extensions.get(STORE_KEY)
    if kept is None:
        entries = current_app.config.get("SIGN_IN_CACHE_ENTRIES", DEFAULT_ENTRIES)
        kept = current_app.extensions[STORE_KEY] = Store(entries)
    return kept


def _triggers_in_place(held: listening.Listener) -> bool:
    """Whether every table of PEOPLE_TABLES notifies; checked once per connection of the listener."""
    connection = (id(held), held.connection_number)
    known = current_app.extensions.get(TRIGGERS_KEY)
    if known is not None and known[0] == connection:
        return known[1]
    found = version.run_on_reader(lambda reader: reader.exec_driver_sql(TRIGGERS_SQL).scalar())
    in_place = found == len(PEOPLE_TABLES)
    if not in_place:
        log.warning(
            "Sign-ins are read on every request: %s of the %s tables have the exchange_people trigger "
            "(run `flask db upgrade`)",
            found,
            len(PEOPLE_TABLES),
        )
    current_app.extensions[TRIGGERS_KEY] = (connection, in_place)
    return in_place


def read(key_hash: str, variant: tuple | None, person_id: int, read_row: Callable[[], tuple | None]):
    """The row of the sign-in `key_hash` (read with `variant`, e.g. the state columns an endpoint adds) of the
    person the cookie names, `person_id`: kept from an earlier read while nothing about them changed, else
    `read_row()`."""
    held = _trusted_listener()
    stamp = held.person_stamp(person_id) if held is not None else None
    if stamp is None:  # nothing to trust, or not connected
        return read_row()
    kept = _store()
    key = (key_hash, variant)
    row = kept.get(key, stamp, current_app.config.get("SIGN_IN_CACHE_SECONDS", DEFAULT_SECONDS))
    if row is not None:
        return row
    row = read_row()
    if row is not None:
        kept.put(key, stamp, row)
    return row


def forget(key_hash: str) -> None:
    """Drop this process's copies of the sign-in `key_hash` (e.g. once its last use was written)."""
    held = current_app.extensions.get(STORE_KEY)
    if held is not None:
        held.forget(key_hash)


# --- this process's own writes ---------------------------------------------------------------------------------


def _concerns_people(obj) -> bool:
    table = getattr(obj, "__table__", None)
    return getattr(table, "name", None) in PEOPLE_TABLES


@event.listens_for(Session, "before_flush")
def _mark_people_changes(session: Session, flush_context, instances) -> None:
    if not session.info.get(MARK_KEY) and any(
        _concerns_people(obj) for obj in chain(session.new, session.deleted, session.dirty)
    ):
        session.info[MARK_KEY] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_people_changes(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in PEOPLE_TABLES:
            state.session.info[MARK_KEY] = True


@event.listens_for(Session, "after_commit")
def _drop_after_own_commit(session: Session) -> None:
    marked = session.get_nested_transaction() is None and session.info.pop(MARK_KEY, None)
    if marked and has_app_context():
        held = current_app.extensions.get(STORE_KEY)
        if held is not None:
            held.clear()


@event.listens_for(Session, "after_soft_rollback")
def _clear_mark_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(MARK_KEY, None)
