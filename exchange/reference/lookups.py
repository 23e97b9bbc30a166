"""The one way to find a region (by CBS code or slug) and a theme (by slug) from what a person typed.

Rule, for every caller (pages, API, CLI, import files): surrounding spaces are ignored and case never matters,
so "JZ01", "jz01", " Regio-Utrecht " all find their region and "Onderwijs" finds the theme "onderwijs". Codes
are stored upper case and slugs lower case, but an administrator may correct them, so both sides are compared
lower-cased. A miss raises RegionNotFound/ThemeNotFound (a NotFound: a 404 page or JSON error unless the
caller translates it, e.g. into click.BadParameter).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from exchange.errors import NotFound
from exchange.extensions import db
from exchange.reference.models import Region, Theme


class RegionNotFound(NotFound):
    code = "region_not_found"

    def __init__(self, value: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.value = value


class ThemeNotFound(NotFound):
    code = "theme_not_found"

    def __init__(self, value: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.value = value


def lookup_key(value: str | None) -> str:
    """What a typed code or slug is compared by: stripped and lower-cased."""
    return (value or "").strip().lower()


def find_region(code_or_slug: str | None, *options) -> Region:
    """The region with this CBS code or slug (case-insensitive). `options` are loader options such as
    selectinload(...). Raises RegionNotFound."""
    key = lookup_key(code_or_slug)
    region = None
    if key:
        stmt = select(Region).where(or_(func.lower(Region.code) == key, func.lower(Region.slug) == key))
        region = db.session.scalar(stmt.options(*options))
    if region is None:
        raise RegionNotFound((code_or_slug or "").strip())
    return region


def find_theme(slug: str | None, *options) -> Theme:
    """The theme with this slug (case-insensitive). Raises ThemeNotFound."""
    key = lookup_key(slug)
    theme = None
    if key:
        theme = db.session.scalar(select(Theme).where(func.lower(Theme.slug) == key).options(*options))
    if theme is None:
        raise ThemeNotFound((slug or "").strip())
    return theme


def regions_by_key() -> dict[str, Region]:
    """Every region under the lookup keys of its code and its slug (one query; for bulk imports)."""
    regions = db.session.scalars(select(Region))
    return {lookup_key(key): r for r in regions for key in (r.code, r.slug)}


def themes_by_key() -> dict[str, Theme]:
    """Every theme under the lookup key of its slug (one query; for bulk imports)."""
    return {lookup_key(t.slug): t for t in db.session.scalars(select(Theme))}
