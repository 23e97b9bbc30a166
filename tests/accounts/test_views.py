"""Account pages (the administration screens are tested in tests/admin): flows through the real forms, Dutch messages, status codes, authorization."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from exchange.accounts.models import (
    AccountToken,
    User,
)
from exchange.reference.models import Region, Theme
from tests import world
from tests.web import DEFAULT_PASSWORD, csrf_token_from, post, text

GOOD_PASSWORD = "paarden eten graag wortels"


def link_path(message) -> str:
    match = re.search(r"http://127\.0\.0\.1:5000(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def region(db, code: str) -> Region:
    return world.region(code)


def theme(db, slug: str = "onderwijs-zorg") -> Theme:
    return world.theme(slug)


# --- signing in and out -----------------------------------------------------------------------------------------


def test_login_and_logout(client, auth, reference, make_user):
    user = make_user("staff", name="Sanne Staf")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/werkruimte"
    page = text(client.get("/account"))
    assert "Sanne Staf" in page and "regiomedewerker" in page
    assert auth.logout().status_code == 302
    assert client.get("/account").status_code == 302  # back to the login page


def test_login_failure_is_the_same_for_unknown_and_wrong(client, auth, reference, make_user):
    user = make_user("staff")
    wrong = auth.login(user, "verkeerd wachtwoord", check=False)
    unknown = auth.login("niemand@example.org", "verkeerd wachtwoord", check=False)
    assert wrong.status_code == unknown.status_code == 422
    message = "Het e-mailadres of het wachtwoord klopt niet."
    assert message in text(wrong) and message in text(unknown)
    assert client.get("/account").status_code == 302


def test_deactivated_account_cannot_sign_in(client, auth, reference, make_user):
    user = make_user("staff", active=False)
    response = auth.login(user, check=False)
    assert response.status_code == 422 and "gedeactiveerd" in text(response)
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "data",
    [
        {"email": "", "password": ""},
        {"email": "a" * 300 + "@example.org", "password": "x"},
        {"email": "x@example.org", "password": "x" * 300},
    ],
)
def test_malformed_login_input_gets_422(client, reference, data):
    response = post(client, "/inloggen", data, form_page="/inloggen")
    assert response.status_code == 422 and "Het formulier is nog niet goed ingevuld" in text(response)


def test_remember_me_sets_a_lasting_cookie(client, auth, reference, make_user):
    user = make_user("staff")
    auth.login(user, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None and cookie.http_only


def test_remember_cookie_stops_working_after_logout_everywhere(client, app, auth, reference, make_user):
    user = make_user("staff")
    auth.login(user, remember=True)
    remembered = client.get_cookie("remember_token").value
    other = app.test_client()
    other.set_cookie("remember_token", remembered)
    assert other.get("/account").status_code == 200  # the remember cookie alone signs in
    post(client, "/account/overal-uitloggen", {}, form_page="/account")
    assert other.get("/account").status_code == 302
    assert client.get("/account").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(client, app, auth, reference, make_user):
    user = make_user("staff")
    auth.login(user)
    other = app.test_client()
    auth.login(user, client=other)
    assert other.get("/account").status_code == 200
    response = post(
        client,
        "/account/wachtwoord",
        {"current_password": DEFAULT_PASSWORD, "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_password_change_refuses_bad_input(client, app, auth, reference, make_user):
    user = make_user("staff")
    auth.login(user)
    for data, message in [
        ({"current_password": "fout", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}, "klopt niet"),
        (
            {"current_password": DEFAULT_PASSWORD, "password": "wachtwoord123", "confirm": "wachtwoord123"},
            "gangbaar",
        ),
        (
            {"current_password": DEFAULT_PASSWORD, "password": GOOD_PASSWORD, "confirm": "anders"},
            "verschillen",
        ),
    ]:
        response = post(client, "/account/wachtwoord", data)
        assert response.status_code == 422 and message in text(response)
    assert auth.login(user, client=app.test_client()).status_code == 302  # the old password still works


# --- invitations, resets, email change --------------------------------------------------------------------------


def test_invitation_flow(as_admin, app, db, outbox):
    response = post(
        as_admin,
        "/beheer/mensen/uitnodigen",
        {"email": "nieuw@example.org", "name": "", "role": "staff", "region": region(db, "JZ05").id},
    )
    assert response.status_code == 302
    path = link_path(outbox[-1])
    assert path.startswith("/uitnodiging/")
    guest = app.test_client()
    assert "Welkom bij Jeugdkennis" in text(guest.get(path))
    response = post(guest, path, {"name": "Nina Nieuw", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Nina Nieuw" in text(guest.get("/account"))
    reused = guest.get(path)
    assert reused.status_code == 410 and "al gebruikt" in text(reused)


@pytest.mark.parametrize(
    "path",
    [
        "/uitnodiging/onbekend",
        "/wachtwoord-herstellen/onbekend",
        "/e-mailadres-bevestigen/onbekend",
        "/uitnodiging/" + "x" * 300,
    ],
)
def test_unknown_links_get_a_dutch_404(client, reference, path):
    response = client.get(path)
    assert response.status_code == 404 and "Deze link is ongeldig" in text(response)


def test_expired_invitation_link_gets_410(as_admin, app, db, outbox):
    post(as_admin, "/beheer/mensen/uitnodigen", {"email": "nieuw@example.org", "role": "admin"})
    from datetime import timedelta

    from exchange.database import utcnow

    token = db.session.scalar(select(AccountToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    path = link_path(outbox[-1])
    guest = app.test_client()
    assert guest.get(path).status_code == 410
    response = guest.post(
        path,
        data={
            "csrf_token": csrf_token_from(guest, "/inloggen"),
            "name": "N",
            "password": GOOD_PASSWORD,
            "confirm": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 410 and "verlopen" in text(response)
    assert db.session.scalar(select(User).where(User.email == "nieuw@example.org")).password_hash is None


def test_password_reset_does_not_reveal_accounts(client, reference, make_user, outbox):
    user = make_user("staff")
    known = post(client, "/wachtwoord-vergeten", {"email": user.email})
    unknown = post(client, "/wachtwoord-vergeten", {"email": "niemand@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert text(known).replace(user.email, "") == text(unknown).replace("niemand@example.org", "")
    assert outbox == []  # the link is mailed once the answer has gone out (the server closes the response)
    known.close()
    unknown.close()
    assert [m.recipients for m in outbox] == [[user.email]]
    malformed = post(client, "/wachtwoord-vergeten", {"email": "geen adres"})
    assert malformed.status_code == 422


def test_password_reset_flow(client, auth, reference, make_user, outbox):
    user = make_user("staff")
    post(client, "/wachtwoord-vergeten", {"email": user.email}).close()
    path = link_path(outbox[0])
    weak = post(client, path, {"password": "wachtwoord", "confirm": "wachtwoord"})
    assert weak.status_code == 422
    response = post(client, path, {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen"
    assert auth.login(user, GOOD_PASSWORD).status_code == 302
    assert client.get(path).status_code == 410


def test_email_change_flow(client, auth, app, reference, make_user, outbox):
    user = make_user("staff", email="oud@example.org")
    auth.login(user)
    response = post(
        client, "/account/e-mailadres", {"email": "nieuw@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    confirm = next(m for m in outbox if m.recipients == ["nieuw@example.org"])
    path = link_path(confirm)
    stranger = app.test_client()
    assert "nieuw@example.org" in text(stranger.get(path))
    assert post(stranger, path, {}).status_code == 302
    assert auth.login("nieuw@example.org", client=app.test_client()).status_code == 302


def test_email_change_refuses_malformed_address(client, auth, reference, make_user):
    user = make_user("staff")
    auth.login(user)
    response = post(client, "/account/e-mailadres", {"email": "niet@@goed", "password": DEFAULT_PASSWORD})
    assert response.status_code == 422


def test_delete_own_account(client, auth, db, reference, make_user):
    make_user("admin")
    user = make_user("staff", name="Weg Gaand")
    auth.login(user)
    refused = post(client, "/account/verwijderen", {"password": DEFAULT_PASSWORD})  # box not ticked
    assert refused.status_code == 422
    response = post(client, "/account/verwijderen", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).deleted_at is not None
    assert client.get("/account").status_code == 302


def test_update_profile_name(client, auth, db, reference, make_user):
    user = make_user("staff")
    auth.login(user)
    assert post(client, "/account/gegevens", {"name": "Nieuwe Naam"}, form_page="/account").status_code == 302
    assert db.session.get(User, user.id).name == "Nieuwe Naam"
    assert post(client, "/account/gegevens", {"name": "x" * 121}, form_page="/account").status_code == 422


# --- contacts on theme and region pages --------------------------------------------------------------------------


def test_contact_includes_render(app, db, make_user, reference):
    anna = make_user(
        "functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", "onderwijs-zorg")], name="Anna Coach"
    )
    make_user("functionary", themes=["pleegzorg-gezinshuizen"], coaches=[("JZ01", None)], name="Bram Breed")
    from flask import render_template_string

    with app.test_request_context("/"):
        contacts = render_template_string('{% include "accounts/_theme_contacts.html" %}', theme=theme(db))
        coaches = render_template_string(
            '{% include "accounts/_region_coaches.html" %}', region=region(db, "JZ01")
        )
        empty = render_template_string(
            '{% include "accounts/_region_coaches.html" %}', region=region(db, "JZ02")
        )
    assert "Anna Coach" in contacts and anna.email in contacts and "Bram" not in contacts
    assert "Anna Coach" in coaches and "Bram Breed" in coaches and "Pleegzorg" in coaches
    assert "nog geen themafunctionaris" in empty
