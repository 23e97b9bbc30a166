"""Reference lists (regions, themes, cycle phases, action lines) as plain rows, kept per process until the data version changes.

Every write a visitor could see raises the data version (`exchange.caching.version`) in its own transaction, and
reference data is visible data, so a snapshot taken at version V is exactly the committed reference data while
the version stays V. The snapshot holds frozen plain rows, never ORM objects: nothing in it can lazy-load,
be changed in place or outlive its session. The version is read once per request, so a page asking for
names several times costs one primary-key read, and the lists are queried again only after a change.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from exchange.caching import version
from exchange.extensions import db
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme


@dataclass(frozen=True, slots=True)
class RegionRow:
    id: int
    code: str
    slug: str
    display_name: str
    province: str


@dataclass(frozen=True, slots=True)
class ThemeRow:
    id: int
    slug: str
    name: str
    name_en: str | None
    position: int


@dataclass(frozen=True, slots=True)
class PhaseRow:
    id: int
    slug: str
    name: str
    name_en: str | None
    position: int


@dataclass(frozen=True, slots=True)
class ActionLineRow:
    id: int
    number: int
    slug: str
    title: str
    title_en: str | None
    short: str
    short_en: str | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    version: int
    regions: tuple[RegionRow, ...]  # by display name
    themes: tuple[ThemeRow, ...]  # by position, name
    phases: tuple[PhaseRow, ...]  # by position
    action_lines: tuple[ActionLineRow, ...]  # by number
    region_by_id: dict[int, RegionRow]
    theme_by_id: dict[int, ThemeRow]
    phase_by_id: dict[int, PhaseRow]


_LOCK = threading.Lock()
_KEY = "reference_cache"


def _load(at_version: int) -> Snapshot:
    regions = tuple(
        RegionRow(*row)
        for row in db.session.execute(
            select(Region.id, Region.code, Region.slug, Region.display_name, Region.province).order_by(
                Region.display_name, Region.id
            )
        )
    )
    themes = tuple(
        ThemeRow(*row)
        for row in db.session.execute(
            select(Theme.id, Theme.slug, Theme.name, Theme.name_en, Theme.position).order_by(
                Theme.position, Theme.name, Theme.id
            )
        )
    )
    phases = tuple(
        PhaseRow(*row)
        for row in db.session.execute(
            select(
                CyclePhase.id, CyclePhase.slug, CyclePhase.name, CyclePhase.name_en, CyclePhase.position
            ).order_by(CyclePhase.position)
        )
    )
    lines = tuple(
        ActionLineRow(*row)
        for row in db.session.execute(
            select(
                ActionLine.id,
                ActionLine.number,
                ActionLine.slug,
                ActionLine.title,
                ActionLine.title_en,
                ActionLine.short,
                ActionLine.short_en,
            ).order_by(ActionLine.number)
        )
    )
    return Snapshot(
        version=at_version,
        regions=regions,
        themes=themes,
        phases=phases,
        action_lines=lines,
        region_by_id={r.id: r for r in regions},
        theme_by_id={t.id: t for t in themes},
        phase_by_id={p.id: p for p in phases},
    )


def _current_version() -> int:
    """The data version, read once per request (`version.for_request`)."""
    return version.for_request()


def snapshot(*, reload: bool = False) -> Snapshot:
    """The reference lists as committed at the current data version (queried again only after a change).

    `reload=True` queries them again whatever the version: for a caller that met a row newer than the snapshot
    (a region created and used between this request's version read and its own query)."""
    at_version = _current_version()
    cached: Snapshot | None = current_app.extensions.get(_KEY)
    if cached is not None and cached.version == at_version and not reload:
        return cached
    fresh = _load(at_version)
    with _LOCK:
        current_app.extensions[_KEY] = fresh
    return fresh
