"""gunicorn settings for Jeugdkennis: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (command-line options win).

Each worker warms the search engine after it loaded the app and before it accepts a request, and keeps a
watcher thread that warms a swapped-in index (`flask search reindex`) before serving from it
(exchange/search/warmup.py).
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Warming a 100k-practice index takes a few seconds on a busy machine: do not let the arbiter kill the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))


def post_worker_init(worker):
    from exchange.search.warmup import post_worker_init as warm

    warm(worker)
