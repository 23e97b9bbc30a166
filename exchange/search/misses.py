"""Searches that found nothing, counted (without user or address) for the search administration page.

A worker with an index watcher (gunicorn: `warmup.warm_app` calls `start_buffering`) counts them in memory and
writes them in one transaction per `SEARCH_MISS_FLUSH_SECONDS` (on the watcher thread), per
`SEARCH_MISS_FLUSH_EVERY` searches counted, before the administration page reads them and when the process exits
cleanly: no write transaction per search on the search page's path. Without a watcher (tests, `flask run`,
the CLI) every count is written at once, as before.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from exchange.database import utcnow
from exchange.extensions import db
from exchange.search import analysis
from exchange.search.models import SearchMiss
from exchange.search.parsing import clean_query

log = logging.getLogger(__name__)

_MISS_DROP = re.compile(r"\S*@\S*|\S*\d{5,}\S*")


def normalise_miss(text: str) -> str:
    """The form in which a search without results is kept: folded, no e-mail addresses or long numbers."""
    folded = analysis.fold(_MISS_DROP.sub(" ", clean_query(text)))
    return " ".join(re.findall(r"[\w'-]+", folded))[:100]


@dataclass
class _Pending:
    count: int
    first_seen: datetime
    last_seen: datetime


class MissBuffer:
    """This worker's counts not yet written, by normalised query (thread-safe)."""

    def __init__(self, flush_every: int) -> None:
        self.flush_every = max(1, flush_every)
        self.counted = 0  # searches counted since the last flush
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    def add(self, query: str, now: datetime, count: int = 1) -> bool:
        """Count `query`; True when it is time to flush."""
        with self._lock:
            item = self._pending.get(query)
            if item is None:
                self._pending[query] = _Pending(count, now, now)
            else:
                item.count += count
                item.first_seen = min(item.first_seen, now)
                item.last_seen = max(item.last_seen, now)
            self.counted += count
            return self.counted >= self.flush_every

    def take(self) -> dict[str, _Pending]:
        with self._lock:
            pending, self._pending, self.counted = self._pending, {}, 0
            return pending

    def put_back(self, pending: dict[str, _Pending]) -> None:
        """Counts whose write failed wait for the next flush."""
        for query, item in pending.items():
            self.add(query, item.first_seen, item.count)
            with self._lock:
                self._pending[query].last_seen = max(self._pending[query].last_seen, item.last_seen)

    def __len__(self) -> int:
        return len(self._pending)


def buffer_of(app: Flask) -> MissBuffer | None:
    return app.extensions.get("search_miss_buffer")


def start_buffering(app: Flask, index) -> MissBuffer:
    """Count in memory in this process from now on, flushed by `index`'s watcher timer and at a clean exit."""
    buffer = buffer_of(app)
    if buffer is None:
        buffer = app.extensions["search_miss_buffer"] = MissBuffer(
            app.config.get("SEARCH_MISS_FLUSH_EVERY", 200)
        )
        atexit.register(flush_app, app)
    index.every("search-misses", app.config.get("SEARCH_MISS_FLUSH_SECONDS", 5), lambda: flush_app(app))
    return buffer


def flush_app(app: Flask) -> int:
    """Write `app`'s buffered counts in its own app context (the watcher thread, exit); never raises."""
    buffer = buffer_of(app)
    if buffer is None or not len(buffer):
        return 0
    try:
        with app.app_context():
            return flush()
    except Exception:
        log.warning("Could not write the searches without results", exc_info=True)
        return 0


class _Unwritten(Exception):
    """Writing stopped at a database error; `pending` holds the counts not written."""

    def __init__(self, pending: dict[str, _Pending]) -> None:
        super().__init__("searches without results not written")
        self.pending = pending


def flush() -> int:
    """Write this app's buffered counts (the counters it raises in one transaction); returns how many searches
    were written. A failure is logged and the unwritten counts are kept for the next flush (never raised)."""
    buffer = buffer_of(current_app)
    if buffer is None:
        return 0
    pending = buffer.take()
    if not pending:
        return 0
    try:
        _write(pending)
    except _Unwritten as failed:
        buffer.put_back(failed.pending)
        log.warning("Could not write the searches without results; kept for the next flush", exc_info=True)
        return sum(item.count for item in pending.values()) - sum(i.count for i in failed.pending.values())
    return sum(item.count for item in pending.values())


def _add(query: str, count: int, last_seen: datetime) -> bool:
    """Raise an existing counter; False when there is no row for `query` yet."""
    return bool(
        db.session.execute(
            SearchMiss.__table__.update()
            .where(SearchMiss.query == query)
            .values(count=SearchMiss.count + count, last_seen=last_seen)
        ).rowcount
    )


def _write(pending: dict[str, _Pending]) -> None:
    """Raise the existing counters in one transaction, then add the new ones (another worker may add the same
    query at the same moment: its row is then raised instead). Raises _Unwritten with what was not written."""
    try:
        new = {query: item for query, item in pending.items() if not _add(query, item.count, item.last_seen)}
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise _Unwritten(pending) from exc
    queries = list(new)
    for position, query in enumerate(queries):
        item = new[query]
        try:
            try:
                with db.session.begin_nested():
                    db.session.add(
                        SearchMiss(
                            query=query,
                            count=item.count,
                            first_seen=item.first_seen,
                            last_seen=item.last_seen,
                        )
                    )
            except IntegrityError:
                _add(query, item.count, item.last_seen)
            db.session.commit()
        except SQLAlchemyError as exc:
            db.session.rollback()
            raise _Unwritten({q: new[q] for q in queries[position:]}) from exc


def record_miss(text: str) -> None:
    """Count a search that found nothing (no user, no address); buffered in a worker with a watcher, else
    written at once. A failure is logged, never raised."""
    query = normalise_miss(text)
    if not query:
        return
    now = utcnow()
    buffer = buffer_of(current_app)
    if buffer is not None:
        if buffer.add(query, now):
            flush()
        return
    try:
        _write({query: _Pending(1, now, now)})
    except _Unwritten:
        # A counter must never turn a search into an error page.
        log.warning("Could not record a search without results", exc_info=True)
