"""One page of one workspace list: its rows, the total for the heading, and its own page parameter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, literal_column, select

from exchange.extensions import db

PER_PAGE = 10
# Pages beyond this are refused before any query (an absurd number is a typed URL, not a click).
MAX_PAGE = 10_000


@dataclass
class Listing:
    """`items` of page `page`; `param` is the query parameter that pages this list (e.g. `concepten`)."""

    param: str
    page: int
    total: int
    items: list[Any] = field(default_factory=list)
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def out_of_range(self) -> bool:
        return self.page > self.pages


def parse_page(raw: str | None) -> int:
    """The page a query parameter asks for; anything but a whole number from 1 to MAX_PAGE means page 1."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 5 or not (raw.isascii() and raw.isdigit()):
        return 1
    page = int(raw)
    return page if 1 <= page <= MAX_PAGE else 1


def from_select(param: str, stmt: Select, page: int, *, rows: bool = False) -> Listing:
    """Page a select() in two queries (count, page) plus its eager loads.

    `rows=True` keeps whole rows (for selects of several entities or columns); otherwise the first entity.
    """
    # Counted over "SELECT 1 FROM ... WHERE ...": the database need not build the page's columns (bodies) per row.
    counted = stmt.order_by(None).with_only_columns(literal_column("1"), maintain_column_froms=True)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    listing = Listing(param=param, page=page, total=total)
    if total and not listing.out_of_range:
        paged = stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)
        result = db.session.execute(paged)
        listing.items = [tuple(row) for row in result.all()] if rows else list(result.scalars().unique())
    return listing


def from_list(param: str, everything: Sequence[Any], page: int) -> Listing:
    """Page a list computed in Python (small lists built from one or two queries)."""
    listing = Listing(param=param, page=page, total=len(everything))
    start = (page - 1) * PER_PAGE
    listing.items = list(everything[start : start + PER_PAGE])
    return listing
