"""The search page in the visitor cache: what its stored answers are keyed on, and when one may be stored.

A search page changes with (1) the data version (`caching.version`, already in every visitor key: rows shown,
reference labels, and the synonym list, whose table raises it too), (2) the language, path and query string
(also in every key), and (3) the index: the change log is applied to the index by the watcher without any
data version change, so the key adds the index's build and commit generation as they are on disk now.

An answer is stored only when it was rendered from that same index state: a worker still serving the previous
build while its watcher warms the new one (or a commit landing during the render) renders an answer that is
not stored, so a key never holds an older index's page.
"""

from __future__ import annotations

from flask import current_app, g

from exchange.search.engine import whoosh_internals
from exchange.search.engine.schema import BUILD_FILE, INDEX_NAME
from exchange.search.queries import current_index

IndexState = tuple[str | None, int]


def disk_state() -> IndexState:
    """The index's build id and newest commit generation as on disk (file names and one small file, no index
    file read)."""
    path = current_app.config["SEARCH_INDEX_DIR"]
    try:
        with open(f"{path}/{BUILD_FILE}", encoding="utf-8") as handle:
            build: str | None = handle.read().strip()
    except OSError:
        build = None
    return build, whoosh_internals.toc_generation(path, INDEX_NAME)


def served_state() -> IndexState | None:
    """The build and generation this process's searcher reads now (None when the engine does not say)."""
    index = current_index()
    build, generation = getattr(index, "_build", None), getattr(index, "_generation", None)
    if build is None or not isinstance(generation, int):
        return None
    return build, generation


def key_extra() -> tuple | None:
    """The search page's part of the visitor key: the index state on disk (None: no index, do not store)."""
    state = disk_state()
    if state[0] is None or state[1] < 0:
        return None
    g.search_cache_state = state
    return ("search-index", *state)


def check_rendered() -> None:
    """After a render: do not store it unless it was rendered from the index state in its key."""
    expected = g.get("search_cache_state")
    if expected is not None and served_state() != expected:
        g.visitor_cache_skip = True
