"""A visitor subscribes to themes, confirms from the captured email, gets a digest and unsubscribes: once
through the page the unsubscribe link opens, once with the one-click POST a mail client sends (RFC 8058)."""

from __future__ import annotations

import email
import re
import uuid
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from exchange.policy import SYSTEM

pytestmark = pytest.mark.browser

THEME = "onderwijs-zorg"
OTHER_THEME = "pleegzorg-gezinshuizen"


def mails_to(app, address: str) -> list:
    """Messages written to the app's mail folder for `address`, oldest first."""
    folder = Path(app.config["MAIL_FOLDER"])
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def local(url: str) -> str:
    """The path of an absolute link (EXTERNAL_URL differs from the live server's port)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def confirm_from_mail(page, app, address: str) -> None:
    link = re.search(r"(http://\S+/abonnementen/bevestigen/\S+)", text_of(mails_to(app, address)[-1])).group(
        1
    )
    page.goto(local(link))
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelding bevestigen"
    assert (
        "Ik wil per e-mail een overzicht ontvangen" in page.locator("blockquote").inner_text()
    )  # the consent
    with page.expect_navigation():
        page.get_by_role("button", name="Ja, bevestig mijn aanmelding").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelding bevestigd"


def publish_practice(app, title: str, theme_slugs: list[str]) -> None:
    from exchange.extensions import db
    from exchange.practices import services
    from exchange.reference.models import CyclePhase, Region, Theme

    with app.app_context():
        themes = list(db.session.scalars(select(Theme).where(Theme.slug.in_(theme_slugs))))
        region = db.session.scalar(select(Region).where(Region.slug == "zeeland"))
        phase = db.session.scalar(select(CyclePhase).order_by(CyclePhase.position))
        data = services.PracticeData(
            title=title, summary="Een nieuw voorbeeld voor de browsertest.", themes=themes, phase=phase
        )
        practice = services.create_practice(SYSTEM, region, data)
        services.publish_practice(SYSTEM, practice)
        db.session.commit()


def send_current_week(app) -> None:
    """Send the digests of the week in progress (the test cannot wait for it to end)."""
    from exchange.database import utcnow
    from exchange.digests.models import Frequency
    from exchange.digests.periods import period_containing
    from exchange.digests.sending import send_period
    from exchange.extensions import db

    with app.app_context():
        now = utcnow()
        send_period(Frequency.WEEKLY, period_containing(Frequency.WEEKLY, now), now)
        db.session.remove()


def followed(app, address: str) -> list[str]:
    from exchange.digests.models import Subscriber
    from exchange.extensions import db

    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
        slugs = sorted(s.theme.slug for s in subscriber.subscriptions) if subscriber else []
        db.session.remove()
        return slugs


def subscribe_on_theme_page(page, address: str) -> None:
    page.goto(f"/themas/{THEME}")
    section = page.locator("section", has=page.get_by_role("heading", name="Volg dit thema per e-mail"))
    if section.count() == 0:
        # Until the theme page includes templates/digests/_subscribe_form.html, the same form with the theme
        # chosen lives on the subscriptions page.
        page.goto(f"/abonnementen?thema={THEME}")
        section = page.locator("section", has=page.get_by_role("heading", name="Aanmelden", exact=True))
    section.get_by_label("E-mailadres").fill(address)
    section.get_by_label("Wekelijks").check()
    with page.expect_navigation():
        section.get_by_role("button", name="Aanmelden").click()
    if page.get_by_text("Controleer uw gegevens en klik op Aanmelden").count():
        # The theme page's form (stored for every visitor, without a CSRF token) leads to the protected form
        # with the same choices; sending that one subscribes.
        form = page.locator("section", has=page.get_by_role("heading", name="Aanmelden", exact=True))
        assert form.get_by_label("E-mailadres").input_value() == address
        assert form.get_by_label("Wekelijks").is_checked()
        with page.expect_navigation():
            form.get_by_role("button", name="Aanmelden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Kijk in uw e-mail"


def test_subscribe_confirm_receive_and_unsubscribe(page, live_server, assert_accessible, screenshot):
    app = live_server.app
    address = f"browser-{uuid.uuid4().hex[:8]}@example.org"

    subscribe_on_theme_page(page, address)
    assert followed(app, address) == [], "nothing before the confirmation"
    confirm_from_mail(page, app, address)
    assert followed(app, address) == [THEME]

    page.goto("/abonnementen")
    assert_accessible(page)
    form = page.locator("section", has=page.get_by_role("heading", name="Aanmelden", exact=True))
    form.get_by_label("E-mailadres").fill(address)
    form.get_by_role("group", name="Thema's").get_by_label(re.compile("^Pleegzorg")).check()
    with page.expect_navigation():
        form.get_by_role("button", name="Aanmelden").click()
    confirm_from_mail(page, app, address)
    assert followed(app, address) == sorted([THEME, OTHER_THEME])

    publish_practice(app, "Browsertest: samen naar school", [THEME, OTHER_THEME])
    send_current_week(app)
    (digest,) = [m for m in mails_to(app, address) if m["List-Unsubscribe"]]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and digest["List-Id"]
    body = text_of(digest)
    assert body.count("Browsertest: samen naar school") == 2  # one section per followed theme

    # The "stop following this theme" link of the first section opens a page with every choice.
    leave_link = re.search(r"niet meer volgen: (\S+)", body).group(1)
    page.goto(local(leave_link))
    assert_accessible(page)
    screenshot(page, "digests-manage")
    page.get_by_label("Maandelijks").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Frequentie opslaan").click()
    assert "maandelijks" in page.locator(".flash-messages").inner_text()
    page.goto(local(leave_link))
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Geen nieuws meer over")).click()
    assert len(followed(app, address)) == 1

    # What a mail client does for one-click unsubscribe: a POST to the List-Unsubscribe URL, no page, no CSRF.
    one_click = re.fullmatch(r"<([^>]+)>", digest["List-Unsubscribe"].split(",")[0].strip()).group(1)
    response = page.request.post(live_server(local(one_click)), form={"List-Unsubscribe": "One-Click"})
    assert response.status == 200
    assert followed(app, address) == []
    page.goto(local(one_click))
    assert "U volgt geen thema's (meer)" in page.locator("main").inner_text()
