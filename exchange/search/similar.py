"""Practices like this one: published, from other regions, found by the engine's key words."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.extensions import db
from exchange.practices.models import Practice, Status
from exchange.search.documents import practice_text
from exchange.search.queries import current_index


def similar_practices(practice: Practice, limit: int = 5) -> list[Practice]:
    """Published practices from other regions like this one (its key words; shared themes and phase weigh more)."""
    index = current_index()
    keys = index.similar(
        key=f"practice:{practice.id}",
        text=f"{practice.title}\n{practice_text(practice)}",
        boosts={"theme": [str(t.id) for t in practice.themes], "phase": [str(practice.phase_id)]},
        exclude_filters={"region": [str(practice.region_id)]},
        require={"type": ["practice"]},
        limit=limit,
    )
    ids = [int(key.partition(":")[2]) for key, _ in keys]
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
