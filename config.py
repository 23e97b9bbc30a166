"""Configuration classes: safe defaults read from the environment."""

from __future__ import annotations

import os
from datetime import timedelta


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value not in (None, "") else default
    except ValueError as exc:
        raise RuntimeError(f"Environment variable {name} must be a whole number, got {value!r}") from exc


class Config:
    """Production-safe defaults. Every setting can come from the environment."""

    ENV_NAME = "production"
    # None means: refuse to start in production, generate one in development (see exchange.setup_secret_key).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # Relative SQLite paths are resolved against the instance folder by Flask-SQLAlchemy.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///exchange.db")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # SQLite only (exchange.database.tune_sqlite): a writer waits this long for another's write lock (e.g. a long
    # import, which is one transaction) before "database is locked"; readers never wait (WAL).
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 30_000)
    # None means: "<instance folder>/search-index".
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or None
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "http://127.0.0.1:5000")

    # Who runs this platform and how to reach them: shown on the privacy statement, the accessibility statement
    # and the colophon (exchange/pages/statements.py). PROCESSORS: comma-separated processors (hosting, mail).
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME") or None
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL") or None
    PROCESSORS = [p.strip() for p in os.environ.get("PROCESSORS", "").split(",") if p.strip()]

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Jeugdkennis <noreply@jeugdkennis.localhost>")
    # Flask-Mail sets no SMTP timeout; a stalled server would hang the sender for minutes.
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    # None means: "<instance folder>/mail" when MAIL_SERVER is not set.
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER") or None
    # Mail that could not be sent waits in the outbox table for `flask mail send-pending` (cron); a fresh message
    # belongs to the process that queued it for this many seconds, and is given up after this many hours.
    MAIL_OUTBOX_GRACE_SECONDS = _int("MAIL_OUTBOX_GRACE_SECONDS", 120)
    MAIL_OUTBOX_MAX_AGE_HOURS = _int("MAIL_OUTBOX_MAX_AGE_HOURS", 48)

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", EXTERNAL_URL.startswith("https://"))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Room for a document upload (DOCUMENTS_MAX_BYTES, below) and the rest of its form.
    MAX_CONTENT_LENGTH = (_int("DOCUMENTS_MAX_MB", 20) + 1) * 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins per account and per client address; a blocked account recovers after the window.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    # Wrong second-factor codes per account and per client address (the code step after the password).
    TWOFACTOR_LIMIT_PER_ACCOUNT = os.environ.get("TWOFACTOR_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    TWOFACTOR_LIMIT_PER_ADDRESS = os.environ.get("TWOFACTOR_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    # Read-only JSON API: requests per client address (Flask-Limiter notation) for all of /api/v1.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    # Behind a reverse proxy (nginx, a load balancer): how many proxies in front of the app set X-Forwarded-For,
    # -Proto and -Host. 0 (the default) trusts none of those headers, so a client cannot fake its address; set it to
    # the real number, or rate limits count the proxy's address for everyone.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # The authority of the feeds' tag: ids (RFC 4151); default: the host of EXTERNAL_URL. Set it once, never change.
    FEED_TAG_AUTHORITY = os.environ.get("FEED_TAG_AUTHORITY") or None
    # Password-reset requests per client address and per email address (each sends a mail).
    PASSWORD_RESET_LIMIT = os.environ.get("PASSWORD_RESET_LIMIT", "5 per hour")

    # Accounts. Argon2id parameters (argon2-cffi's RFC 9106 low-memory profile); memory in KiB.
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 64 * 1024)
    ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 4)
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 12)
    PASSWORD_MAX_LENGTH = 256
    INVITATION_VALID_FOR = timedelta(days=7)
    PASSWORD_RESET_VALID_FOR = timedelta(hours=1)
    EMAIL_CHANGE_VALID_FOR = timedelta(hours=24)
    # "basic": a session used from another address/browser becomes non-fresh (Flask-Login).
    SESSION_PROTECTION = os.environ.get("SESSION_PROTECTION", "basic")
    REMEMBER_COOKIE_DURATION = timedelta(days=_int("REMEMBER_COOKIE_DAYS", 30))
    # A sign-in (accounts.models.UserSession) not used for this long no longer signs anyone in, remembered or not.
    SESSION_IDLE_LIMIT = timedelta(days=_int("SESSION_IDLE_DAYS", 30))

    # Audit log retention (`flask users purge-audit`, for cron): events are deleted after AUDIT_RETENTION; client
    # addresses and the addresses typed at failed sign-ins are removed after AUDIT_IP_RETENTION.
    AUDIT_RETENTION = timedelta(days=_int("AUDIT_RETENTION_DAYS", 365))
    AUDIT_IP_RETENTION = timedelta(days=_int("AUDIT_IP_RETENTION_DAYS", 90))

    # Theme digests (exchange/digests, docs/digests.md).
    DIGEST_CONFIRM_VALID_FOR = timedelta(days=_int("DIGEST_CONFIRM_DAYS", 7))
    DIGEST_DATA_LINK_VALID_FOR = timedelta(hours=_int("DIGEST_DATA_LINK_HOURS", 48))
    # Subscribe requests per client address, and per typed email address (each request sends a mail).
    DIGEST_SUBSCRIBE_LIMIT = os.environ.get("DIGEST_SUBSCRIBE_LIMIT", "10 per hour")
    DIGEST_SUBSCRIBE_LIMIT_PER_EMAIL = os.environ.get("DIGEST_SUBSCRIBE_LIMIT_PER_EMAIL", "3 per hour")
    DIGEST_LINK_LIMIT = os.environ.get("DIGEST_LINK_LIMIT", "10 per hour")
    DIGEST_SECTION_LIMIT = _int("DIGEST_SECTION_LIMIT", 5)  # items per theme before "en N meer"
    DIGEST_BATCH_SIZE = _int("DIGEST_BATCH_SIZE", 500)
    # Parallel SMTP connections (threads) while sending; each has at most one message in flight.
    DIGEST_SENDERS = _int("DIGEST_SENDERS", 4)
    # A period is read only this long after it ended, so a publication stamped just before midnight has
    # committed; schedule cron later than this after midnight.
    DIGEST_SETTLE = timedelta(minutes=_int("DIGEST_SETTLE_MINUTES", 5))
    DIGEST_CATCH_UP_LIMIT = _int("DIGEST_CATCH_UP_LIMIT", 7)  # missed periods sent after downtime
    # A claimed delivery older than this belongs to a run that died; the next run sends it again.
    DIGEST_CLAIM_TIMEOUT = timedelta(minutes=_int("DIGEST_CLAIM_TIMEOUT_MINUTES", 15))
    DIGEST_MAX_ATTEMPTS = _int("DIGEST_MAX_ATTEMPTS", 5)
    DIGEST_NOW_TOLERANCE = timedelta(minutes=5)  # how far --now may lie ahead of the clock
    DIGEST_RETENTION = timedelta(days=_int("DIGEST_RETENTION_DAYS", 30))  # unconfirmed / left addresses
    DIGEST_LIST_ID = os.environ.get("DIGEST_LIST_ID") or None  # default: derived from EXTERNAL_URL
    DIGEST_UNSUBSCRIBE_MAILTO = os.environ.get("DIGEST_UNSUBSCRIBE_MAILTO") or None

    # Search (exchange/search, docs/search.md). A save waits at most this long for the index lock, then leaves
    # its change in the outbox for the next write or `flask search sync`.
    SEARCH_WRITER_TIMEOUT = _int("SEARCH_WRITER_TIMEOUT_MS", 2000) / 1000
    SEARCH_APPLY_ON_COMMIT = _bool("SEARCH_APPLY_ON_COMMIT", True)
    SEARCH_APPLY_LIMIT = _int("SEARCH_APPLY_LIMIT", 20_000)  # outbox rows applied right after one commit
    SEARCH_INDEX_PROCS = _int(
        "SEARCH_INDEX_PROCS", 0
    )  # processes for `flask search reindex`; 0: cores, max 4
    # The change log every server's index follows (exchange/search/changelog.py, docs/search.md): each worker
    # catches up every SEARCH_SYNC_SECONDS; an unseen sequence is read again for SEARCH_GAP_SECONDS (a longer
    # transaction's change is found by `flask search check`); `flask search prune-log` keeps
    # SEARCH_LOG_RETENTION_HOURS (an index further behind rebuilds itself); /healthz answers 503 when this
    # server's index is more than SEARCH_MAX_LAG_SECONDS behind.
    SEARCH_SYNC_SECONDS = _int("SEARCH_SYNC_SECONDS", 2)
    SEARCH_GAP_SECONDS = _int("SEARCH_GAP_SECONDS", 300)
    SEARCH_LOG_RETENTION_HOURS = _int("SEARCH_LOG_RETENTION_HOURS", 72)
    SEARCH_MAX_LAG_SECONDS = _int("SEARCH_MAX_LAG_SECONDS", 120)

    # Pages for visitors kept per worker until the data version changes (exchange/caching); 0 entries: off.
    VISITOR_CACHE_ENTRIES = _int("VISITOR_CACHE_ENTRIES", 2000)
    VISITOR_CACHE_BYTES = _int("VISITOR_CACHE_MB", 64) * 1024 * 1024
    VISITOR_CACHE_SECONDS = _int("VISITOR_CACHE_SECONDS", 300)
    # Counts of practices for visitors (facets, theme and region pages) kept per worker until a write moves a
    # count (exchange/caching/counts.py); 0: off.
    COUNTS_CACHE_ENTRIES = _int("COUNTS_CACHE_ENTRIES", 256)
    # Which practices are like one, kept per process this long (exchange/search/similar.py); 0: asked every time.
    SIMILAR_CACHE_SECONDS = _int("SIMILAR_CACHE_SECONDS", 300)
    # PostgreSQL: each process keeps the data version from notifications (LISTEN) instead of reading it per
    # request (exchange/caching/listener.py).
    DATA_VERSION_LISTEN = _bool("DATA_VERSION_LISTEN", True)
    # PostgreSQL with the listener: each process keeps the sign-ins it checked until a notification says their
    # person changed, at most SIGN_IN_CACHE_SECONDS (exchange/caching/signins.py); 0 entries: off.
    SIGN_IN_CACHE_ENTRIES = _int("SIGN_IN_CACHE_ENTRIES", 4096)
    SIGN_IN_CACHE_SECONDS = _int("SIGN_IN_CACHE_SECONDS", 60)
    # Documents attached to practices (exchange/documents): stored outside the web root, by SHA-256. None means
    # "<instance folder>/documents".
    DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR") or None
    DOCUMENTS_MAX_BYTES = _int("DOCUMENTS_MAX_MB", 20) * 1024 * 1024
    DOCUMENTS_PER_PRACTICE = _int("DOCUMENTS_PER_PRACTICE", 20)

    # How many app servers share the database (docs/deploy.md). Above 1 the app refuses to start with per-process
    # rate limits (RATELIMIT_STORAGE_URI=memory://) or a SQLite file (exchange/servers.py).
    SERVERS = _int("SERVERS", 1)
    # A periodic job's lease (exchange/jobs.py): renewed every third of this while the job runs; a run that died
    # blocks the job on the other servers at most this long.
    JOB_LEASE_SECONDS = _int("JOB_LEASE_SECONDS", 300)

    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = _int("PORT", 5000)


class DevelopmentConfig(Config):
    """Local development and `make run`: a generated secret key and mail written to files."""

    ENV_NAME = "development"
    # Try a digest locally without waiting for the period to end: `flask digests send --now <tomorrow 07:00>`.
    DIGEST_NOW_TOLERANCE = timedelta(days=45)


class TestConfig(Config):
    """Used by the test suite; paths are overridden per test by the fixtures."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    MAIL_SERVER = None
    EXTERNAL_URL = "http://127.0.0.1:5000"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    # Cheap hashing keeps the suite fast; production uses the defaults above.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 64
    ARGON2_PARALLELISM = 1
    # Tests see every page rendered; tests/caching turn the visitor cache on where they test it.
    VISITOR_CACHE_ENTRIES = 0
    COUNTS_CACHE_ENTRIES = 0
    SIMILAR_CACHE_SECONDS = 0
    # Tests write past the ORM and empty tables between tests; tests/caching/test_listener.py turns it on.
    DATA_VERSION_LISTEN = False
