"""The second factor: services (codes, replay, recovery codes, reset) and the pages (code step, forced setup,
rate limit, remembered device, the administrator's reset, staff turning it on and off)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from exchange.accounts.models import AuditEvent, User
from exchange.accounts.twofactor import device, services
from exchange.accounts.twofactor.models import RecoveryCode, TwoFactor
from exchange.errors import Invalid, NotAllowed
from tests.web import DEFAULT_PASSWORD, TOTP_SECRET, answer_code, csrf_token_from, login, logout, text

STEP = 30


def code_at(offset_steps: int = 0, secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * STEP)


def actions(db, user) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == user.id).order_by(AuditEvent.id)
        )
    )


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def enroll(db, user) -> list[str]:
    """Set up a second factor for `user` through the service; returns the recovery codes."""
    tf = services.begin_setup(user, user)
    tf.secret = TOTP_SECRET
    codes = services.confirm_setup(user, user, DEFAULT_PASSWORD, code_at())
    db.session.commit()
    return codes


# --- services --------------------------------------------------------------------------------------------------


def test_setup_turns_it_on_with_ten_hashed_recovery_codes(db, reference, make_user):
    staff = make_user("staff")
    codes = enroll(db, staff)
    assert services.is_enabled(staff)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", code) for code in codes)
    stored = list(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == staff.id)))
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
    assert actions(db, staff) == ["twofactor_enabled"]


def test_setup_refuses_a_wrong_code_and_records_it(db, reference, make_user):
    staff = make_user("staff")
    services.begin_setup(staff, staff)
    with pytest.raises(services.CodeRefused):
        services.confirm_setup(staff, staff, DEFAULT_PASSWORD, "000000")
    assert not services.is_enabled(staff)
    assert actions(db, staff) == ["twofactor_failed"]


def test_setup_refuses_a_wrong_password(db, reference, make_user):
    staff = make_user("staff")
    tf = services.begin_setup(staff, staff)
    with pytest.raises(Invalid) as refused:
        services.confirm_setup(staff, staff, "verkeerd", pyotp.TOTP(tf.secret).now())
    assert refused.value.fields == {"password": "Het wachtwoord klopt niet."}
    assert not services.is_enabled(staff)


def test_nobody_sets_up_a_second_factor_for_someone_else(db, reference, make_user):
    staff, admin = make_user("staff"), make_user("admin")
    with pytest.raises(NotAllowed):
        services.begin_setup(admin, staff)


def test_a_valid_code_is_accepted_and_the_same_code_only_once(db, reference, make_user):
    coach = make_user("functionary")
    code = code_at()
    assert services.verify_code(coach, code) == "totp"
    db.session.commit()
    assert db.session.scalar(select(TwoFactor.last_step).where(TwoFactor.user_id == coach.id)) is not None
    with pytest.raises(services.CodeRefused):
        services.verify_code(coach, code)
    assert actions(db, coach) == ["twofactor_failed"]


def test_an_earlier_step_is_refused_after_a_later_one(db, reference, make_user):
    coach = make_user("functionary")
    assert services.verify_code(coach, code_at(+1)) == "totp"
    with pytest.raises(services.CodeRefused):
        services.verify_code(coach, code_at(0))


@pytest.mark.parametrize("code", ["123456", "", "12345", "abcdef", "x" * 200, code_at(-3)])
def test_wrong_codes_are_refused(db, reference, make_user, code):
    coach = make_user("functionary")
    with pytest.raises(services.CodeRefused):
        services.verify_code(coach, code)


def test_a_recovery_code_works_once(db, reference, make_user):
    staff = make_user("staff")
    codes = enroll(db, staff)
    assert services.verify_code(staff, codes[3].upper().replace("-", " ")) == "recovery"
    db.session.commit()
    assert services.unused_recovery_codes(staff) == 9
    with pytest.raises(services.CodeRefused):
        services.verify_code(staff, codes[3])
    assert actions(db, staff)[-2:] == ["recovery_code_used", "twofactor_failed"]


def test_new_recovery_codes_replace_the_old_ones(db, reference, make_user):
    staff = make_user("staff")
    old = enroll(db, staff)
    new = services.regenerate_recovery_codes(staff, staff, DEFAULT_PASSWORD, code_at(+1))
    db.session.commit()
    with pytest.raises(services.CodeRefused):
        services.verify_code(staff, old[0])
    assert services.verify_code(staff, new[0]) == "recovery"
    assert "recovery_codes_regenerated" in actions(db, staff)


def test_an_administrator_resets_a_second_factor(db, reference, make_user):
    admin, coach = make_user("admin"), make_user("functionary")
    token = coach.session_token
    services.reset(admin, coach)
    db.session.commit()
    assert db.session.scalar(select(func.count(TwoFactor.id)).where(TwoFactor.user_id == coach.id)) == 0
    assert db.session.get(User, coach.id).session_token != token
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "twofactor_reset"))
    assert event.actor_id == admin.id and event.subject_id == coach.id


def test_only_administrators_reset(db, reference, make_user):
    coach, staff = make_user("functionary"), make_user("staff")
    with pytest.raises(NotAllowed):
        services.reset(staff, coach)
    assert services.is_enabled(coach)


def test_functionaries_cannot_turn_it_off(db, reference, make_user):
    coach = make_user("functionary")
    with pytest.raises(NotAllowed):
        services.disable(coach, coach, DEFAULT_PASSWORD, code_at())
    assert services.is_enabled(coach)


def test_staff_can_turn_it_off_with_password_and_code(db, reference, make_user):
    staff = make_user("staff")
    enroll(db, staff)
    services.disable(staff, staff, DEFAULT_PASSWORD, code_at(+1))
    db.session.commit()
    assert not services.is_enabled(staff)
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0
    assert actions(db, staff)[-1] == "twofactor_disabled"


# --- the code step ---------------------------------------------------------------------------------------------


def password_step(client, user, *, remember=False):
    data = {
        "email": user.email,
        "password": DEFAULT_PASSWORD,
        "csrf_token": csrf_token_from(client, "/inloggen"),
    }
    if remember:
        data["remember"] = "y"
    return client.post("/inloggen", data=data)


def post_code(client, code, *, remember_device=False):
    data = {"code": code, "csrf_token": csrf_token_from(client, "/inloggen/code")}
    if remember_device:
        data["remember_device"] = "y"
    return client.post("/inloggen/code", data=data)


def test_the_password_alone_does_not_sign_in_someone_with_a_second_factor(client, reference, make_user):
    coach = make_user("functionary")
    response = password_step(client, coach)
    assert response.status_code == 302 and response.location == "/inloggen/code"
    assert client.get("/werkruimte").status_code == 302
    assert client.get("/werkruimte").location.startswith("/inloggen")
    page = client.get("/inloggen/code")
    assert page.status_code == 200 and "Onthoud dit apparaat 30 dagen" in text(page)


def test_the_right_code_signs_in_and_goes_on(client, reference, make_user):
    coach = make_user("functionary")
    password_step(client, coach)
    response = post_code(client, code_at())
    assert response.status_code == 302 and response.location == "/werkruimte"
    assert "U bent ingelogd." in flashes(client)
    assert client.get("/werkruimte").status_code == 200


def test_the_log_says_signed_in_only_after_the_code(client, db, reference, make_user):
    coach = make_user("functionary")
    password_step(client, coach)
    db.session.expire_all()
    assert "login" not in actions(db, coach)
    assert db.session.get(User, coach.id).last_login_at is None
    post_code(client, code_at())
    db.session.expire_all()
    logins = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.subject_id == coach.id)
        )
    )
    assert [e.details.get("second_factor") for e in logins] == ["totp"]
    assert db.session.get(User, coach.id).last_login_at is not None


def test_a_wrong_code_is_refused_in_dutch_and_audited(client, db, reference, make_user):
    coach = make_user("functionary")
    password_step(client, coach)
    response = post_code(client, "111111" if code_at() != "111111" else "222222")
    assert response.status_code == 422
    assert "Deze code klopt niet, is verlopen of is al gebruikt." in text(response)
    assert client.get("/werkruimte").status_code == 302
    assert actions(db, coach)[-1] == "twofactor_failed"


def test_the_code_step_without_a_password_sends_to_the_login(client, reference):
    response = client.get("/inloggen/code")
    assert response.status_code == 302 and response.location == "/inloggen"


def test_a_replayed_code_is_refused_at_the_code_step(client, reference, make_user):
    coach = make_user("functionary")
    code = code_at()
    password_step(client, coach)
    assert post_code(client, code).status_code == 302
    logout(client)
    password_step(client, coach)
    assert post_code(client, code).status_code == 422


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(client, db, reference, make_user):
    staff = make_user("staff")
    codes = enroll(db, staff)
    password_step(client, staff)
    response = post_code(client, codes[0])
    assert response.status_code == 302
    assert any("Nog over: 9." in message for message in flashes(client))
    logout(client)
    password_step(client, staff)
    assert post_code(client, codes[0]).status_code == 422


def test_wrong_codes_are_rate_limited_per_account(client, reference, make_user):
    coach = make_user("functionary")
    password_step(client, coach)
    wrong = "000000" if code_at() != "000000" else "999999"
    statuses = [post_code(client, wrong).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    blocked = post_code(client, code_at())  # even the right code waits
    assert blocked.status_code == 429 and "Te veel verzoeken" in text(blocked)


# --- setting it up ---------------------------------------------------------------------------------------------


def test_an_administrator_without_a_second_factor_must_set_it_up_first(client, db, reference, make_user):
    admin = make_user("admin", two_factor=False)
    response = login(client, admin)
    assert response.location == "/werkruimte"
    blocked = client.get("/werkruimte")
    assert blocked.status_code == 302 and blocked.location == "/account/tweede-factor"
    assert "Stel eerst een tweede factor in. Voor uw rol is die verplicht." in flashes(client)
    assert client.get("/beheer/mensen").location == "/account/tweede-factor"
    page = client.get("/account/tweede-factor")
    body = text(page)
    assert page.status_code == 200 and "<svg" in body and "Tweede factor instellen" in body
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', body).group(1).replace(" ", "")
    db.session.expire_all()
    assert services.second_factor(admin).secret == secret
    done = client.post(
        "/account/tweede-factor/instellen",
        data={
            "password": DEFAULT_PASSWORD,
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_token_from(client, "/account/tweede-factor"),
        },
    )
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert len(re.findall(r"<li><code>[a-z2-9-]{19}</code></li>", text(done))) == 10
    assert client.get("/werkruimte").status_code == 200


def test_setup_with_a_wrong_code_shows_the_page_again(client, reference, make_user):
    staff = make_user("staff")
    login(client, staff)
    response = client.post(
        "/account/tweede-factor/instellen",
        data={
            "password": DEFAULT_PASSWORD,
            "code": "12",
            "csrf_token": csrf_token_from(client, "/account/tweede-factor"),
        },
    )
    assert response.status_code == 422 and "Deze code klopt niet" in text(response)


def test_staff_may_sign_in_without_a_second_factor(client, reference, make_user):
    staff = make_user("staff")
    assert login(client, staff).location == "/werkruimte"
    assert client.get("/werkruimte").status_code == 200


def test_staff_turn_it_off_on_the_account_page(client, db, reference, make_user):
    staff = make_user("staff")
    enroll(db, staff)
    login(client, staff)
    response = client.post(
        "/account/tweede-factor/uitzetten",
        data={
            "disable-password": DEFAULT_PASSWORD,
            "disable-code": code_at(+1),
            "disable-csrf_token": csrf_token_from(client, "/account"),
        },
    )
    assert response.status_code == 302 and response.location == "/account"
    assert "De tweede factor staat uit." in flashes(client)
    db.session.expire_all()
    assert not services.is_enabled(staff)


def test_a_functionary_cannot_turn_it_off(client, reference, make_user):
    coach = make_user("functionary")
    login(client, coach)
    page = text(client.get("/account/tweede-factor"))
    assert "Voor uw rol is een tweede factor verplicht" in page
    response = client.post(
        "/account/tweede-factor/uitzetten",
        data={
            "disable-password": DEFAULT_PASSWORD,
            "disable-code": code_at(+1),
            "disable-csrf_token": csrf_token_from(client, "/account"),
        },
    )
    assert response.status_code == 403


# --- remembered devices ----------------------------------------------------------------------------------------


def remembered_sign_in(client, user):
    password_step(client, user)
    return answer_code(client, user.email, remember_device=True)


def test_a_remembered_device_skips_the_code_for_30_days(client, reference, make_user):
    coach = make_user("functionary")
    response = remembered_sign_in(client, coach)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(device.COOKIE_NAME + "="))
    assert "Max-Age=2592000" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    logout(client)
    again = password_step(client, coach)
    assert again.status_code == 302 and again.location == "/werkruimte"
    assert client.get("/werkruimte").status_code == 200


def test_without_the_tick_the_device_is_not_remembered(client, reference, make_user):
    coach = make_user("functionary")
    password_step(client, coach)
    response = answer_code(client, coach.email)
    assert not any(h.startswith(device.COOKIE_NAME) for h in response.headers.getlist("Set-Cookie"))
    logout(client)
    assert password_step(client, coach).location == "/inloggen/code"


def test_a_remembered_device_is_for_that_person_only(client, reference, make_user):
    coach, other = make_user("functionary"), make_user("functionary")
    remembered_sign_in(client, coach)
    logout(client)
    assert password_step(client, other).location == "/inloggen/code"


def test_a_new_password_forgets_remembered_devices(client, app, reference, make_user):
    coach = make_user("functionary")
    remembered_sign_in(client, coach)
    new_password = "een heel ander wachtwoord van mij"
    changed = client.post(
        "/account/wachtwoord",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": new_password,
            "confirm": new_password,
            "csrf_token": csrf_token_from(client, "/account/wachtwoord"),
        },
    )
    assert changed.status_code == 302
    logout(client)
    response = client.post(
        "/inloggen",
        data={
            "email": coach.email,
            "password": new_password,
            "csrf_token": csrf_token_from(client, "/inloggen"),
        },
    )
    assert response.location == "/inloggen/code"


def test_an_expired_device_cookie_is_not_accepted(app, reference, make_user, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    coach = make_user("functionary")
    with app.test_request_context("/"):
        from exchange.extensions import db

        user = db.session.get(User, coach.id)
        tf = services.second_factor(user)
        old = int(time.time() - device.LIFETIME.total_seconds() - 60)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
        response = app.make_response("")
        device.remember(response, user, tf)
        monkeypatch.undo()
        value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    with app.test_request_context("/", headers={"Cookie": f"{device.COOKIE_NAME}={value}"}):
        from flask import request

        assert not device.is_remembered(request, db.session.get(User, coach.id), tf)
    fresh = timedelta(days=29)
    with app.test_request_context("/"):
        response = app.make_response("")
        device.remember(response, user, tf)
        value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    with app.test_request_context("/", headers={"Cookie": f"{device.COOKIE_NAME}={value}"}):
        from flask import request

        assert fresh < device.LIFETIME and device.is_remembered(request, user, tf)


# --- the administrator's reset ---------------------------------------------------------------------------------


def test_an_administrator_resets_a_functionarys_second_factor_on_the_user_page(
    client, app, db, reference, make_user
):
    admin, coach = make_user("admin"), make_user("functionary")
    other = app.test_client()
    login(other, coach)
    login(client, admin)
    page = text(client.get(f"/beheer/mensen/{coach.id}"))
    assert "Tweede factor resetten" in page
    response = client.post(
        f"/beheer/mensen/{coach.id}/tweede-factor-resetten",
        data={"csrf_token": csrf_token_from(client, f"/beheer/mensen/{coach.id}")},
    )
    assert response.status_code == 302 and response.location == f"/beheer/mensen/{coach.id}"
    assert any("De tweede factor is gereset" in message for message in flashes(client))
    assert other.get("/werkruimte").status_code == 302  # the person's session ended
    login(other, coach)
    assert other.get("/werkruimte").location == "/account/tweede-factor"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "twofactor_reset"))
    assert event.actor_id == admin.id and event.subject_id == coach.id


def test_staff_cannot_reset_a_second_factor(client, reference, make_user):
    staff, coach = make_user("staff"), make_user("functionary")
    login(client, staff)
    response = client.post(
        f"/beheer/mensen/{coach.id}/tweede-factor-resetten",
        data={"csrf_token": csrf_token_from(client, "/account")},
    )
    assert response.status_code == 403
