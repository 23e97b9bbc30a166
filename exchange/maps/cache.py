"""Figures that every visitor sees alike, kept per app until the data behind them changes.

Visitors (not signed in) all see the same published data, so a figure built for one serves the next, as long
as the data version is unchanged (and for at most five minutes). Signed-in users may see drafts: their figures are
always built afresh and never stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from flask_babel import get_locale

from exchange.caching import version

T = TypeVar("T")
MAX_AGE_SECONDS = 300


def data_signature() -> tuple:
    """The data version (exchange/caching): one primary-key read whose answer changes with every visible write
    (practices, results, steps, regions, themes, phases, ...), renames included."""
    return (version.current(),)


def for_visitors(user, key: Hashable, build: Callable[[], T]) -> T:
    """`build()`, or for a visitor the value built earlier for the same key, locale and data."""
    if getattr(user, "is_authenticated", False):
        return build()
    store = current_app.extensions.setdefault("visitor_figures", {})
    full_key = (str(get_locale()), key)
    signature, now = data_signature(), time.monotonic()
    hit = store.get(full_key)
    if hit is not None and hit[0] == signature and now - hit[1] < MAX_AGE_SECONDS:
        return hit[2]
    value = build()
    store[full_key] = (signature, now, value)
    return value
