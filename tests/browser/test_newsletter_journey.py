"""A visitor finds the newsletters from the home page's footer, subscribes (mail in English), confirms from
the mail the test SMTP server received, and reaches the manage page from that mail's link, where a theme is
added."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.digests.smtp import SmtpSink

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp_live(live_server):
    """Point the live server's mail at a loopback SMTP server for this test, then back to the mail folder."""
    app = live_server.app
    state = app.extensions["mail"]
    saved = (app.config.get("MAIL_SERVER"), state.server, state.port, state.suppress)
    with SmtpSink() as sink:
        app.config["MAIL_SERVER"] = "127.0.0.1"
        state.server, state.port, state.suppress = "127.0.0.1", sink.port, False
        try:
            yield sink
        finally:
            app.config["MAIL_SERVER"], state.server, state.port, state.suppress = saved


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def mail_to(sink, address: str):
    messages = [m for m in sink.handler.messages() if m["To"] == address]
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0], messages[0].get_body(("plain",)).get_content()


def followed(app, address: str) -> list[str]:
    from exchange.digests.models import Subscriber
    from exchange.extensions import db

    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
        slugs = sorted(s.theme.slug for s in subscriber.subscriptions) if subscriber else []
        db.session.remove()
        return slugs


def test_find_the_newsletters_subscribe_and_manage_from_the_mail(
    page, live_server, smtp_live, assert_accessible
):
    app = live_server.app
    address = f"journey-{uuid.uuid4().hex[:8]}@example.org"

    page.goto("/")
    with page.expect_navigation():
        page.locator("footer").get_by_role("link", name="Nieuwsbrieven per thema").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Abonnementen op thema's"
    form = page.locator("section", has=page.get_by_role("heading", name="Aanmelden", exact=True))
    form.get_by_label("E-mailadres").fill(address)
    form.get_by_role("group", name="Thema's").get_by_label(re.compile("^Onderwijs")).check()
    form.get_by_label("Wekelijks").check()
    form.get_by_role("group", name="Taal van de e-mails").get_by_label("Engels").check()
    with page.expect_navigation():
        form.get_by_role("button", name="Aanmelden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Kijk in uw e-mail"

    message, text = mail_to(smtp_live, address)
    assert message["Subject"] == "Confirm your subscription to Jeugdkennis"
    confirm = re.search(r"(http://\S+/abonnementen/bevestigen/\S+)", text).group(1)
    page.goto(local(confirm))
    with page.expect_navigation():
        page.get_by_role("button", name="Ja, bevestig mijn aanmelding").click()
    assert followed(app, address) == ["onderwijs-zorg"]

    manage = re.search(r"Manage your newsletters[^:]*: (http://\S+/abonnementen/beheer/\S+)", text).group(1)
    page.goto(local(manage))
    assert page.get_by_role("heading", level=1).inner_text() == "Uw abonnement"
    assert_accessible(page)
    choices = page.locator(
        "section", has=page.get_by_role("heading", name="Thema's en regio's toevoegen of wijzigen")
    )
    choices.get_by_role("group", name="Thema's die u volgt").get_by_label(re.compile("^Pleegzorg")).check()
    with page.expect_navigation():
        choices.get_by_role("button", name="Keuzes opslaan").click()
    assert "Uw keuzes zijn opgeslagen." in page.locator(".flash-messages").inner_text()
    assert followed(app, address) == ["onderwijs-zorg", "pleegzorg-gezinshuizen"]


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_the_statements_are_reached_from_the_footer_and_accessible(request, viewport, assert_accessible):
    page = request.getfixturevalue(viewport)
    for link, heading in [
        ("Privacyverklaring", "Privacyverklaring"),
        ("Toegankelijkheidsverklaring", "Toegankelijkheidsverklaring"),
        ("Colofon en contact", "Colofon en contact"),
        ("Bronnen", "Bronnen van de referentiegegevens"),
    ]:
        page.goto("/")
        with page.expect_navigation():
            page.locator("footer").get_by_role("link", name=link, exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert_accessible(page)
