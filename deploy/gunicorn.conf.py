"""gunicorn settings for Jeugdkennis: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (command-line options win).

Every value can be set from the environment of the unit (deploy/systemd/jeugdkennis.service,
deploy/jeugdkennis.env.example); docs/deploy.md explains the choices.

Each worker warms the search engine after it loaded the app and before it accepts a request, and keeps a
watcher thread that warms a swapped-in index (`flask search reindex`) before serving from it
(exchange/search/warmup.py).

Graceful reload: `systemctl reload jeugdkennis` sends HUP; the arbiter starts new workers with the new code
(the app is not preloaded, so each worker imports it afresh), and the old ones finish their requests within
`graceful_timeout` before they stop. No request is refused during a reload.
"""

import os

# Loopback only: nginx (deploy/nginx/jeugdkennis.conf) is the one that faces the network.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each handles one request at a time. 2 per core is a good start for this app (most time is
# spent in Python, searches and templates); WEB_CONCURRENCY overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Warming a 100k-practice index takes a few seconds on a busy machine: do not let the arbiter kill the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On HUP, TERM or a deploy, old workers get this long to finish the requests they have.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps connections to the app open between requests.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Restart each worker after this many requests (with jitter, so they do not all restart at once): a slow leak
# in a library cannot grow without bound. 0 turns it off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# Load the app in each worker, not in the arbiter: a HUP then reloads the code (see the docstring).
preload_app = False
# Workers' heartbeat files in memory, not on a disk that may stall under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Refuse absurd request lines and headers before they reach Flask.
limit_request_line = 8190
limit_request_fields = 100

# Logging to stdout/stderr: systemd's journal keeps it (`journalctl -u jeugdkennis`). The access log carries
# the peer (nginx) and the X-Forwarded-For it sent, the time taken in microseconds and nginx's request id.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(D)sus "%(a)s" %({x-request-id}i)s'
proc_name = "jeugdkennis"


def post_worker_init(worker):
    from exchange.search.warmup import post_worker_init as warm

    warm(worker)
