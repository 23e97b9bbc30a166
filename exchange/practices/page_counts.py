"""The counts of a theme or region page from one grouped query instead of one per facet.

A theme page (and a region page) shows the number of visible practices per phase, the filter component's counts
per region, province, phase, year and status, and the map's furthest phase per region. All of them are sums over
the same set of practices (visible to the user, on the theme or in the region), so one `GROUP BY region, phase,
year, status` over that set (a few hundred groups at most) gives every one of them; each practice is counted
once, as the facets' `count(distinct id)` does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from exchange.caching import counts as kept_counts
from exchange.extensions import db
from exchange.practices.listing import shown_on
from exchange.practices.models import Practice, Status, practice_theme
from exchange.practices.queries import visible_clause
from exchange.reference.cache import Snapshot


@dataclass
class PageCounts:
    groups: list[tuple[int, int, int | None, Status, int]] = field(default_factory=list)

    def by(self, index: int) -> dict:
        out: dict = defaultdict(int)
        for group in self.groups:
            out[group[index]] += group[4]
        return dict(out)

    def per_phase(self) -> dict[int, int]:
        return self.by(1)

    def facets(self, names: Snapshot) -> dict[str, dict]:
        """Counts for `listing.facets(known=...)`, keyed as its own queries would key them."""
        regions = self.by(0)
        provinces: dict[str, int] = defaultdict(int)
        for region_id, n in regions.items():
            row = names.region_by_id.get(region_id)
            if row is not None:
                provinces[row.province] += n
        years = {year: n for year, n in self.by(2).items() if year is not None}
        return {
            "regio": regions,
            "provincie": dict(provinces),
            "fase": self.by(1),
            "jaar": years,
            "status": self.by(3),
        }


def load(user, *, theme_id: int | None = None, region_id: int | None = None) -> PageCounts:
    """One grouped query over the practices visible to `user` on the theme or in the region; for visitors kept
    until a write moves a count (`caching.counts`)."""
    return kept_counts.for_visitors(
        user, ("page", theme_id, region_id), lambda: _load(user, theme_id=theme_id, region_id=region_id)
    )


def _load(user, *, theme_id: int | None, region_id: int | None) -> PageCounts:
    year = func.extract("year", shown_on())
    stmt = select(
        Practice.region_id, Practice.phase_id, year, Practice.status, func.count(Practice.id)
    ).where(visible_clause(user))
    if theme_id is not None:
        # `IN`, not EXISTS: the database starts from the theme's rows and reads each practice from the narrow
        # covering index (ix_practice_listing); an EXISTS per practice makes SQLite scan every practice.
        stmt = stmt.where(
            Practice.id.in_(select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == theme_id))
        )
    if region_id is not None:
        stmt = stmt.where(Practice.region_id == region_id)
    stmt = stmt.group_by(Practice.region_id, Practice.phase_id, year, Practice.status)
    return PageCounts(
        [(r, p, int(y) if y is not None else None, s, n) for r, p, y, s, n in db.session.execute(stmt)]
    )
