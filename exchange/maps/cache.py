"""Figures that every visitor sees alike, kept per app until the data behind them changes.

Visitors (not signed in) all see the same published data, so a figure built for one serves the next, as long
as a one-query signature of the data is unchanged (and for at most five minutes, which bounds how long an
administrator's rename of a theme or phase takes to show). Signed-in users may see drafts: their figures are
always built afresh and never stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.practices.models import Practice, Result
from exchange.reference.models import Region

T = TypeVar("T")
MAX_AGE_SECONDS = 300


def data_signature() -> tuple:
    """One cheap query (indexed maxima and counts) whose answer changes whenever a practice, result or region is
    added, changed or removed: services stamp `updated_at` on every change to a practice, its phase, themes or
    status and on every result posted; results only disappear with their practice."""
    stmt = select(
        select(func.count(Practice.id)).scalar_subquery(),
        select(func.max(Practice.updated_at)).scalar_subquery(),
        select(func.max(Result.id)).scalar_subquery(),
        select(func.count(Region.id)).scalar_subquery(),
        select(func.max(Region.updated_at)).scalar_subquery(),
    )
    return tuple(db.session.execute(stmt).one())


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
