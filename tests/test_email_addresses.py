"""One email-address policy (exchange.mail.addresses), applied alike by every form and CLI command; never a 500."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from exchange.accounts.models import User
from exchange.digests.models import Subscriber
from exchange.digests.services import consent_text, consent_version
from exchange.errors import Invalid
from exchange.mail.addresses import normalise_email, smtp_address
from tests.web import DEFAULT_PASSWORD, login, post, text

EMPTY = "Vul een e-mailadres in."
TOO_LONG = "254 tekens"  # the form says "Hoogstens 254 tekens.", the service "te lang (hoogstens 254 tekens)"
INVALID = "Dit is geen geldig e-mailadres."
SPACES = "Een e-mailadres bevat geen spaties of regeleinden."
ACCENTS = "Gebruik vóór de @ alleen letters zonder accenten"
SPECIAL = "Op dit domein kan geen e-mail aankomen"

# (typed address, stored address or None when refused, the refusal's message)
CASES = [
    pytest.param("", None, EMPTY, id="empty"),
    pytest.param("a" * 243 + "@example.org", None, TOO_LONG, id="too-long"),
    pytest.param("geen-apenstaart.example.org", None, INVALID, id="no-at"),
    pytest.param("twee@apen@example.org", None, INVALID, id="two-at"),
    pytest.param("met spatie@example.org", None, SPACES, id="space"),
    pytest.param("regel@example.org\r\nBcc: evil@example.org", None, SPACES, id="crlf"),
    pytest.param("ü@example.org", None, ACCENTS, id="non-ascii-local-part"),
    pytest.param("user@exämple.org", "user@exämple.org", None, id="idn-domain"),
    pytest.param("user@xn--exmple-cua.org", "user@exämple.org", None, id="idn-as-punycode"),
    pytest.param("  User@Example.ORG ", "user@example.org", None, id="uppercase"),
    pytest.param("user@example.org.", None, INVALID, id="trailing-dot"),
    pytest.param("user@site.test", None, SPECIAL, id="test-tld"),
    pytest.param("user@site.example", "user@site.example", None, id="example-tld"),
]


@pytest.mark.parametrize(("typed", "stored", "message"), CASES)
def test_the_policy(app_ctx, typed, stored, message):
    if stored is None:
        with pytest.raises(Invalid) as refused:
            normalise_email(typed)
        assert message in str(refused.value.fields["email"])
    else:
        assert normalise_email(typed) == stored


def test_an_idn_address_is_sent_as_punycode():
    assert smtp_address("user@exämple.org") == "user@xn--exmple-cua.org"


# --- every form ---------------------------------------------------------------------------------------------------


def _login(client, cast, address):
    return post(client, "/inloggen", {"email": address, "password": DEFAULT_PASSWORD})


def _forgot(client, cast, address):
    return post(client, "/wachtwoord-vergeten", {"email": address})


def _invite(client, cast, address):
    login(client, cast.admin)
    return post(client, "/beheer/mensen/uitnodigen", {"email": address, "role": "admin"})


def _change_email(client, cast, address):
    login(client, cast.staff)
    return post(client, "/account/e-mailadres", {"email": address, "password": DEFAULT_PASSWORD})


def _subscribe(client, cast, address):
    data = {
        "email": address,
        "themes": [cast.theme.slug],
        "frequency": "weekly",
        "consent_version": consent_version(consent_text()),
    }
    return post(client, "/abonnementen/aanmelden", data, form_page="/abonnementen")


def _links(client, cast, address):
    return post(client, "/abonnementen/links", {"email": address}, form_page="/abonnementen")


def _accepted_login(db, outbox, response, stored):
    assert response.status_code == 422 and "Het e-mailadres of het wachtwoord klopt niet." in text(response)


def _accepted_forgot(db, outbox, response, stored):
    assert response.status_code == 200 and outbox == []


def _accepted_invite(db, outbox, response, stored):
    assert response.status_code == 302
    assert db.session.scalar(select(User.email).where(User.email == stored)) == stored
    assert [m.recipients for m in outbox] == [[smtp_address(stored)]]


def _accepted_change_email(db, outbox, response, stored):
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert len(outbox) == 2 and outbox[0].recipients == [smtp_address(stored)]  # the link; then the notice


def _accepted_subscribe(db, outbox, response, stored):
    assert response.status_code == 302
    assert db.session.scalar(select(Subscriber.email)) == stored
    assert [m.recipients for m in outbox] == [[smtp_address(stored)]]


def _accepted_links(db, outbox, response, stored):
    assert response.status_code == 302 and response.headers["Location"] == "/abonnementen/links-verstuurd"


FORMS = {
    "login": (_login, _accepted_login),
    "forgot-password": (_forgot, _accepted_forgot),
    "invite": (_invite, _accepted_invite),
    "change-email": (_change_email, _accepted_change_email),
    "subscribe": (_subscribe, _accepted_subscribe),
    "manage-links": (_links, _accepted_links),
}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize(("typed", "stored", "message"), CASES)
def test_every_form_applies_the_policy(client, db, cast, outbox, form, typed, stored, message):
    send, accepted = FORMS[form]
    users_before = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1))

    response = send(client, cast, typed)

    if stored is None:
        assert response.status_code == 422
        assert str(escape(message)) in text(response)
        assert outbox == []
        assert db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) == users_before
        assert db.session.scalar(select(Subscriber.id)) is None
    else:
        accepted(db, outbox, response, stored)


# --- every CLI command that takes an address ----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored", "message"), CASES)
def test_users_create_applies_the_policy(runner, db, reference, typed, stored, message):
    result = runner.invoke(
        args=["users", "create", typed, "--role", "admin", "--name", "Iemand", "--password-stdin"],
        input=f"{DEFAULT_PASSWORD}\n",
    )

    if stored is None:
        assert result.exit_code == 1 and message in result.output
        assert db.session.scalar(select(User.id)) is None
    else:
        assert result.exit_code == 0, result.output
        assert db.session.scalar(select(User.email)) == stored


@pytest.mark.parametrize(("typed", "stored", "message"), CASES)
def test_users_assign_applies_the_policy(runner, db, reference, typed, stored, message):
    result = runner.invoke(args=["users", "assign", typed, "--region", "JZ01"])

    assert result.exit_code == 1
    if stored is None:
        assert message in result.output
    else:
        assert f"Geen account met e-mailadres {typed}" in result.output
