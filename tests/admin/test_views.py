"""Administration screens under /beheer: access for each role, people, coaching assignments, reference data
and the admin home; flows through the real forms (moved from tests/accounts until the screens find their domain)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import AuditEvent, CoachingAssignment, FunctionaryTheme, Role, User
from exchange.reference.models import FundAllocation, Region, Theme
from tests import world
from tests.web import csrf_token_from, post, text


def region(db, code: str) -> Region:
    return world.region(code)


def theme(db, slug: str = "onderwijs-zorg") -> Theme:
    return world.theme(slug)


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
        assert "Alleen beheerders kunnen dit." in text(response), path  # the 403 says why (issue 12)


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
    assert auth.login(user, client=other, check=False).status_code == 422
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
    auth.login(user, "mijn geheime poging", client=app.test_client(), check=False)
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
