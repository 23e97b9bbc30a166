"""On PostgreSQL, each process keeps the data version current from notifications instead of reading it per request.

Every visitor request reads the data version (`caching.version`): one round trip to the database, which on a
small server costs about as much as the rest of a cached answer. Each write that raises the version also sends
`NOTIFY exchange_data_version, '<new version>'` in its transaction (PostgreSQL delivers it at commit, in commit
order). A thread per process holds one connection that LISTENs, keeps the newest number, and reads the row
afresh when it (re)connects and every `RESYNC_SECONDS` (a write that bypassed `bump`, e.g. by hand in psql, is
seen then). The process's own commits are taken at once (`saw`), so a request after its own write never reads an
older number; another process's write is seen once the notification arrives (well under a millisecond on one
machine, plus the thread's turn at the interpreter).

While the thread has no live connection (starting, the server restarting) `value` is None and the version is
read per request as before: a lost listener costs speed, never a stale answer for longer than the reconnect.
The number never goes back while connected (the version only rises; a late notification must not undo this
process's own newer commit); a row reset by hand is read when the listener reconnects.
DATA_VERSION_LISTEN turns it on (the default on PostgreSQL; SQLite reads a local file anyway).

The same connection LISTENs for changes to people (`PEOPLE_CHANNEL`): triggers on the tables a sign-in and a
person's pages are read from notify the person's id, or "*" for everyone (`caching.signins`). The listener
counts them per person; `person_stamp` is the state of those counts, which a copy of a person's sign-in is kept
under: a change to that person (or to everyone), a new data version or a reconnect gives another stamp.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "exchange_data_version"
PEOPLE_CHANNEL = "exchange_people"
EVERYONE = "*"
_MAX_PEOPLE = (
    10_000  # people counted one by one; past that, the counts start again (everyone's stamp changes)
)
RESYNC_SECONDS = 10.0
RETRY_SECONDS = 1.0
_WAIT_SECONDS = 1.0  # how long one wait for notifications lasts before the thread checks whether to stop


class Listener:
    """The data version as PostgreSQL last notified it (None while not connected)."""

    def __init__(self, conninfo: str, current_sql: str) -> None:
        self.conninfo, self.current_sql = conninfo, current_sql
        self.value: int | None = None
        self.backend_pid: int | None = None  # the listening connection's server process (tests end it)
        self._connection_number = 0  # raised by every (re)connect: notifications may have been missed before
        self._everyone = 0  # notifications for everyone
        self._people: dict[int, int] = {}  # notifications per person id
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="data-version-listener", daemon=True)
        self._thread.start()

    def saw(self, version: int) -> None:
        """This process committed `version`: take it now (the notification may still be on its way)."""
        with self._lock:
            if self.value is not None and version > self.value:
                self.value = version

    def stop(self) -> None:
        self._stop.set()

    @property
    def connection_number(self) -> int:
        """Raised by every lost connection: what was checked on one connection holds until it changes."""
        return self._connection_number

    def person_stamp(self, person_id: int) -> tuple | None:
        """What has been notified so far that concerns `person_id` (None while not connected): equal stamps
        mean that nothing about the person nor the data version changed in between, as far as notified."""
        with self._lock:
            if self.value is None:
                return None
            return (self._connection_number, self.value, self._everyone, self._people.get(person_id, 0))

    def _person_changed(self, payload: str) -> None:
        with self._lock:
            if payload.isdigit() and len(self._people) < _MAX_PEOPLE:
                person_id = int(payload)
                self._people[person_id] = self._people.get(person_id, 0) + 1
            else:  # EVERYONE, or too many people to count one by one
                self._everyone += 1
                self._people.clear()

    def _set(self, version: int) -> None:
        # Never backwards while connected: a notification (or a resync read) can arrive after this process
        # took its own newer commit (`saw`). The version only rises; a row reset by hand is read on reconnect.
        with self._lock:
            self.value = version if self.value is None else max(self.value, version)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception:
                log.warning("Data version listener lost its connection; reconnecting", exc_info=True)
            with self._lock:
                self.value = None
                self._connection_number += 1
            self.backend_pid = None
            self._stop.wait(RETRY_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")  # first listen, then read: no write falls in between
            connection.execute(f"LISTEN {PEOPLE_CHANNEL}")
            self.backend_pid = connection.info.backend_pid
            while not self._stop.is_set():
                row = connection.execute(self.current_sql).fetchone()
                self._set((row[0] if row else 0) or 0)
                resync_at = time.monotonic() + RESYNC_SECONDS
                while not self._stop.is_set() and time.monotonic() < resync_at:
                    for note in connection.notifies(timeout=_WAIT_SECONDS):
                        if note.channel == PEOPLE_CHANNEL:
                            self._person_changed(note.payload)
                        else:
                            self._set(int(note.payload))
