"""Practice cards from plain rows: only the columns a card shows, in a fixed number of queries.

A card (`templates/practices/_macros.html`, `practice_card`) shows a practice's title, summary, status, demo mark,
region, phase, themes and last update. List pages that only show cards load them here instead of full ORM rows
with four eager loads: one query for the columns, one for the practices' theme ids; region, phase and theme names
come from the per-process reference snapshot (`exchange.reference.cache`). `Card` has the attributes the macro
reads (`p.region.display_name`, `p.phase`, `p.themes`), so the macro takes either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, select

from exchange.extensions import db
from exchange.practices import queries
from exchange.practices.models import Practice, Status, practice_theme
from exchange.reference import cache
from exchange.reference.cache import PhaseRow, RegionRow, ThemeRow


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    title: str
    summary: str
    status: Status
    is_demo: bool
    updated_at: datetime
    region_id: int
    phase_id: int
    region: RegionRow
    phase: PhaseRow
    themes: tuple[ThemeRow, ...]


_COLUMNS = (
    Practice.id,
    Practice.title,
    Practice.summary,
    Practice.status,
    Practice.is_demo,
    Practice.updated_at,
    Practice.region_id,
    Practice.phase_id,
)


def ids_stmt(stmt: Select) -> Select:
    """`stmt` (a `practices_stmt`) reduced to its ids in its own order, without eager loads."""
    return stmt.with_only_columns(Practice.id).options()


def load(ids: Sequence[int]) -> list[Card]:
    """Cards of `ids`, in that order (two queries; none for an empty list). Missing ids are left out."""
    if not ids:
        return []
    names = cache.snapshot()
    rows = {row.id: row for row in db.session.execute(select(*_COLUMNS).where(Practice.id.in_(ids)))}
    theme_ids: dict[int, list[int]] = defaultdict(list)
    for practice_id, theme_id in db.session.execute(
        select(practice_theme.c.practice_id, practice_theme.c.theme_id).where(
            practice_theme.c.practice_id.in_(ids)
        )
    ):
        theme_ids[practice_id].append(theme_id)
    if any(
        row.region_id not in names.region_by_id or row.phase_id not in names.phase_by_id
        for row in rows.values()
    ) or any(t not in names.theme_by_id for themes in theme_ids.values() for t in themes):
        names = cache.snapshot(reload=True)  # reference rows committed after this request read the version
    cards = []
    for practice_id in ids:
        row = rows.get(practice_id)
        if row is None:
            continue
        themes = sorted(
            (names.theme_by_id[t] for t in theme_ids[practice_id]),
            key=lambda t: (t.position, t.name),
        )
        cards.append(
            Card(
                id=row.id,
                title=row.title,
                summary=row.summary,
                status=row.status,
                is_demo=row.is_demo,
                updated_at=row.updated_at,
                region_id=row.region_id,
                phase_id=row.phase_id,
                region=names.region_by_id[row.region_id],
                phase=names.phase_by_id[row.phase_id],
                themes=tuple(themes),
            )
        )
    return cards


def per_phase(
    user, phase_ids: Iterable[int], *, per_phase: int, theme_id: int | None = None, **filters
) -> list[Card]:
    """At most `per_phase` newest visible practices in each phase: one bounded query per phase, then the cards.

    The theme is an EXISTS per row rather than `id IN (...)`: the database then walks the (status, phase,
    updated) index newest first, checks each practice's theme by primary key and stops after `per_phase`
    matches, instead of reading and sorting every practice of the theme."""
    ids: list[int] = []
    for phase_id in phase_ids:
        stmt = queries.practices_stmt(user, phase_id=phase_id, **filters)
        if theme_id is not None:
            stmt = stmt.where(
                exists().where(
                    practice_theme.c.practice_id == Practice.id, practice_theme.c.theme_id == theme_id
                )
            )
        ids += db.session.scalars(ids_stmt(stmt).limit(per_phase))
    return load(ids)


def per_theme(user, *, region_id: int, per_theme: int = 10) -> tuple[dict[int, list[Card]], dict[int, int]]:
    """For a region: at most `per_theme` newest visible practices per theme as cards, and the count per theme
    (the ranking of `queries.practices_per_theme`, then two queries for the cards)."""
    pairs, counts = queries.ranked_per_theme(user, region_id=region_id, per_theme=per_theme)
    by_id = {card.id: card for card in load(list(dict.fromkeys(p for _, p in pairs)))}
    grouped: dict[int, list[Card]] = defaultdict(list)
    for theme_id, practice_id in pairs:
        grouped[theme_id].append(by_id[practice_id])
    for items in grouped.values():
        items.sort(key=lambda c: (c.updated_at, c.id), reverse=True)
    return dict(grouped), counts
