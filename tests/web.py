"""Talking to the app like a person does: the CSRF token of a page, posting a form, and signing in.

`login` is the one way a test client signs in (through the real login form, CSRF token included, and the code
step when the person has a second factor); `sign_in` is the one way a browser page signs in, and
`sign_in_from_home` the way a journey does (from "/", by clicking). All fail loudly when the sign-in did not
happen, so a test that
"checks what a signed-in person may not do" can never pass because nobody was signed in.
"""

from __future__ import annotations

import re

DEFAULT_PASSWORD = "een lang genoeg testwachtwoord"
# The second factor of the test world's administrators and functionaries (tests.world.person).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# The demo accounts (exchange/seed/data) that the browser tests' live server loads.
DEMO_PASSWORD = "demo-jeugdkennis"
DEMO_DOMAIN = "demo.jeugdkennis.example"
_CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf_token_from(client, path: str) -> str:
    """GET `path` with `client` and return the CSRF token of the first form on it."""
    return _token(client.get(path), path)


def _token(response, path: str) -> str:
    match = _CSRF_RE.search(text(response))
    if match is None:
        raise AssertionError(f"no CSRF token on {path} (status {response.status_code})")
    return match.group(1)


def post(client, path, data, *, form_page=None):
    """POST like a browser: with the CSRF token taken from the page that holds the form."""
    return client.post(path, data={"csrf_token": csrf_token_from(client, form_page or path), **data})


def login(
    client,
    user,
    password: str = DEFAULT_PASSWORD,
    *,
    remember: bool = False,
    next: str | None = None,
    check: bool = True,
):
    """Sign `client` in as `user` (a User or an email address) through the login form; returns the response.

    Whoever was signed in on this client is signed out first. With `check` (the default) anything but a
    successful sign-in fails the test; tests of failing sign-ins pass `check=False` and assert the answer.
    """
    page = client.get("/inloggen")
    if page.status_code == 302:  # someone is signed in: the login page sends them on
        logout(client)
        page = client.get("/inloggen")
    email = user if isinstance(user, str) else user.email
    data = {"email": email, "password": password, **_csrf_field(page)}
    if remember:
        data["remember"] = "y"
    if next is not None:
        data["next"] = next
    response = client.post("/inloggen", data=data)
    if response.status_code == 302 and response.location.endswith("/inloggen/code"):
        response = answer_code(client, email)
    if check:
        assert response.status_code == 302 and "/inloggen" not in response.location, (
            f"signing in as {email} failed: {response.status_code}\n{text(response)[:2000]}"
        )
    return response


def answer_code(client, email: str, *, remember_device: bool = False):
    """Answer the code step of a sign-in with the current code of the person's second factor.

    A code is accepted once per 30-second step, and tests sign the same person in many times within one step:
    the helper clears the account's replay guard first (tests/accounts/test_twofactor.py tests the guard).
    """
    secret = rewind_replay_guard(client.application, email)
    page = client.get("/inloggen/code")
    data = {"code": current_code(secret), **_csrf_field(page)}
    if remember_device:
        data["remember_device"] = "y"
    return client.post("/inloggen/code", data=data)


def rewind_replay_guard(app, email: str) -> str:
    """Forget the last accepted time-step of this person's second factor; returns its secret (test helper)."""
    from sqlalchemy import select

    from exchange.accounts.models import User
    from exchange.accounts.twofactor.models import TwoFactor
    from exchange.extensions import db

    with app.app_context():
        tf = db.session.scalar(
            select(TwoFactor).join(User, User.id == TwoFactor.user_id).where(User.email == email.lower())
        )
        assert tf is not None, f"{email} has no second factor"
        tf.last_step = None
        secret = tf.secret
        db.session.commit()
    return secret


def current_code(secret: str = TOTP_SECRET) -> str:
    import pyotp

    return pyotp.TOTP(secret).now()


def logout(client):
    return client.post("/uitloggen", data=_csrf_field(client.get("/account")))


def _csrf_field(page) -> dict:
    """The page's CSRF token as form data; none when the app runs with WTF_CSRF_ENABLED off."""
    match = _CSRF_RE.search(text(page))
    return {"csrf_token": match.group(1)} if match else {}


def sign_in(page, live_server, who: str, password: str = DEMO_PASSWORD) -> None:
    """Sign a browser page in through the login form; fails when the site did not let them in.

    `who` is an email address or the name of a demo account (the browser tests run on the demo data):
    "rijnmond" signs in as rijnmond@demo.jeugdkennis.example with the demo password.
    """
    email = who if "@" in who else f"{who}@{DEMO_DOMAIN}"
    page.goto(live_server("/inloggen"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    if page.url.endswith("/inloggen/code"):
        page.locator("#code").fill(current_code(rewind_replay_guard(live_server.app, email)))
        page.get_by_role("button", name="Verder").click()
        page.wait_for_load_state()
    assert "/inloggen" not in page.url, page.content()[:2000]


def sign_in_from_home(page, live_server, who: str, password: str = DEMO_PASSWORD, *, check=None) -> None:
    """Sign a browser page in the way a person does: open "/", click "Inloggen" in the header, fill the form.

    `who` as for `sign_in`. `check(page)` (for example the `assert_accessible` fixture) runs on every page the
    sign-in passes through, the page it lands on included. Every step of signing in lives here, so a later step
    (a second factor) is added here once. Fails when the site did not let them in.
    """
    email = who if "@" in who else f"{who}@{DEMO_DOMAIN}"
    page.goto(live_server("/"))
    if check:
        check(page)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Inloggen", exact=True).click()
    page.wait_for_url(re.compile(r"/inloggen(\?|$)"))
    if check:
        check(page)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen", exact=True).click()
    if page.url.endswith("/inloggen/code"):
        if check:
            check(page)
        page.locator("#code").fill(current_code(rewind_replay_guard(live_server.app, email)))
        with page.expect_navigation():
            page.get_by_role("button", name="Verder").click()
    assert "/inloggen" not in page.url, page.content()[:2000]
    if check:
        check(page)
