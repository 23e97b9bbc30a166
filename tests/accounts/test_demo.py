"""Demo accounts from `flask seed demo`: every role present, able to sign in, created once."""

from __future__ import annotations

from sqlalchemy import select

from exchange.accounts.models import Role, User
from exchange.reference.seeding import SeedReport
from exchange.seed.services import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, load_demo_users


def test_demo_accounts_cover_every_role_and_sign_in(reference, db, client, auth):
    report = SeedReport()
    load_demo_users(report)
    db.session.commit()
    users = list(db.session.scalars(select(User)))
    assert report.created["demo-accounts"] == len(users) == 6
    assert all(u.email.endswith("@" + DEMO_EMAIL_DOMAIN) for u in users)
    assert {u.role for u in users} == set(Role)
    coach = next(u for u in users if u.email.startswith("functionaris.pleegzorg@"))
    assert sorted(t.slug for t in coach.themes) == [
        "lokale-teams-toegang",
        "onderwijs-zorg",
        "pleegzorg-gezinshuizen",
    ]
    assert {(a.region.code, a.theme.slug if a.theme else None) for a in coach.assignments} == {
        ("JZ38", None),
        ("JZ01", "onderwijs-zorg"),
    }
    assert auth.login(f"beheerder@{DEMO_EMAIL_DOMAIN}", DEMO_PASSWORD).status_code == 302
    assert client.get("/beheer/mensen").status_code == 200


def test_demo_accounts_are_created_once(reference, db):
    load_demo_users(SeedReport())
    db.session.commit()
    again = SeedReport()
    load_demo_users(again)
    assert not again.created and again.unchanged["demo-accounts"] == 6
