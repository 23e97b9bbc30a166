"""Sessions end on the server: copied cookies after sign-out and after every "end all sessions" event, open links,
idle sign-ins, and password-reset requests that answer alike (and as fast) for every address."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import (
    AccountToken,
    PasswordResetRequest,
    TokenPurpose,
    User,
    UserSession,
)
from exchange.accounts.services import password_reset, sessions, tokens
from exchange.database import utcnow
from tests.web import DEFAULT_PASSWORD, csrf_token_from, post, text

GOOD_PASSWORD = "paarden eten graag wortels"
SESSION_COOKIE = "session"
REMEMBER_COOKIE = "remember_token"


def copy_of(app, client, *names: str):
    """A second client holding copies of `client`'s cookies `names`, as a thief who copied them would."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.location.startswith("/inloggen")
    return False


def session_count(db, user) -> int:
    return db.session.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == user.id))


# --- signing out ------------------------------------------------------------------------------------------------


def test_copied_session_cookie_is_useless_after_sign_out(app, client, auth, db, reference, make_user):
    user = make_user("staff")
    auth.login(user)
    thief = copy_of(app, client, SESSION_COOKIE)
    assert signed_in(thief)  # the copy works while the sign-in lasts
    response = auth.logout()
    assert response.status_code == 302 and response.location == "/"
    assert not signed_in(thief) and not signed_in(client)
    assert session_count(db, user) == 0


def test_copied_remember_cookie_is_useless_after_sign_out(app, client, auth, db, reference, make_user):
    user = make_user("staff")
    auth.login(user, remember=True)
    used_before = copy_of(app, client, REMEMBER_COOKIE)  # the remember-me cookie alone signs in
    kept_for_later = copy_of(app, client, REMEMBER_COOKIE)
    assert signed_in(used_before)
    auth.logout()
    assert not signed_in(kept_for_later)
    assert not signed_in(used_before)


def test_signing_out_on_one_device_leaves_the_others(app, client, auth, db, reference, make_user):
    user = make_user("staff")
    laptop, phone = client, app.test_client()
    auth.login(user, client=laptop)
    auth.login(user, client=phone, remember=True)
    assert session_count(db, user) == 2
    auth.logout(client=laptop)
    assert not signed_in(laptop) and signed_in(phone)
    assert session_count(db, user) == 1


def test_a_sign_in_records_its_device_but_stores_no_secret(client, auth, db, reference, make_user):
    user = make_user("staff")
    client.get("/inloggen", headers={"User-Agent": "Testbrowser/1.0"})
    auth.login(user)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    with client.session_transaction() as session:
        cookie_id = session["_user_id"]
    secret = cookie_id.partition(":")[2]
    assert cookie_id.startswith(f"{user.id}:") and len(secret) >= 40
    assert record.key_hash == tokens.hash_secret(secret) and secret not in record.key_hash
    assert record.created_at <= utcnow() and record.last_seen_at <= utcnow()


@pytest.mark.parametrize(
    "cookie_id",
    ["", "1", "1:", ":abc", "x:abc", "1:" + "a" * 500, "99999999999999999999999:abc", "1:geen-sessie"],
)
def test_made_up_cookies_sign_nobody_in(app, db, reference, make_user, cookie_id):
    make_user("staff")
    assert sessions.load_signed_in_user(cookie_id) is None


def test_a_sign_in_of_another_person_does_not_load_with_my_id(client, auth, db, reference, make_user):
    user, other = make_user("staff"), make_user("staff")
    auth.login(user)
    with client.session_transaction() as session:
        secret = session["_user_id"].partition(":")[2]
    assert sessions.load_signed_in_user(f"{user.id}:{secret}") is not None
    assert sessions.load_signed_in_user(f"{other.id}:{secret}") is None


# --- events that end every session and open link --------------------------------------------------------------


