"""Sessions need no sticky routing: a sign-in made on one server is honoured, and ended, on every other.

Two applications on one database with one SECRET_KEY stand for two servers behind a load balancer that sends
each request anywhere. The cookie is signed with SECRET_KEY; the sign-in itself is a row in `user_session`
(exchange/accounts/services/sessions.py), so a sign-out on one server ends it on all of them; the CSRF token's
secret travels in the same signed cookie.
"""

from __future__ import annotations

import re

import pytest

from exchange import create_app
from tests.web import DEFAULT_PASSWORD, logout

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def second_server(app, tmp_path):
    """Another app on the same database and SECRET_KEY, with its own instance and index folders."""
    other = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "b" / "instance"),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SEARCH_INDEX_DIR=str(tmp_path / "b" / "search-index"),
        MAIL_FOLDER=str(tmp_path / "b" / "mail"),
    )
    yield other
    from exchange.extensions import db

    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def carry_cookies(source, target) -> None:
    """What a browser does: it sends the same cookies whichever server answers."""
    for cookie in list(source._cookies.values()):
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def signed_in(client) -> bool:
    response = client.get("/werkruimte")
    return response.status_code == 200


def test_a_sign_in_on_one_server_works_on_the_other_and_a_sign_out_ends_it_on_both(
    app, second_server, reference, make_user
):
    user = make_user("staff")
    a, b = app.test_client(), second_server.test_client()
    # The login form comes from server A; the browser posts it to server B (the CSRF token must hold there).
    page = a.get("/inloggen")
    carry_cookies(a, b)
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    answer = b.post(
        "/inloggen", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and "/inloggen" not in answer.location
    carry_cookies(b, a)
    assert signed_in(a) and signed_in(b)
    # Signing out on B ends the sign-in for a cookie that A still has.
    kept = {cookie.key: cookie.value for cookie in a._cookies.values()}
    assert logout(b).status_code == 302
    assert not signed_in(b)
    for key, value in kept.items():
        a.set_cookie(key, value)
    assert not signed_in(a)


def test_a_csrf_token_from_a_server_with_another_secret_key_is_refused(app, reference, make_user, tmp_path):
    """The control: the cross-server sign-in above works because the SECRET_KEY is shared, not by accident."""
    user = make_user("staff")
    other = create_app(
        "config.TestConfig",
        INSTANCE_PATH=str(tmp_path / "c" / "instance"),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SEARCH_INDEX_DIR=str(tmp_path / "c" / "search-index"),
        MAIL_FOLDER=str(tmp_path / "c" / "mail"),
        SECRET_KEY="another-secret-key-that-no-other-server-has-0123456789",
    )
    a, c = app.test_client(), other.test_client()
    page = a.get("/inloggen")
    carry_cookies(a, c)
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    answer = c.post(
        "/inloggen", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 400
    assert not signed_in(c)
    from exchange.extensions import db

    with other.app_context():
        db.session.remove()
        db.engine.dispose()
