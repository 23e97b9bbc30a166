"""Practices like this one: published, from other regions, found by the engine's key words.

Which practices are like this one is kept per process for SIMILAR_CACHE_SECONDS (default 300), keyed by the
practice, its region and its themes: the engine's answer cost 100 to 300 ms at 100,000 practices on the first
request after any write (a new index view, its caches cold), and a practice page's first request after a
write is every visitor's (its phase moved, a result added). The practices shown are read afresh each time
(published, other region, current titles), so a kept answer never shows an unpublished or deleted practice;
a practice added or rewritten elsewhere, or this practice's own new text or phase, shows in the list within
that time.
"""

from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.extensions import db
from exchange.practices.models import Practice, Status
from exchange.search.documents import practice_text
from exchange.search.queries import current_index

DEFAULT_SECONDS = 300
MAX_KEPT = 4096
STORE_KEY = "similar_practices"
_lock = threading.Lock()


def similar_practices(practice: Practice, limit: int = 5) -> list[Practice]:
    """Published practices from other regions like this one (its key words; shared themes and phase weigh more)."""
    themes = [str(t.id) for t in practice.themes]
    key = (practice.id, practice.region_id, tuple(themes), limit)
    ids = _kept(key)
    if ids is None:
        found_keys = current_index().similar(
            key=f"practice:{practice.id}",
            text=f"{practice.title}\n{practice_text(practice)}",
            boosts={"theme": themes, "phase": [str(practice.phase_id)]},
            exclude_filters={"region": [str(practice.region_id)]},
            require={"type": ["practice"]},
            limit=limit,
        )
        ids = [int(found.partition(":")[2]) for found, _ in found_keys]
        _keep(key, ids)
    if not ids:
        return []
    stmt = (
        select(Practice)
        .where(
            Practice.id.in_(ids),
            Practice.status == Status.PUBLISHED,
            Practice.region_id != practice.region_id,
        )
        .options(selectinload(Practice.region), selectinload(Practice.themes), selectinload(Practice.phase))
    )
    found = {p.id: p for p in db.session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


def _kept(key: tuple) -> list[int] | None:
    seconds = current_app.config.get("SIMILAR_CACHE_SECONDS", DEFAULT_SECONDS)
    held = current_app.extensions.get(STORE_KEY, {}).get(key) if seconds else None
    if held is None or time.monotonic() - held[0] >= seconds:
        return None
    return held[1]


def _keep(key: tuple, ids: list[int]) -> None:
    if not current_app.config.get("SIMILAR_CACHE_SECONDS", DEFAULT_SECONDS):
        return
    with _lock:
        store = current_app.extensions.setdefault(STORE_KEY, {})
        if len(store) >= MAX_KEPT:
            store.clear()
        store[key] = (time.monotonic(), ids)