def _change_password(app, client, user, admin_client):
    response = post(
        client,
        "/account/wachtwoord",
        {"current_password": DEFAULT_PASSWORD, "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
    )
    assert response.status_code == 302 and response.location == "/account"
    return True  # this browser goes on with a new sign-in


def _change_email(app, client, user, admin_client, outbox):
    response = post(
        client, "/account/e-mailadres", {"email": "nieuw@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    confirm = next(m for m in outbox if m.recipients == ["nieuw@example.org"])
    path = confirm.body.split("http://127.0.0.1:5000", 1)[1].split()[0]
    stranger = app.test_client()  # the link opened in another browser
    answer = post(stranger, path, {})
    assert answer.status_code == 302 and answer.location == "/inloggen"
    return False


def _sign_out_everywhere(app, client, user, admin_client):
    response = post(client, "/account/overal-uitloggen", {}, form_page="/account")
    assert response.status_code == 302 and response.location == "/inloggen"
    return False


def _deactivate(app, client, user, admin_client):
    response = post(
        admin_client, f"/beheer/mensen/{user.id}/deactiveren", {}, form_page=f"/beheer/mensen/{user.id}"
    )
    assert response.status_code == 302
    return False


def _delete(app, client, user, admin_client):
    response = post(client, "/account/verwijderen", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert response.status_code == 302 and response.location == "/"
    return False


EVENTS = {
    "password_change": _change_password,
    "email_change": _change_email,
    "sign_out_everywhere": _sign_out_everywhere,
    "deactivation": _deactivate,
    "deletion": _delete,
}


@pytest.mark.parametrize("event", list(EVENTS))
def test_event_ends_every_session_and_open_link(app, client, auth, db, admin, make_user, outbox, event):
    user = make_user("staff")
    admin_client = app.test_client()
    auth.login(admin, client=admin_client)
    auth.login(user)  # this browser
    phone = app.test_client()
    auth.login(user, client=phone, remember=True)
    copied_session = copy_of(app, client, SESSION_COOKIE)
    copied_remember = copy_of(app, phone, REMEMBER_COOKIE)
    reset_link, _ = tokens.issue_token(user, TokenPurpose.RESET, timedelta(hours=1))
    invite_link, _ = tokens.issue_token(user, TokenPurpose.INVITE, timedelta(days=7))
    db.session.commit()
    assert client.get(f"/wachtwoord-herstellen/{reset_link}").status_code == 200
    assert app.test_client().get(f"/uitnodiging/{invite_link}").status_code == 200
    assert signed_in(copied_session) and signed_in(copied_remember)

    handler = EVENTS[event]
    this_browser_continues = (
        handler(app, client, user, admin_client, outbox)
        if event == "email_change"
        else handler(app, client, user, admin_client)
    )

    assert not signed_in(copied_session)
    assert not signed_in(copied_remember)
    assert not signed_in(phone)
    assert signed_in(client) is this_browser_continues
    assert signed_in(admin_client)  # nobody else is affected
    outsider = app.test_client()
    assert outsider.get(f"/wachtwoord-herstellen/{reset_link}").status_code == 404
    assert outsider.get(f"/uitnodiging/{invite_link}").status_code == 404
    db.session.expire_all()
    expected = 1 if this_browser_continues else 0
    assert session_count(db, user) == expected
    assert (
        db.session.scalar(
            select(func.count(AccountToken.id)).where(
                AccountToken.user_id == user.id,
                AccountToken.used_at.is_(None),
                AccountToken.purpose.in_([TokenPurpose.RESET, TokenPurpose.INVITE]),
            )
        )
        == 0
    )


def test_password_change_keeps_this_browser_remembered(app, client, auth, db, reference, make_user):
    user = make_user("staff")
    auth.login(user, remember=True)
    old_remember = copy_of(app, client, REMEMBER_COOKIE)
    _change_password(app, client, user, None)
    fresh_remember = copy_of(app, client, REMEMBER_COOKIE)
    assert not signed_in(old_remember) and signed_in(fresh_remember)


def test_email_change_confirmed_in_the_same_browser_keeps_it_signed_in(
    app, client, auth, db, reference, make_user, outbox
):
    user = make_user("staff")
    auth.login(user)
    copied = copy_of(app, client, SESSION_COOKIE)
    post(client, "/account/e-mailadres", {"email": "nieuw@example.org", "password": DEFAULT_PASSWORD})
    confirm = next(m for m in outbox if m.recipients == ["nieuw@example.org"])
    path = confirm.body.split("http://127.0.0.1:5000", 1)[1].split()[0]
    response = post(client, path, {})
    assert response.status_code == 302 and response.location == "/account"
    page = client.get("/account")
    assert page.status_code == 200 and "Uw e-mailadres is gewijzigd." in text(page)
    assert not signed_in(copied)


def test_password_reset_ends_sessions_and_the_invitation_link(
    app, client, auth, db, reference, make_user, outbox
):
    user = make_user("staff")
    auth.login(user)
    copied = copy_of(app, client, SESSION_COOKIE)
    invite_link, _ = tokens.issue_token(user, TokenPurpose.INVITE, timedelta(days=7))
    db.session.commit()
    stranger = app.test_client()
    post(stranger, "/wachtwoord-vergeten", {"email": user.email}).close()
    path = outbox[-1].body.split("http://127.0.0.1:5000", 1)[1].split()[0]
    response = post(stranger, path, {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert response.status_code == 302 and response.location == "/inloggen"
    assert not signed_in(copied) and not signed_in(client)
    assert stranger.get(f"/uitnodiging/{invite_link}").status_code == 404


def test_ending_sessions_drops_reset_requests_not_handled_yet(db, reference, make_user, outbox):
    user = make_user("staff")
    password_reset.request_password_reset(user.email)
    db.session.commit()
    sessions.end_all_sessions(user, user)
    db.session.commit()
    assert password_reset.handle_reset_requests() == 0 and outbox == []


# --- idle sign-ins ------------------------------------------------------------------------------------------------


def test_an_idle_sign_in_no_longer_signs_in_and_is_purged(
    app, client, auth, db, reference, make_user, runner
):
    user = make_user("staff")
    auth.login(user)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    record.last_seen_at = utcnow() - app.config["SESSION_IDLE_LIMIT"] - timedelta(minutes=1)
    db.session.commit()
    assert not signed_in(client)
    result = runner.invoke(args=["users", "purge-sessions"])
    assert result.exit_code == 0 and "1 verlopen sessies verwijderd." in result.output
    assert session_count(db, user) == 0


def test_use_is_noted_at_most_every_few_minutes(app, client, auth, db, reference, make_user):
    user = make_user("staff")
    auth.login(user)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    a_while_ago = utcnow() - timedelta(hours=2)
    record.last_seen_at = a_while_ago
    db.session.commit()
    assert signed_in(client)
    db.session.expire_all()
    seen = db.session.get(UserSession, record.id).last_seen_at
    assert seen > a_while_ago + timedelta(hours=1)
    assert signed_in(client)
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).last_seen_at == seen  # not written again so soon


# --- password reset: the same answer, in the same time ------------------------------------------------------------


def test_reset_request_stores_the_same_row_for_every_address(client, db, reference, make_user, outbox):
    user = make_user("staff")
    known = post(client, "/wachtwoord-vergeten", {"email": user.email})
    unknown = post(client, "/wachtwoord-vergeten", {"email": "niemand@example.org"})
    assert known.status_code == unknown.status_code == 200
    rows = list(db.session.scalars(select(PasswordResetRequest).order_by(PasswordResetRequest.id)))
    assert [r.email for r in rows] == [user.email, "niemand@example.org"]
    assert db.session.scalar(select(func.count(AccountToken.id))) == 0 and outbox == []
    known.close()
    unknown.close()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PasswordResetRequest.id))) == 0
    assert [m.recipients for m in outbox] == [[user.email]]


def test_reset_requests_left_behind_are_sent_by_the_command(db, reference, make_user, outbox, runner):
    user = make_user("staff")
    password_reset.request_password_reset(user.email)
    password_reset.request_password_reset("niemand@example.org")
    fresh = password_reset.request_password_reset(user.email)
    for request in db.session.scalars(select(PasswordResetRequest)):
        if request.id != fresh.id:
            request.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    result = runner.invoke(args=["users", "send-resets"])
    assert result.exit_code == 0 and "1 herstellinks verstuurd." in result.output
    assert [m.recipients for m in outbox] == [[user.email]]
    # The fresh one belongs to the worker that answered it.
    assert list(db.session.scalars(select(PasswordResetRequest.id))) == [fresh.id]


def test_a_reset_request_for_an_inactive_account_mails_nothing(db, reference, make_user, outbox):
    user = make_user("staff", active=False)
    password_reset.request_password_reset(user.email)
    db.session.commit()
    assert password_reset.handle_reset_requests() == 0 and outbox == []


def _median_ms(client, token, email, rounds):
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.post("/wachtwoord-vergeten", data={"csrf_token": token, "email": email})
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        response.close()  # the server closes the answer; the link is mailed now, outside the measured time
    return statistics.median(timings)


def test_reset_answers_as_fast_for_known_and_unknown_addresses(app, client, db, reference, make_user, outbox):
    app.config["PASSWORD_RESET_LIMIT"] = "10000 per hour"  # the timing, not the limiter, is under test
    user = make_user("staff")
    token = csrf_token_from(client, "/wachtwoord-vergeten")
    _median_ms(client, token, "opwarmen@example.org", 3)
    known, unknown = [], []
    for _ in range(3):  # interleaved, so a slow moment on a busy machine hits both
        known.append(_median_ms(client, token, user.email, 5))
        unknown.append(_median_ms(client, token, "niemand@example.org", 5))
    # The fastest of the interleaved rounds: a leak costs every request of its kind, while a slow moment on a
    # busy machine only adds time (the medians of rounds once measured 3.8 vs 8.3 ms for an unknown address).
    known_ms, unknown_ms = min(known), min(unknown)
    assert len(outbox) == 15  # every known request was mailed, after its answer
    assert known_ms < 250 and unknown_ms < 250, (known_ms, unknown_ms)
    # Before the change a known address took ~8x as long (token, mail rendering and sending on the request path).
    assert max(known_ms, unknown_ms) / min(known_ms, unknown_ms) < 2, (known_ms, unknown_ms)
    assert db.session.scalar(select(func.count(User.id))) == 1
