"""Jeugdkennis application factory."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | type = "config.Config", **overrides) -> Flask:
    """Build the application from a config class (or its import path) plus keyword overrides."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(overrides.pop("INSTANCE_PATH", None) or ROOT / "instance"),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    app.session_interface = _session_interface()
    check_servers(app)
    setup_instance(app)
    trust_proxies(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_search(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_asset_versions(app)
    register_commands(app)
    return app


def _session_interface():
    """Flask's signed cookie session, each cookie verified once per worker (`exchange.signing`)."""
    from exchange.signing import MemoSessionInterface

    return MemoSessionInterface()


def check_servers(app: Flask) -> None:
    """With SERVERS > 1, refuse to start when rate limits (or the database) are kept per server."""
    from exchange.servers import check_shared_state

    check_shared_state(app)


def register_asset_versions(app: Flask) -> None:
    """Static URLs carry a content hash (?v=...), so the proxy may cache them for a year."""
    from exchange.assets import register_asset_versions as register

    register(app)


def setup_instance(app: Flask) -> None:
    """Create the instance folder and resolve paths and the secret key that default into it."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(instance / "search-index")
    if not app.config.get("MAIL_FOLDER"):
        app.config["MAIL_FOLDER"] = str(instance / "mail")
    if not app.config.get("SECRET_KEY"):
        if app.config.get("ENV_NAME") != "development":
            raise RuntimeError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
                "(or use config.DevelopmentConfig for local development)."
            )
        key_file = instance / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if app.config.get("ENV_NAME") not in RELAXED_ENVIRONMENTS:
        refuse_weak_secret_keys(app)


# Where a weak SECRET_KEY is tolerated: local development and the test suite (each has its own config class).
RELAXED_ENVIRONMENTS = ("development", "test")
SECRET_KEY_MIN_LENGTH = 32
# Example and placeholder values seen in docs, tutorials and this repository; compared case-insensitively.
KNOWN_EXAMPLE_KEYS = frozenset(
    {
        "change-me",
        "changeme",
        "change_me",
        "changethis",
        "dev",
        "development",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "your-secret-key",
        "your_secret_key",
        "super-secret",
        "supersecret",
        "jeugdkennis",
        "test",
        "test-secret-key-not-for-production",
        "please-change-this-secret-key-in-production",
    }
)


def weak_secret_key_reason(key: object) -> str | None:
    """Why `key` is unfit to sign production cookies and links, or None when it is fine."""
    if not isinstance(key, str | bytes):
        return "it is not a string"
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    if text.strip().lower() in KNOWN_EXAMPLE_KEYS:
        return "it is a published example value"
    if len(text) < SECRET_KEY_MIN_LENGTH:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(text)) < 8:
        return "it repeats too few different characters"
    return None


def refuse_weak_secret_keys(app: Flask) -> None:
    """Refuse to start with a guessable SECRET_KEY (or SECRET_KEY_FALLBACKS entry): anyone who knows it can forge
    session cookies and signed links."""
    keys = [("SECRET_KEY", app.config["SECRET_KEY"])]
    keys += [("SECRET_KEY_FALLBACKS", k) for k in app.config.get("SECRET_KEY_FALLBACKS") or []]
    for name, key in keys:
        reason = weak_secret_key_reason(key)
        if reason:
            raise RuntimeError(
                f"{name} is too weak for production: {reason}. Generate one with "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"` and set it in the environment '
                f"(at least {SECRET_KEY_MIN_LENGTH} random characters; config.DevelopmentConfig for local work)."
            )


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address, scheme and host from their headers."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    from exchange.database import engine_options, tune_sqlite
    from exchange.extensions import babel, csrf, db, forget_adoptions, limiter, login_manager, mail, migrate
    from exchange.i18n import locale_selector, select_timezone

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )
    db.init_app(app)
    with app.app_context():  # listeners only: no connection is opened here
        for engine in db.engines.values():
            tune_sqlite(engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    app.teardown_request(forget_adoptions)
    babel.init_app(
        app,
        locale_selector=locale_selector,
        timezone_selector=select_timezone,
        default_translation_directories=str(ROOT / "exchange" / "translations"),
    )
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    if not app.config.get("RATELIMIT_DEFAULT") and not app.config.get("RATELIMIT_APPLICATION"):
        # Every Flask-Limiter limit here is a route decorator (sign-in, two-factor, subscriptions), which checks
        # its own limits when the view is called; the extension's check before every request then only finds
        # nothing to check, at some 0.07 ms a request. (The API counts its budget itself: api/http.py.)
        app.before_request_funcs[None].remove(limiter._check_request_limit)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    from exchange import mail as _mail  # noqa: F401  (session hooks that send queued mail after commit)
    from exchange import models  # noqa: F401  (register every model with the metadata)
    from exchange.accounts import loader  # noqa: F401  (registers the user loader)
    from exchange.caching import version  # noqa: F401  (session hooks that raise the data version)


def register_converters(app: Flask) -> None:
    from exchange.routing import register_converters as register

    register(app)


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint. Each `bp` is defined in its package's __init__; importing the route modules
    here is what adds their routes to it, so no module imports routes at its bottom (tests/test_architecture.py).
    """
    import exchange.accounts.admin
    import exchange.accounts.twofactor.views
    import exchange.accounts.views
    import exchange.admin.views
    import exchange.api.openapi.views
    import exchange.api.practices
    import exchange.api.search
    import exchange.api.views
    import exchange.digests.views
    import exchange.documents.views
    import exchange.feeds.views
    import exchange.maps.views
    import exchange.overview.views
    import exchange.pages.views
    import exchange.practices.browse
    import exchange.practices.cycle_views
    import exchange.practices.profile_views
    import exchange.practices.result_views
    import exchange.practices.status_views
    import exchange.practices.views
    import exchange.privacy.export
    import exchange.reference.admin
    import exchange.reference.views
    import exchange.search.views
    import exchange.seo.views
    import exchange.workspace.views

    app.register_blueprint(exchange.pages.bp)
    app.register_blueprint(exchange.reference.bp)
    app.register_blueprint(exchange.practices.bp)
    app.register_blueprint(exchange.documents.bp)
    app.register_blueprint(exchange.api.bp, url_prefix="/api/v1")
    app.register_blueprint(exchange.api.docs_bp)
    app.register_blueprint(exchange.feeds.bp)
    app.register_blueprint(exchange.maps.bp)
    app.register_blueprint(exchange.overview.bp)
    app.register_blueprint(exchange.accounts.bp)
    app.register_blueprint(exchange.privacy.bp)
    app.register_blueprint(exchange.admin.bp, url_prefix="/beheer")
    app.register_blueprint(exchange.digests.bp)
    app.register_blueprint(exchange.search.bp)
    app.register_blueprint(exchange.workspace.bp)
    app.register_blueprint(exchange.seo.bp)


def register_search(app: Flask) -> None:
    from exchange.search import register_search as register

    register(app)


def register_error_handlers(app: Flask) -> None:
    from exchange.errors import register_error_handlers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from exchange.security import register_security_headers

    register_security_headers(app)


def register_template_helpers(app: Flask) -> None:
    from exchange.templating import register_template_helpers as register

    register(app)


def register_commands(app: Flask) -> None:
    from exchange.accounts.cli import users_cli
    from exchange.digests.cli import digests_cli
    from exchange.documents.cli import documents_cli
    from exchange.mail.cli import mail_cli
    from exchange.opendata.cli import opendata_cli
    from exchange.practices.cli import practices_cli
    from exchange.search.cli import search_cli
    from exchange.seed.cli import seed_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(practices_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(digests_cli)
    app.cli.add_command(opendata_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(documents_cli)
