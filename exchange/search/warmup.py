"""Warming the search engine before a worker serves (gunicorn's `post_worker_init`, deploy/gunicorn.conf.py).

A fresh worker would otherwise pay for opening the index, reading every segment's field lengths, facet bitmaps
and sort columns, and Python's own first-use costs (imports, the analyzer's word cache, SQL compilation) on the
first user's search. `warm_app` does all that before the worker accepts requests, catches the index up with
the change log (a server that was offline), and starts the index watcher that warms a swapped-in index
(`flask search reindex` in another process) before it serves and catches up with the log on a timer.
"""

from __future__ import annotations

import logging
import time

from flask import Flask

log = logging.getLogger(__name__)

# A common word: one search through the page's own code path (parse, synonyms, engine, rows, highlights).
WARM_QUERY = "jeugdhulp"


def warm_app(app: Flask) -> float | None:
    """Open and warm the app's search index, start its watcher and run one visitor search; never raises.

    Returns the seconds it took, or None when there is no usable index (searches then answer 503 as before).
    """
    from exchange.search import engine
    from exchange.search.parsing import SearchRequest
    from exchange.search.queries import current_index, search

    started = time.perf_counter()
    with app.app_context():
        index = current_index()
        catch_up(app, allow_rebuild=False)  # a server that was offline catches up before it serves
        if app.config.get("SEARCH_WATCH", True):
            index.every("changelog", app.config.get("SEARCH_SYNC_SECONDS", 2), lambda: catch_up(app))
            from exchange.search import misses

            misses.start_buffering(app, index)  # searches without results: one write per few seconds
            index.watch(app.config.get("SEARCH_WATCH_INTERVAL", 0.5))
        try:
            index.warm()
        except engine.IndexUnavailable as exc:
            log.warning("Search index not warmed: %s", exc)
            return None
        try:
            from exchange.search import learned

            learned.learned_from(index)  # compounds learned from the vocabulary: once per index, not per user
            if learned.learned_from not in index.swap_hooks:  # and again for each build swapped in
                index.swap_hooks.append(learned.learned_from)
            index.warm_vocabulary()  # the spelling tables of corrections
            with app.test_request_context("/zoeken"):
                search(None, SearchRequest(q=WARM_QUERY))
        except Exception:  # warming must never keep a worker from starting
            log.warning("The warm-up search failed", exc_info=True)
    seconds = time.perf_counter() - started
    log.info("Search index warmed in %.2f s", seconds)
    return seconds


def catch_up(app: Flask, allow_rebuild: bool = True) -> None:
    """Catch this server's index up with the change log (the watcher's timer); never raises.

    An index that fell behind further than the log keeps is rebuilt here, on the watcher thread, while the
    worker keeps serving from the old index.
    """
    from exchange.search import engine, outbox

    with app.app_context():
        try:
            outbox.apply_pending(
                limit=app.config.get("SEARCH_APPLY_LIMIT", 20_000), timeout=0.5, allow_rebuild=allow_rebuild
            )
        except (engine.IndexMissing, engine.IndexBusy):
            pass
        except Exception:
            log.warning("Catching the search index up with the change log failed", exc_info=True)


def post_worker_init(worker) -> None:
    """gunicorn hook: runs in each worker after it loaded the app and before it accepts requests."""
    app = worker.wsgi
    if isinstance(app, Flask):
        warm_app(app)
