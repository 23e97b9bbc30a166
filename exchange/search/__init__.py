"""Full-text search. Only the package exchange.search.engine imports whoosh (see test_engine_boundary.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint

if TYPE_CHECKING:
    from flask import Flask

    from exchange.practices.models import Practice

bp = Blueprint("search", __name__)


def similar_practices(practice: Practice, limit: int = 5) -> list[Practice]:
    """Published practices from other regions like this one; see exchange.search.similar.similar_practices."""
    from exchange.search.similar import similar_practices as find

    return find(practice, limit=limit)


def register_search(app: Flask) -> None:
    """Session hooks that keep the index true and the template global for similar practices.

    The search pages are registered with the other blueprints (exchange.register_blueprints).
    """
    from exchange.search import outbox  # noqa: F401  (registers the session hooks)

    app.jinja_env.globals["similar_practices"] = similar_practices
    # Registered before the app-wide NUL guard (register_request_hooks), so it runs first.
    app.before_request(_clean_search_arguments)


SEARCH_ENDPOINTS = frozenset({"search.index", "api.search"})


def _clean_search_arguments() -> None:
    """Whatever is typed into the search box is searchable: NUL and other control characters become spaces.

    The app-wide guard answers 400 to any argument with a NUL byte; for the search page and the search API
    the query text is never an error, so their arguments are cleaned before that guard looks at them.
    """
    from flask import request
    from werkzeug.datastructures import ImmutableMultiDict

    from exchange.search.analysis import strip_control

    if request.endpoint not in SEARCH_ENDPOINTS:
        return
    args = request.args
    if any("\x00" in v for values in args.listvalues() for v in values) or any("\x00" in k for k in args):
        request.args = ImmutableMultiDict(
            [(strip_control(k), strip_control(v)) for k, values in args.lists() for v in values]
        )
