"""Security baseline: headers, CSRF, cookies, session renewal, open redirects, password hashing, rate limits."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from sqlalchemy import func, select

from exchange import create_app
from exchange.accounts.models import AuditEvent, User
from tests.conftest import DEFAULT_PASSWORD, Auth, csrf_token_from


def text(response) -> str:
    return response.get_data(as_text=True)


# --- headers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/inloggen", "/bestaat-niet", "/api/v1/regions"])
def test_security_headers_on_every_response(client, reference, path):
    headers = client.get(path).headers
    csp = {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1] if " " in part.strip() else ""
        for part in headers["Content-Security-Policy"].split(";")
    }
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp.get("default-src", "")
    assert csp["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "no-referrer", "same-origin"}
    assert headers["X-Frame-Options"] == "DENY"


# --- CSRF -------------------------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused_in_dutch(client, reference, make_user):
    user = make_user("staff")
    response = client.post("/inloggen", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "Het formulier is verlopen of ongeldig" in text(response)
    assert client.get("/account").status_code == 302  # not signed in


def test_post_with_a_forged_csrf_token_is_refused(client, auth, db, reference, make_user):
    admin, victim = make_user("admin"), make_user("staff")
    auth.login(admin)
    for token in ("", "forged", csrf_token_from(client.application.test_client(), "/inloggen")):
        response = client.post(f"/beheer/mensen/{victim.id}/deactiveren", data={"csrf_token": token})
        assert response.status_code == 400, token
    db.session.expire_all()
    assert db.session.get(User, victim.id).active


def test_csrf_is_enabled_in_the_test_configuration(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


# --- cookies ----------------------------------------------------------------------------------------------------


def _set_cookie_headers(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_session_and_remember_cookies_are_httponly_and_lax(client, auth, reference, make_user):
    response = auth.login(make_user("staff"), remember=True)
    cookies = _set_cookie_headers(response)
    for name in ("session", "remember_token"):
        header = cookies[name].lower()
        assert "httponly" in header and "samesite=lax" in header, header
        assert "secure" not in header.replace("samesite", "")  # plain http in tests


def test_cookies_are_secure_when_served_over_https(database_urls, tmp_path, backend):
    app = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path),
        SQLALCHEMY_DATABASE_URI=database_urls[backend],
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
    )
    client = app.test_client()
    response = client.get("/inloggen", base_url="https://127.0.0.1")
    _dispose(app)
    header = _set_cookie_headers(response)["session"].lower()
    assert "secure" in header and "httponly" in header and "samesite=lax" in header
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_production_config_marks_cookies_secure_for_https(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("EXTERNAL_URL", "https://jeugdkennis.example")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SESSION_COOKIE_SECURE and reloaded.Config.REMEMBER_COOKIE_SECURE
        assert reloaded.Config.SESSION_COOKIE_HTTPONLY and reloaded.Config.SESSION_COOKIE_SAMESITE == "Lax"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


# --- session renewal and redirects --------------------------------------------------------------------------------


def test_session_is_renewed_at_login(client, auth, reference, make_user):
    user = make_user("staff")
    client.get("/inloggen?lang=nl")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before sign-in"
        before = dict(session)
    auth.login(user)
    with client.session_transaction() as session:
        after = dict(session)
    assert "planted" not in after
    assert after.get("csrf_token") != before.get("csrf_token")  # a new CSRF secret after sign-in
    assert after["lang"] == "nl"  # the language choice survives
    assert after["_user_id"] == user.get_id()


def test_session_is_cleared_at_logout(client, auth, reference, make_user):
    auth.login(make_user("staff"))
    with client.session_transaction() as session:
        session["left-over"] = 1
    auth.logout()
    with client.session_transaction() as session:
        assert "left-over" not in session and "_user_id" not in session


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/pad",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "\t//evil.example",
        "/%0d%0aSet-Cookie:x",
    ],
)
def test_open_redirect_next_is_ignored(client, auth, reference, make_user, target):
    response = auth.login(make_user("staff"), next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in {"/werkruimte", target} and location.startswith("/") and not location.startswith("//")
    if target != "/%0d%0aSet-Cookie:x":
        assert location == "/werkruimte"


def test_local_next_is_followed(client, auth, reference, make_user):
    assert auth.login(make_user("staff"), next="/regios?provincie=Utrecht").headers["Location"] == (
        "/regios?provincie=Utrecht"
    )


def test_login_page_carries_a_local_next_only(client, reference):
    def hidden_next(page: str) -> str:
        return re.search(r'<input id="next" name="next" type="hidden" value="([^"]*)"', page).group(1)

    assert hidden_next(text(client.get("/inloggen?next=/regios"))) == "/regios"
    assert hidden_next(text(client.get("/inloggen?next=https://evil.example/"))) == ""


# --- passwords --------------------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_with_configured_cost(app_ctx, reference, make_user):
    user = make_user("staff")
    assert user.password_hash.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    from config import Config

    assert (Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_COST) == (3, 65536)


# --- rate limiting ----------------------------------------------------------------------------------------------


@pytest.fixture
def limited_app(database_urls, backend, tmp_path):
    """An app whose login limits have a two-second window, so recovery can be tested quickly."""

    built = []

    def build(**config):
        settings = {
            "LOGIN_LIMIT_PER_ACCOUNT": "3 per 2 seconds",
            "LOGIN_LIMIT_PER_ADDRESS": "5 per 2 seconds",
            **config,
        }
        app = create_app(
            "config.TestConfig",
            INSTANCE_PATH=str(tmp_path / "instance"),
            SQLALCHEMY_DATABASE_URI=database_urls[backend],
            MAIL_FOLDER=str(tmp_path / "mail"),
            **settings,
        )
        built.append(app)
        return app

    yield build
    for app in built:
        _dispose(app)


def _dispose(app) -> None:
    from exchange.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _wait_for_next_window() -> None:
    # A fixed window starts at its first counted failure and lasts two seconds in these tests.
    time.sleep(2.1)


def _user(app, email: str) -> None:
    from exchange.accounts.models import Role
    from exchange.accounts.services.invitations import create_user
    from exchange.extensions import db
    from exchange.policy import SYSTEM

    with app.app_context():
        create_user(SYSTEM, email, Role.ADMIN, DEFAULT_PASSWORD)
        db.session.commit()


def _attempts_per_account(app, email: str, address_prefix: str):
    """Wrong passwords for one account from different addresses, then the right one."""
    statuses = []
    for i in range(4):
        client = _client(app, f"{address_prefix}.{i + 1}")
        statuses.append(Auth(client).login(email, "verkeerd wachtwoord", check=False).status_code)
    return statuses


def test_failed_logins_per_account_are_limited_and_recover(limited_app, reference):
    app = limited_app()
    email = f"slot-{uuid.uuid4().hex[:8]}@example.org"
    _user(app, email)
    statuses = _attempts_per_account(app, email, "10.1.0")
    assert statuses == [422, 422, 422, 429]
    blocked = Auth(_client(app, "10.1.0.9")).login(email, check=False)  # even the right password waits
    assert blocked.status_code == 429
    assert "Te veel verzoeken" in text(blocked) and blocked.headers.get("Retry-After")
    other = f"ander-{uuid.uuid4().hex[:8]}@example.org"
    _user(app, other)
    assert Auth(_client(app, "10.1.0.10")).login(other).status_code == 302  # other accounts are unaffected
    _wait_for_next_window()
    assert Auth(_client(app, "10.1.0.11")).login(email).status_code == 302


def test_failed_logins_per_address_are_limited(limited_app, reference):
    app = limited_app()
    client = _client(app, "10.2.0.1")
    statuses = [Auth(client).login(f"user{i}@example.org", "fout", check=False).status_code for i in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    assert Auth(_client(app, "10.2.0.2")).login("user9@example.org", "fout", check=False).status_code == 422


def test_successful_logins_do_not_count(limited_app, reference):
    app = limited_app()
    email = f"vaak-{uuid.uuid4().hex[:8]}@example.org"
    _user(app, email)
    for i in range(6):
        assert Auth(_client(app, "10.3.0.1")).login(email).status_code == 302


def test_failed_logins_are_audited(limited_app, reference):
    app = limited_app()
    Auth(_client(app, "10.4.0.1")).login("niemand@example.org", "fout", check=False)
    from exchange.extensions import db

    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed"))
        assert event.ip == "10.4.0.1" and event.details["reason"] == "unknown"


def test_rate_limits_with_real_redis_storage(limited_app, reference):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:  # pragma: no cover
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    marker = uuid.uuid4().hex[:10]
    app = limited_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    email = f"redis-{marker}@example.org"
    _user(app, email)
    address = f"10.{int(marker[:2], 16)}.{int(marker[2:4], 16)}"
    try:
        assert _attempts_per_account(app, email, address) == [422, 422, 422, 429]
        assert connection.keys("*login-account*"), "the limiter wrote no keys to Redis"
        _wait_for_next_window()
        assert Auth(_client(app, f"{address}.99")).login(email).status_code == 302
    finally:
        # Only our own keys: the per-account key carries a hash of this test's unique address.
        import hashlib

        digest = hashlib.sha256(email.encode()).hexdigest()
        for key in connection.scan_iter(f"*{digest}*"):
            connection.delete(key)
        for key in connection.scan_iter(f"*{address}.*"):
            connection.delete(key)
        connection.close()


def test_password_reset_requests_are_limited(limited_app, reference):
    app = limited_app(PASSWORD_RESET_LIMIT="2 per 1 minute")
    client = _client(app, "10.5.0.1")
    statuses = []
    for _ in range(3):
        token = csrf_token_from(client, "/wachtwoord-vergeten")
        statuses.append(
            client.post(
                "/wachtwoord-vergeten", data={"csrf_token": token, "email": "x@example.org"}
            ).status_code
        )
    assert statuses == [200, 200, 429]


def test_no_account_is_created_by_a_blocked_attempt(limited_app, reference):
    app = limited_app()
    from exchange.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
