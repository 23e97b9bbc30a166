"""Counts of practices kept per worker for visitors while no write has moved a count.

The facet counts of `/praktijken` and the counts of a theme or region page are sums over every published
practice: at 100,000 practices some 200 ms on PostgreSQL, spent again on the first request after every visible
write, because the visitor cache is keyed by the data version. Most writes are text edits (a summary, a body,
a contact) that move no count. `counts_version` (`caching.version`) is raised by every visible write except
those, so counts computed under one `counts_version` stay true while it stands, whatever text changed.

A write that moves only where practices are on the cycle (a phase move) raises `phase_counts_version` instead:
counts are kept under it too unless the caller says they do not depend on phases (`phases=False`: e.g. the
counts per theme, action line, region or year of practices filtered by anything but the phase).

Only for visitors: signed-in people see other practices (drafts, their own region's), and their counts are
computed per request as before. `COUNTS_CACHE_ENTRIES` bounds the store per worker (0 turns it off); a new
`counts_version` empties it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from exchange.caching import version

T = TypeVar("T")

DEFAULT_ENTRIES = 256
STORE_KEY = "kept_counts"


class _Store:
    def __init__(self, entries: int) -> None:
        self.entries = entries
        self.version: int | None = None
        self.items: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, counts_version: int, key: tuple) -> Any | None:
        with self.lock:
            if counts_version != self.version:
                return None
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, counts_version: int, key: tuple, value: Any) -> None:
        with self.lock:
            if counts_version != self.version:
                self.items.clear()
                self.version = counts_version
            self.items[key] = value
            while len(self.items) > self.entries:
                self.items.popitem(last=False)


def _store() -> _Store | None:
    entries = current_app.config.get("COUNTS_CACHE_ENTRIES", DEFAULT_ENTRIES)
    if not entries:
        return None
    store = current_app.extensions.get(STORE_KEY)
    if store is None:
        store = current_app.extensions[STORE_KEY] = _Store(entries)
    return store


def for_visitors(user, key: tuple | str, compute: Callable[[], T], *, phases: bool = True) -> T:
    """`compute()`, or what it gave under `key` in this worker since the last write that moved a count (with
    `phases=False`: a count that no phase move changes).

    Kept only when `user` is a visitor (None or not signed in); the caller must not change what it gets."""
    store = _store()
    if store is None or getattr(user, "is_authenticated", False):
        return compute()
    counts_version, phase_version = version.counts_for_request()
    key = (key, phase_version if phases else None)
    value = store.get(counts_version, key)
    if value is None:
        value = compute()
        store.put(counts_version, key, value)
    return value
