"""The second factor in a browser: a functionary without one signs in, must set it up (QR code and key on the
page, axe-checked), keeps the recovery codes, signs in again with a code (axe-checked), asks to remember the
device, and the next sign-in on that device skips the code."""

from __future__ import annotations

import time
import uuid

import pyotp
import pytest

from tests.web import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def _functionary_without_second_factor(live_server) -> str:
    from exchange.extensions import db
    from tests import world

    email = f"nieuw-{uuid.uuid4().hex[:8]}@example.org"
    with live_server.app.app_context():
        world.person(email, "functionary", name="Nina Nieuw", two_factor=False)
        db.session.commit()
    return email


def _password_step(page, live_server, email: str) -> None:
    page.goto(live_server("/inloggen"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()


def _sign_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Uitloggen").click()


def test_setting_up_and_using_the_second_factor(new_page, live_server, assert_accessible):
    email = _functionary_without_second_factor(live_server)
    page = new_page()

    _password_step(page, live_server, email)
    page.goto(live_server("/werkruimte"))  # anything else sends them to the setup first
    assert page.url == live_server("/account/tweede-factor"), page.url
    assert page.get_by_role("heading", level=1, name="Tweede factor instellen").is_visible()
    assert page.locator("figure svg").is_visible()
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("#code").fill(totp.now())
    with page.expect_navigation():
        page.get_by_role("button", name="Tweede factor aanzetten").click()
    assert page.get_by_role("heading", level=1, name="Uw herstelcodes").is_visible()
    assert page.locator(".recovery-codes li").count() == 10
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    assert page.url == live_server("/werkruimte"), page.url
    _sign_out(page)

    _password_step(page, live_server, email)
    assert page.url == live_server("/inloggen/code"), page.url
    assert_accessible(page)
    page.locator("#code").fill("000000" if totp.now() != "000000" else "111111")
    with page.expect_navigation():
        page.get_by_role("button", name="Verder").click()
    assert page.get_by_text("Deze code klopt niet, is verlopen of is al gebruikt.").first.is_visible()
    assert_accessible(page)
    # The setup used this time-step's code; a code is accepted once, so the next step's code it is.
    page.locator("#code").fill(totp.at(time.time() + 30))
    page.get_by_label("Onthoud dit apparaat 30 dagen").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Verder").click()
    assert page.url == live_server("/werkruimte"), page.url
    _sign_out(page)

    _password_step(page, live_server, email)
    assert page.url == live_server("/werkruimte"), page.url  # a remembered device: no code asked

    other_device = new_page()
    _password_step(other_device, live_server, email)
    assert other_device.url == live_server("/inloggen/code"), other_device.url
