"""Warming the search engine before a worker serves (gunicorn's `post_worker_init`, deploy/gunicorn.conf.py).

A fresh worker would otherwise pay for opening the index, reading every segment's field lengths, facet bitmaps
and sort columns, and Python's own first-use costs (imports, the analyzer's word cache, SQL compilation) on the
first user's search. `warm_app` does all that before the worker accepts requests, catches the index up with
the change log (a server that was offline), and starts the index watcher that warms a swapped-in index
(`flask search reindex` in another process) before it serves and catches up with the log on a timer.
"""

from __future__ import annotations

import gc
import logging
import time

from flask import Flask

log = logging.getLogger(__name__)

# A common word: one search through the page's own code path (parse, synonyms, engine, rows, highlights).
WARM_QUERY = "jeugdhulp"
# A misspelling of it (a correction from the spelling tables) and words nothing holds.
WARM_CORRECTION = "jeugdhlup"
WARM_NOTHING = "kraanvogelnest zwaluwstaart"


def warm_app(app: Flask) -> float | None:
    """Open and warm the app's search index, run the warm-up searches, then start its watcher; never raises.

    Returns the seconds it took, or None when there is no usable index (searches then answer 503 as before).
    """
    from exchange.search import engine
    from exchange.search.queries import current_index

    started = time.perf_counter()
    with app.app_context():
        index = current_index()
        catch_up(app, allow_rebuild=False)  # a server that was offline catches up before it serves
        if app.config.get("SEARCH_WATCH", True):
            index.every("changelog", app.config.get("SEARCH_SYNC_SECONDS", 2), lambda: catch_up(app))
            from exchange.search import misses

            misses.start_buffering(app, index)  # searches without results: one write per few seconds
        try:
            index.warm()
        except engine.IndexUnavailable as exc:
            log.warning("Search index not warmed: %s", exc)
            if app.config.get("SEARCH_WATCH", True):
                index.watch(app.config.get("SEARCH_WATCH_INTERVAL", 0.5))
            return None
        try:
            from exchange.search import learned

            # Compounds learned from the vocabulary: once per build, not per user (the watcher learns them
            # for each build swapped in, before it is published).
            learned.learned_from(index)
            index.warm_vocabulary()  # the spelling tables of corrections
            warm_searches(app)
        except Exception:  # warming must never keep a worker from starting
            log.warning("The warm-up search failed", exc_info=True)
        if app.config.get("SEARCH_WATCH", True):
            # Started once this process has the index open and warm (it would otherwise warm the same build
            # a second time, beside the warm-up): from now on it stages every build swapped in.
            index.watch(app.config.get("SEARCH_WATCH_INTERVAL", 0.5))
    seconds = time.perf_counter() - started
    log.info("Search index warmed in %.2f s", seconds)
    return seconds


def warm_searches(app: Flask) -> None:
    """Run what the first real searches would otherwise pay for, once, as a visitor: the page's grouped search,
    the ungrouped one, a facet, a phrase on page 2, a correction (the curated spelling table), a search that
    finds nothing (correction, most-words fallback), then the page and the API through the whole request
    (templates, JSON, SQL of the rows). None of them is written to the search log."""
    from exchange.search.parsing import SearchRequest
    from exchange.search.queries import search

    with app.test_request_context("/zoeken"):
        found = search(None, SearchRequest(q=WARM_QUERY), grouped=True)
        search(None, SearchRequest(q=WARM_QUERY))
        facet = next((f for f in found.facets if f.values), None)
        if facet is not None:
            search(
                None,
                SearchRequest(q=WARM_QUERY, filters={facet.param: [facet.values[0].value]}),
                grouped=True,
            )
        search(None, SearchRequest(q=f'"{WARM_QUERY} voor" jongeren', page=2), grouped=True)
        search(None, SearchRequest(q=WARM_CORRECTION), grouped=True)
        search(None, SearchRequest(q=WARM_NOTHING), grouped=True)
    if not found.total:
        return  # the page would count the common word as a search that found nothing
    client = app.test_client()
    for url in (f"/zoeken?q={WARM_QUERY}", f"/api/v1/search?q={WARM_QUERY}&page=2"):
        response = client.get(url, headers={"Accept-Language": "nl"})
        if response.status_code != 200:
            log.warning("The warm-up request %s answered %s", url, response.status_code)


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
    """gunicorn hook: runs in each worker after it loaded the app and before it accepts requests: warm the app,
    then freeze what it holds (`gc.freeze`)."""
    app = worker.wsgi
    if isinstance(app, Flask):
        warm_app(app)
    gc.freeze()


# Why `gc.freeze()`: a warm worker at 100k practices holds some 220,000 objects that live as long as it does
# (the app, the index's segment caches, the spelling tables, SQLAlchemy's compiled statements). Python's full
# collection walks all of them; it ran about every tenth first-request-after-a-change and added 190-200 ms to
# that request (the outliers of bench/pages.py's "first request after a visible write"). Frozen, they are left
# out of every collection: a full collection then took about 20 ms (measured in process, 25 rounds). What the
# worker allocates later is collected as before; gunicorn's max_requests restarts each worker regularly.
