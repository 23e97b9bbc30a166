"""Ids from URLs and query strings, bounded to what the databases can hold, so no input reaches them as a 500.

Flask's `<int:...>` converter has no upper bound: an id past PostgreSQL's integer range (2^31 - 1) or SQLite's
(2^63 - 1) reached the database and raised. `IdConverter` is registered as the app's `int` converter, so every
route is bounded without a check per view; `whole_number` does the same for numbers in a query string or form.
"""

from __future__ import annotations

import builtins

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# PostgreSQL's `integer`, the type of every id column; far below SQLite's limit too.
MAX_ID = 2**31 - 1
_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """Werkzeug's int converter with ASCII digits only and at most MAX_ID: a larger number does not match (404).

    `\\d` would also match other scripts' digits ("٣" is 3 to int()). A rule's own `max=` may lower the bound,
    never raise it.
    """

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bound = MAX_ID if max is None else builtins.min(max, MAX_ID)
        lowest = -MAX_ID if min is None and signed else min
        super().__init__(map, fixed_digits, lowest, bound, signed)


def register_converters(app: Flask) -> None:
    """Make `<int:...>` in every rule the bounded converter (before any blueprint is registered)."""
    app.url_map.converters["int"] = IdConverter


def whole_number(raw: str | None, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """`raw` as a whole number from `low` to `high`, or None: ASCII digits only (no sign, spaces or "²")."""
    text = (raw or "").strip()
    if not text or len(text) > _DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if low <= number <= high else None


def query_number(low: int = 1, high: int = MAX_ID):
    """A `type=` for `request.args.get(name, default, type=...)`: anything but a whole number from `low` to
    `high` gives the default (Werkzeug answers the default when `type` raises ValueError)."""

    def convert(raw: str) -> int:
        number = whole_number(raw, low=low, high=high)
        if number is None:
            raise ValueError(raw)
        return number

    return convert


# The deepest page a paginated list serves; deeper (or not a number) reads as page 1 where `PAGE` is the type.
MAX_PAGE = 10_000
PAGE = query_number(1, MAX_PAGE)
