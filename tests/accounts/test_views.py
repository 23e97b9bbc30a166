"""Account and administration pages: flows through the real forms, Dutch messages, status codes, authorization."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import (
    AccountToken,
    AuditEvent,
    CoachingAssignment,
    FunctionaryTheme,
    Role,
    User,
)
from exchange.reference.models import FundAllocation, Region, Theme
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from

GOOD_PASSWORD = "paarden eten graag wortels"


def link_path(message) -> str:
    match = re.search(r"http://127\.0\.0\.1:5000(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path, data, *, form_page=None):
    """POST like a browser: with the CSRF token taken from the page that holds the form."""
    return client.post(path, data={"csrf_token": csrf_token_from(client, form_page or path), **data})


def region(db, code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def theme(db, slug: str = "onderwijs-zorg") -> Theme:
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


@pytest.fixture
def admin(reference, make_user):
    return make_user("admin", name="Ada Beheer")


@pytest.fixture
def as_admin(client, auth, admin):
    auth.login(admin)
    return client


# --- signing in and out -----------------------------------------------------------------------------------------


def test_login_and_logout(client, auth, reference, make_user):
    user = make_user("staff", name="Sanne Staf")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = text(client.get("/account"))
    assert "Sanne Staf" in page and "regiomedewerker" in page
    assert auth.logout().status_code == 302
    assert client.get("/account").status_code == 302  # back to the login page


def test_login_failure_is_the_same_for_unknown_and_wrong(client, auth, reference, make_user):
    user = make_user("staff")
    wrong = auth.login(user, "verkeerd wachtwoord")
    unknown = auth.login("niemand@example.org", "verkeerd wachtwoord")
    assert wrong.status_code == unknown.status_code == 422
    message = "Het e-mailadres of het wachtwoord klopt niet."
    assert message in text(wrong) and message in text(unknown)
    assert client.get("/account").status_code == 302


def test_deactivated_account_cannot_sign_in(client, auth, reference, make_user):
    user = make_user("staff", active=False)
    response = auth.login(user)
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
    assert [m.recipients for m in outbox] == [[user.email]]
    malformed = post(client, "/wachtwoord-vergeten", {"email": "geen adres"})
    assert malformed.status_code == 422


def test_password_reset_flow(client, auth, reference, make_user, outbox):
    user = make_user("staff")
    post(client, "/wachtwoord-vergeten", {"email": user.email})
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


# --- administration: access ---------------------------------------------------------------------------------------

ADMIN_GETS = [
    "/beheer/",
    "/beheer/mensen",
    "/beheer/mensen/uitnodigen",
    "/beheer/logboek",
    "/beheer/referentie",
    "/beheer/regios/1",
    "/beheer/regios/1/plan",
    "/beheer/themas/1",
    "/beheer/fasen/1",
    "/beheer/themas/nieuw",
    "/beheer/regios/1/toekenningen/nieuw",
]


@pytest.mark.parametrize("role", ["staff", "functionary"])
def test_non_admins_get_403_on_every_admin_page(client, auth, reference, make_user, role):
    auth.login(make_user(role))
    for path in ADMIN_GETS:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "geen toestemming" in text(response)


def test_visitors_are_sent_to_the_login_page(client, reference):
    response = client.get("/beheer/mensen")
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen?next=")


def test_staff_posting_to_admin_urls_changes_nothing(client, auth, db, reference, make_user):
    staff = make_user("staff", region="JZ01")
    victim = make_user("staff", region="JZ02")
    coach = make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ02", None)])
    assignment = db.session.scalar(select(CoachingAssignment))
    auth.login(staff)
    token = csrf_token_from(client, "/account")
    attempts = [
        (f"/beheer/mensen/{victim.id}/deactiveren", {}),
        (f"/beheer/mensen/{victim.id}/rol", {"role": "admin", "region": ""}),
        (f"/beheer/mensen/{coach.id}/themas", {"themes": [theme(db).id]}),
        (f"/beheer/mensen/{coach.id}/toewijzingen", {"region": region(db, "JZ01").id, "theme": ""}),
        (f"/beheer/mensen/{coach.id}/toewijzingen/{assignment.id}/verwijderen", {}),
        ("/beheer/mensen/uitnodigen", {"email": "x@example.org", "role": "admin"}),
        (f"/beheer/regios/{region(db, 'JZ02').id}", {"display_name": "Gekaapt", "municipalities": "X"}),
        (f"/beheer/themas/{theme(db).id}", {"slug": "gekaapt", "name": "Gekaapt"}),
    ]
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    for path, data in attempts:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(User, victim.id).active and db.session.get(User, victim.id).role == Role.STAFF
    assert db.session.scalar(select(func.count(CoachingAssignment.id))) == 1
    assert region(db, "JZ02").display_name != "Gekaapt" and theme(db).slug == "onderwijs-zorg"
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "x@example.org")) == 0
    # only the staff member's own sign-in was recorded
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before


# --- administration: people -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "geen-adres", "role": "admin"}, "geen geldig e-mailadres"),
        ({"email": "a@example.org", "role": "staff"}, "precies één regio"),
        ({"email": "a@example.org", "role": "admin", "name": "x" * 121}, "Hoogstens 120"),
        ({"email": "a@example.org", "role": "koning"}, "Kies een van de mogelijkheden"),
        ({"email": "a@example.org", "role": "staff", "region": "abc"}, "Kies een van de mogelijkheden"),
        ({"email": "a@example.org", "role": "staff", "region": "99999"}, "Kies een van de mogelijkheden"),
    ],
)
def test_invite_form_refuses_bad_input(as_admin, db, outbox, data, message):
    response = post(as_admin, "/beheer/mensen/uitnodigen", data)
    assert response.status_code == 422 and message in text(response)
    assert db.session.scalar(select(func.count(User.id))) == 1 and outbox == []


def test_invite_of_existing_address_is_a_form_error(as_admin, db, admin):
    response = post(as_admin, "/beheer/mensen/uitnodigen", {"email": admin.email.upper(), "role": "admin"})
    assert response.status_code == 422 and "al een account" in text(response)


def test_people_list_filters_and_does_not_query_per_row(as_admin, db, make_user, query_counter):
    for i in range(3):
        make_user("staff", region="JZ01", name=f"Qstaf {i}")
    for i in range(12):
        make_user(
            "functionary",
            themes=["onderwijs-zorg"],
            coaches=[("JZ02", None), ("JZ03", "onderwijs-zorg")],
            name=f"Coach {i}",
        )
    with query_counter() as small:
        as_admin.get("/beheer/mensen?rol=staff")
    with query_counter() as large:
        page = text(as_admin.get("/beheer/mensen"))
    assert "Coach 11" in page and "Qstaf 2" in page
    assert large.count <= small.count + 2, large.statements
    staff_only = text(as_admin.get("/beheer/mensen?rol=staff"))
    assert "Qstaf 0" in staff_only and "Coach 0" not in staff_only
    by_region = text(as_admin.get(f"/beheer/mensen?regio={region(db, 'JZ02').id}"))
    assert "Coach 0" in by_region and "Qstaf 0" not in by_region
    assert "Qstaf 1" in text(as_admin.get("/beheer/mensen?q=qstaf+1"))
    assert "Qstaf" not in text(as_admin.get("/beheer/mensen?q=%25"))  # LIKE wildcards are literal


def test_people_list_is_paginated(as_admin, make_user):
    for i in range(30):
        make_user("admin", name=f"Persoon {i:02d}")
    first, second = text(as_admin.get("/beheer/mensen")), text(as_admin.get("/beheer/mensen?pagina=2"))
    assert "Persoon 00" in first and "Persoon 29" not in first and "Persoon 29" in second
    assert as_admin.get("/beheer/mensen?pagina=abc").status_code == 200


def test_admin_manages_a_functionary(as_admin, db, make_user):
    coach = make_user("functionary", name="Coen")
    oz, pg = theme(db), theme(db, "pleegzorg-gezinshuizen")
    assert (
        post(
            as_admin,
            f"/beheer/mensen/{coach.id}/themas",
            {"themes": [oz.id, pg.id]},
            form_page=f"/beheer/mensen/{coach.id}",
        ).status_code
        == 302
    )
    assert (
        post(
            as_admin,
            f"/beheer/mensen/{coach.id}/toewijzingen",
            {"region": region(db, "JZ07").id, "theme": oz.id},
            form_page=f"/beheer/mensen/{coach.id}",
        ).status_code
        == 302
    )
    not_linked = post(
        as_admin,
        f"/beheer/mensen/{coach.id}/toewijzingen",
        {"region": region(db, "JZ07").id, "theme": theme(db, "ambulantisering").id},
        form_page=f"/beheer/mensen/{coach.id}",
    )
    assert not_linked.status_code == 422
    double = post(
        as_admin,
        f"/beheer/mensen/{coach.id}/toewijzingen",
        {"region": region(db, "JZ07").id, "theme": oz.id},
        form_page=f"/beheer/mensen/{coach.id}",
    )
    assert double.status_code == 422 and "al op dit thema" in text(double)
    assignment = db.session.scalar(select(CoachingAssignment))
    assert (
        post(
            as_admin,
            f"/beheer/mensen/{coach.id}/toewijzingen/{assignment.id}/verwijderen",
            {},
            form_page=f"/beheer/mensen/{coach.id}",
        ).status_code
        == 302
    )
    assert db.session.scalar(select(func.count(CoachingAssignment.id))) == 0
    assert db.session.scalar(select(func.count(FunctionaryTheme.user_id))) == 2
    log = text(as_admin.get("/beheer/logboek"))
    assert "Toegewezen aan regio" in log and "Toewijzing ingetrokken" in log and "Gekoppeld aan thema" in log


def test_assignment_of_another_persons_id_is_404(as_admin, db, make_user):
    a = make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", None)])
    b = make_user("functionary")
    assignment = db.session.scalar(select(CoachingAssignment).where(CoachingAssignment.user_id == a.id))
    response = post(
        as_admin,
        f"/beheer/mensen/{b.id}/toewijzingen/{assignment.id}/verwijderen",
        {},
        form_page=f"/beheer/mensen/{b.id}",
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(CoachingAssignment.id))) == 1


def test_admin_changes_role_and_deactivates(as_admin, app, auth, db, make_user):
    user = make_user("staff", region="JZ01")
    other = app.test_client()
    auth.login(user, client=other)
    page = f"/beheer/mensen/{user.id}"
    missing_region = post(as_admin, f"{page}/rol", {"role": "staff", "region": ""}, form_page=page)
    assert missing_region.status_code == 422 and "precies één regio" in text(missing_region)
    assert (
        post(as_admin, f"{page}/rol", {"role": "functionary", "region": ""}, form_page=page).status_code
        == 302
    )
    assert db.session.get(User, user.id).role == Role.FUNCTIONARY
    assert post(as_admin, f"{page}/deactiveren", {}, form_page=page).status_code == 302
    assert other.get("/account").status_code == 302  # their session ended at once
    assert auth.login(user, client=other).status_code == 422
    assert post(as_admin, f"{page}/activeren", {}, form_page=page).status_code == 302
    assert auth.login(user, client=other).status_code == 302
    rows = text(as_admin.get("/beheer/logboek?actie=role_changed")).split("<tbody>")[1]
    assert "Rol of regio gewijzigd" in rows and "Account gedeactiveerd" not in rows


def test_admin_cannot_deactivate_themselves(as_admin, admin):
    page = f"/beheer/mensen/{admin.id}"
    response = post(as_admin, f"{page}/deactiveren", {}, form_page=page)
    assert response.status_code == 409 and "eigen account" in text(response)


def test_audit_log_shows_sign_ins_and_failures_without_passwords(as_admin, app, auth, make_user):
    user = make_user("staff")
    auth.login(user, "mijn geheime poging", client=app.test_client())
    log = text(as_admin.get("/beheer/logboek"))
    assert "Mislukte inlogpoging" in log and "Ingelogd" in log
    assert "mijn geheime poging" not in log and "argon2" not in log


# --- administration: reference data -----------------------------------------------------------------------------


def test_admin_corrects_a_region_and_it_is_audited(as_admin, db):
    jz01 = region(db, "JZ01")
    path = f"/beheer/regios/{jz01.id}"
    response = post(
        as_admin,
        path,
        {
            "display_name": "Groningen (correctie)",
            "display_name_note": "",
            "central_municipality": "Groningen",
            "municipalities": "Groningen\nHaren\n\n",
            "unverified": ["municipalities"],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    jz01 = region(db, "JZ01")
    assert jz01.display_name == "Groningen (correctie)" and jz01.municipalities == ["Groningen", "Haren"]
    assert "municipalities" in jz01.unverified and "display_name" not in jz01.unverified
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reference_edited"))
    assert event.details["kind"] == "region" and "display_name" in event.details["fields"]
    public = text(as_admin.get(f"/regios/{jz01.slug}"))
    assert "Groningen (correctie)" in public and "niet geverifieerd" in public


def test_region_form_refuses_bad_input(as_admin, db):
    jz01 = region(db, "JZ01")
    path = f"/beheer/regios/{jz01.id}"
    for data in (
        {"display_name": "", "municipalities": "A"},
        {"display_name": "x" * 121, "municipalities": "A"},
        {"display_name": "Ok", "municipalities": "A\na"},
    ):
        assert post(as_admin, path, data).status_code == 422
    db.session.expire_all()
    assert region(db, "JZ01").display_name == jz01.display_name


def test_admin_edits_theme_phase_plan_and_allocations(as_admin, db):
    oz = theme(db)
    clash = post(as_admin, f"/beheer/themas/{oz.id}", {"slug": "pleegzorg-gezinshuizen", "name": "X"})
    assert clash.status_code == 422 and "al een thema" in text(clash)
    bad_slug = post(as_admin, "/beheer/themas/nieuw", {"slug": "Geen Slug!", "name": "X"})
    assert bad_slug.status_code == 422
    assert (
        post(
            as_admin,
            "/beheer/themas/nieuw",
            {"slug": "nieuw-thema", "name": "Nieuw thema", "action_line": "", "position": "99"},
        ).status_code
        == 302
    )
    assert db.session.scalar(select(Theme).where(Theme.slug == "nieuw-thema")).position == 99

    jz02 = region(db, "JZ02")
    lines = [x.id for x in jz02.plan.action_lines] if jz02.plan else []
    from exchange.reference.models import ActionLine

    line_ids = [x.id for x in db.session.scalars(select(ActionLine).order_by(ActionLine.number))]
    response = post(
        as_admin,
        f"/beheer/regios/{jz02.id}/plan",
        {
            "title": "Samen sterk",
            "period_start": "2019",
            "period_end": "2021",
            "summary": "S",
            "url": "https://example.org/plan.pdf",
            "approved_on": "2018-11-23",
            "action_lines": line_ids[:2],
            "verified": "y",
        },
    )
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    plan = region(db, "JZ02").plan
    assert (
        plan.title == "Samen sterk" and [x.number for x in plan.action_lines] == [1, 2] and not plan.is_demo
    )
    assert lines is not None
    backwards = post(
        as_admin, f"/beheer/regios/{jz02.id}/plan", {"period_start": "2021", "period_end": "2019"}
    )
    assert backwards.status_code == 422
    bad_url = post(as_admin, f"/beheer/regios/{jz02.id}/plan", {"url": "javascript:alert(1)"})
    assert bad_url.status_code == 422

    path = f"/beheer/regios/{jz02.id}/toekenningen/nieuw"
    assert (
        post(
            as_admin, path, {"basis": "annual", "amount_eur": "1200000", "approx_label": "1,2 miljoen"}
        ).status_code
        == 302
    )
    double = post(as_admin, path, {"basis": "annual", "amount_eur": "1", "approx_label": "1"})
    assert double.status_code == 422
    negative = post(as_admin, path, {"basis": "total", "amount_eur": "-5", "approx_label": "min"})
    assert negative.status_code == 422
    allocation = db.session.scalar(select(FundAllocation).where(FundAllocation.region_id == jz02.id))
    edit = f"/beheer/toekenningen/{allocation.id}"
    assert (
        post(
            as_admin, edit, {"basis": "annual", "amount_eur": "1300000", "approx_label": "1,3 miljoen"}
        ).status_code
        == 302
    )
    assert post(as_admin, f"{edit}/verwijderen", {}, form_page=edit).status_code == 302
    assert db.session.get(FundAllocation, allocation.id) is None

    from exchange.reference.models import CyclePhase

    phase = db.session.scalar(select(CyclePhase).order_by(CyclePhase.position))
    assert (
        post(
            as_admin,
            f"/beheer/fasen/{phase.id}",
            {"name": phase.name, "guiding_question": "Waarom?", "verified": "y"},
        ).status_code
        == 302
    )
    kinds = [
        e.details["kind"]
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reference_edited").order_by(AuditEvent.id)
        )
    ]
    assert kinds == ["theme", "plan", "allocation", "allocation", "allocation", "phase"]


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


def test_admin_home_warns_about_mail_that_could_not_be_sent(as_admin, db):
    from exchange.mail.models import OutgoingMail

    assert "wacht op een nieuwe poging" not in text(as_admin.get("/beheer/"))
    db.session.add(
        OutgoingMail(
            key="d" * 32,
            recipients="iemand@example.org",
            sender="noreply@example.org",
            subject="S",
            template="invitation",
            message=b"x",
            attempts=2,
            last_error="SMTPRecipientsRefused: 550 Mailbox unavailable",
        )
    )
    db.session.add(
        OutgoingMail(
            key="e" * 32,
            recipients="ander@example.org",
            sender="noreply@example.org",
            subject="S",
            template="invitation",
            message=b"x",
        )
    )  # still its sender's
    db.session.commit()
    page = text(as_admin.get("/beheer/"))
    assert "1 e-mail kon niet worden verstuurd en wacht op een nieuwe poging" in page
    assert "550 Mailbox unavailable" in page
