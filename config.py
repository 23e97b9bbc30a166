"""Configuration classes: safe defaults read from the environment."""
from __future__ import annotations

import os


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
    # None means: "<instance folder>/search-index".
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or None
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "http://127.0.0.1:5000")

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
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True

    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = _int("PORT", 5000)


class DevelopmentConfig(Config):
    """Local development and `make run`: a generated secret key and mail written to files."""

    ENV_NAME = "development"


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
