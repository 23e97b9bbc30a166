"""Every mail is written in its recipient's language, whatever the language of the page that caused it:
confirmation, digest, feedback notification, invitation and password reset, each in Dutch and in English,
delivered through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from exchange.accounts.models import Role
from exchange.accounts.services import invitations, password_reset
from exchange.digests import services as digest_services
from exchange.digests.models import Frequency
from exchange.digests.sending import send_digests
from exchange.practices import services as practice_services
from exchange.practices.models import Result
from tests.digests.conftest import AFTER_WEEK, IN_WEEK, smtp_config

LANGUAGES = ["nl", "en"]


@pytest.fixture
def app_overrides(smtp_sink):
    return smtp_config(smtp_sink)


def only_message(sink, to: str):
    messages = [m for m in sink.handler.messages() if m["To"] == to]
    assert len(messages) == 1, [m["Subject"] for m in messages]
    message = messages[0]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    return message, text, message.get_body(("html",)).get_content()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_digest_is_written_in_the_subscriber_language(
    db, cast, publish, make_subscriber, smtp_sink, language
):
    theme = cast.theme
    theme.name_en = "Education and youth care"
    db.session.commit()
    practice = publish("Thuiszitterstafel", IN_WEEK, themes=[theme])
    for indicator in ("Aantal thuiszitters", "Wachttijd"):
        result = practice_services.add_result(
            cast.staff,
            practice,
            practice_services.ResultData(
                indicator=indicator,
                value=Decimal("12.5"),
                measured_on=date(2025, 3, 1),
                phase=cast.phases[0],
                unit="",
                narrative="",
            ),
        )
        db.session.commit()
        db.session.execute(update(Result).where(Result.id == result.id).values(created_at=IN_WEEK))
        db.session.commit()
    subscriber = make_subscriber("lezer@example.org", [theme])
    subscriber.language = language
    db.session.commit()

    send_digests(Frequency.WEEKLY, AFTER_WEEK)

    message, text, html = only_message(smtp_sink, "lezer@example.org")
    if language == "en":
        assert message["Subject"] == "Jeugdkennis: 1 new contribution – week of 3 March 2025 to 9 March 2025"
        assert "== Education and youth care ==" in text and cast.theme.name not in text
        assert "- New: Thuiszitterstafel" in text and "Why do you get this email?" in text
        assert "Manage your newsletters" in text and "Nieuw" not in text
        assert "Aantal thuiszitters: 12.5" in text  # the measurement, in English number format
        assert '<html lang="en">' in html and "New on Jeugdkennis" in html
    else:
        assert message["Subject"] == "Jeugdkennis: 1 nieuwe bijdrage – week van 3 t/m 9 maart 2025"
        assert f"== {cast.theme.name} ==" in text and "Education" not in text
        assert "- Nieuw: Thuiszitterstafel" in text and "Waarom krijgt u deze e-mail?" in text
        assert "Uw nieuwsbrieven beheren" in text
        assert "Aantal thuiszitters: 12,5" in text
        assert '<html lang="nl">' in html and "Nieuw op Jeugdkennis" in html
    # The practice once, with both new measurements under it.
    assert text.count("Thuiszitterstafel") == 1
    assert text.count("Aantal thuiszitters") == 1 and text.count("Wachttijd") == 1
    assert "/abonnementen/beheer/" in text and "/abonnementen/beheer/" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_confirmation_mail_is_in_the_chosen_language_with_the_manage_link(
    db, cast, client, csrf, smtp_sink, language
):
    cast.theme.name_en = "Education and youth care"
    db.session.commit()
    # The page is Dutch; the language chosen on the form decides the mail.
    token = csrf("/abonnementen")
    response = client.post(
        "/abonnementen/aanmelden",
        data={
            "csrf_token": token,
            "email": "nieuw@example.org",
            "themes": [cast.theme.slug],
            "frequency": "monthly",
            "language": language,
            "consent_version": digest_services.consent_version(digest_services.consent_text()),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    message, text, html = only_message(smtp_sink, "nieuw@example.org")
    if language == "en":
        assert message["Subject"] == "Confirm your subscription to Jeugdkennis"
        assert "for monthly digests from Jeugdkennis about:\n- Education and youth care" in text
        assert "Manage your newsletters" in text
    else:
        assert message["Subject"] == "Bevestig uw aanmelding voor Jeugdkennis"
        assert f"voor maandelijkse overzichten van Jeugdkennis over:\n- {cast.theme.name}" in text
        assert "Uw nieuwsbrieven beheren" in text
    assert "/abonnementen/beheer/" in text and "/abonnementen/beheer/" in html


def test_the_page_language_is_the_default_for_a_new_subscriber(db, cast, client, csrf, smtp_sink):
    client.get("/?lang=en")
    token = csrf("/abonnementen")
    client.post(
        "/abonnementen/aanmelden",
        data={
            "csrf_token": token,
            "email": "engels@example.org",
            "themes": [cast.theme.slug],
            "frequency": "weekly",
            "consent_version": digest_services.consent_version(digest_services.consent_text()),
        },
    )
    message, _text, _html = only_message(smtp_sink, "engels@example.org")
    assert message["Subject"] == "Confirm your subscription to Jeugdkennis"
    assert digest_services.find_subscriber("engels@example.org").language == "en"


@pytest.mark.parametrize("language", LANGUAGES)
def test_feedback_notifications_follow_the_recipient_not_the_author(
    app, db, cast, make_practice, smtp_sink, language
):
    practice = make_practice("Thuiszitterstafel", publish=True)
    cast.staff.language = language
    db.session.commit()
    with app.test_request_context("/?lang=" + ("nl" if language == "en" else "en")):  # the coach's page
        practice_services.post_feedback(cast.coach, practice, "Meet vaker.")
        db.session.commit()
    message, text, _html = only_message(smtp_sink, cast.staff.email)
    if language == "en":
        assert message["Subject"] == "New feedback on: Thuiszitterstafel"
        assert "This message is not public" in text and "Dit bericht" not in text
    else:
        assert message["Subject"] == "Nieuwe feedback op: Thuiszitterstafel"
        assert "Dit bericht is niet openbaar" in text and "This message" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitations_take_the_language_of_the_page_they_were_made_on(app, db, cast, smtp_sink, language):
    with app.test_request_context(f"/beheer/mensen/uitnodigen?lang={language}"):
        user = invitations.invite_user(cast.admin, "nieuwkomer@example.org", Role.STAFF, region=cast.region)
        db.session.commit()
    assert user.language == language
    message, text, _html = only_message(smtp_sink, "nieuwkomer@example.org")
    if language == "en":
        assert message["Subject"] == "Invitation to Jeugdkennis"
        assert "Set your name and password via this link:" in text
    else:
        assert message["Subject"] == "Uitnodiging voor Jeugdkennis"
        assert "Stel via deze link uw naam en wachtwoord in:" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_password_resets_follow_the_account_language(app, db, cast, smtp_sink, language):
    cast.staff.language = language
    db.session.commit()
    with app.test_request_context("/wachtwoord-vergeten?lang=" + ("nl" if language == "en" else "en")):
        assert password_reset._mail_reset_link(cast.staff.email, None)
        db.session.commit()
    message, text, _html = only_message(smtp_sink, cast.staff.email)
    if language == "en":
        assert message["Subject"] == "Set a new password for Jeugdkennis"
    else:
        assert message["Subject"] == "Nieuw wachtwoord instellen voor Jeugdkennis"
    assert ("Iemand (hopelijk u)" in text) == (language == "nl")
