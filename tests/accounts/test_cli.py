"""`flask users create` and `flask users assign`: valid combinations work, wrong ones fail cleanly and create nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import AuditEvent, CoachingAssignment, FunctionaryTheme, Role, User
from exchange.accounts.passwords import verify_password

PASSWORD = "paarden eten graag wortels"


def users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_create_staff_with_prompted_password(runner, reference, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Sanne@Example.org",
            "--role",
            "staff",
            "--name",
            "Sanne",
            "--region",
            "JZ01",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Account aangemaakt: sanne@example.org" in result.output
    assert PASSWORD not in result.output  # the prompt does not echo
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.region.code, user.name) == (
        "sanne@example.org",
        Role.STAFF,
        "JZ01",
        "Sanne",
    )
    assert verify_password(user.password_hash, PASSWORD)
    event = db.session.scalar(select(AuditEvent))
    assert event.action == "user_created" and event.actor_id is None and event.details["via"] == "cli"


def test_create_functionary_with_themes_from_stdin(runner, reference, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "coach@example.org",
            "--role",
            "functionary",
            "--theme",
            "onderwijs-zorg",
            "--theme",
            "pleegzorg-gezinshuizen",
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert sorted(t.slug for t in user.themes) == ["onderwijs-zorg", "pleegzorg-gezinshuizen"]


def test_region_by_slug_and_admin(runner, reference, db):
    assert (
        runner.invoke(
            args=["users", "create", "a@example.org", "--role", "admin", "--password-stdin"],
            input=f"{PASSWORD}\n",
        ).exit_code
        == 0
    )
    result = runner.invoke(
        args=[
            "users",
            "create",
            "b@example.org",
            "--role",
            "staff",
            "--region",
            "groningen",
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert users(db) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x@example.org", "--role", "staff"], "precies één regio"),
        (["x@example.org", "--role", "staff", "--region", "JZ99"], "Onbekende regio: JZ99"),
        (["x@example.org", "--role", "functionary", "--region", "JZ01"], "hoort niet bij één regio"),
        (
            ["x@example.org", "--role", "functionary", "--theme", "bestaat-niet"],
            "Onbekend thema: bestaat-niet",
        ),
        (
            ["x@example.org", "--role", "staff", "--region", "JZ01", "--theme", "onderwijs-zorg"],
            "Alleen themafunctionarissen",
        ),
        (["x@example.org", "--role", "admin", "--region", "JZ01"], "Een beheerder hoort niet bij een regio"),
        (["geen-adres", "--role", "admin"], "geen geldig e-mailadres"),
        (["x@example.org", "--role", "koning"], "Invalid value for '--role'"),
    ],
)
def test_wrong_combinations_fail_and_create_nothing(runner, reference, db, args, message):
    result = runner.invoke(args=["users", "create", *args, "--password-stdin"], input=f"{PASSWORD}\n")
    assert result.exit_code != 0
    assert message in result.output
    assert users(db) == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [("kort", "minstens 12"), ("wachtwoord123!", "gangbaar"), ("", "Geen wachtwoord")],
)
def test_weak_password_fails(runner, reference, db, password, message):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "admin", "--password-stdin"],
        input=f"{password}\n",
    )
    assert result.exit_code != 0 and message in result.output
    assert users(db) == 0


def test_mismatched_prompt_confirmation_asks_again(runner, reference, db):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "admin"],
        input=f"{PASSWORD}\nanders\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert users(db) == 1


def test_duplicate_email_fails_before_asking_a_password(runner, reference, db, make_user):
    make_user("admin", email="bestaat@example.org")
    result = runner.invoke(args=["users", "create", "Bestaat@example.org", "--role", "admin"], input="")
    assert result.exit_code == 1 and "Fout: Er bestaat al een account" in result.output
    assert users(db) == 1


def test_assign_per_theme_and_for_all_themes(runner, reference, db, make_user):
    coach = make_user("functionary", themes=["onderwijs-zorg"])
    result = runner.invoke(
        args=["users", "assign", coach.email, "--region", "JZ01", "--theme", "onderwijs-zorg"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "assign", coach.email, "--region", "zeeland"])
    assert result.exit_code == 0 and "al zijn of haar thema's" in result.output
    pairs = {(a.region.code, a.theme_id is None) for a in db.session.scalars(select(CoachingAssignment))}
    assert pairs == {("JZ01", False), ("JZ38", True)}


@pytest.mark.parametrize(
    ("who", "args", "message"),
    [
        ("coach", ["--region", "JZ99"], "Onbekende regio"),
        ("coach", ["--region", "JZ01", "--theme", "pleegzorg-gezinshuizen"], "Koppel de functionaris eerst"),
        ("coach", ["--region", "JZ01", "--theme", "geen-thema"], "Onbekend thema"),
        ("staff", ["--region", "JZ01"], "Alleen themafunctionarissen"),
        ("nobody", ["--region", "JZ01"], "Geen account met e-mailadres"),
    ],
)
def test_assign_refuses_wrong_input(runner, reference, db, make_user, who, args, message):
    people = {"coach": make_user("functionary", themes=["onderwijs-zorg"]), "staff": make_user("staff")}
    email = people[who].email if who in people else "niemand@example.org"
    result = runner.invoke(args=["users", "assign", email, *args])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count(CoachingAssignment.id))) == 0
    assert db.session.scalar(select(func.count(FunctionaryTheme.user_id))) == 1


def test_assign_twice_is_a_clear_error(runner, reference, db, make_user):
    coach = make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", None)])
    result = runner.invoke(args=["users", "assign", coach.email, "--region", "JZ01"])
    assert result.exit_code == 1 and "al op al zijn of haar thema's" in result.output


def test_purge_audit_deletes_old_events_and_strips_addresses_from_older_ones(
    runner, reference, db, make_user
):
    from datetime import timedelta

    from exchange.database import utcnow

    user = make_user("staff", region="JZ01")
    now = utcnow()

    def event(days_ago: int, action: str, **details) -> AuditEvent:
        row = AuditEvent(
            action=action,
            subject_id=user.id,
            ip="192.0.2.7",
            details=details,
            created_at=now - timedelta(days=days_ago),
        )
        db.session.add(row)
        return row

    ancient = event(400, "login")
    typed = event(100, "login_failed", reason="unknown", email="typfout@example.org")
    older = event(100, "login")
    recent = event(10, "login_failed", reason="unknown", email="vers@example.org")
    db.session.commit()
    ids = {
        name: row.id
        for name, row in {"ancient": ancient, "typed": typed, "older": older, "recent": recent}.items()
    }

    result = runner.invoke(args=["users", "purge-audit"])
    assert result.exit_code == 0, result.output
    assert (
        "1 logboekregels ouder dan 365 dagen verwijderd" in result.output
        and "uit 2 oudere regels" in result.output
    )

    db.session.expire_all()
    assert db.session.get(AuditEvent, ids["ancient"]) is None
    typed, older, recent = (db.session.get(AuditEvent, ids[n]) for n in ("typed", "older", "recent"))
    assert typed.ip is None and typed.details == {"reason": "unknown"}  # what happened stays
    assert older.ip is None and older.action == "login"
    assert recent.ip == "192.0.2.7" and recent.details["email"] == "vers@example.org"
    # A second run finds nothing more to do.
    assert "0 logboekregels" in runner.invoke(args=["users", "purge-audit"]).output


def test_purge_audit_refuses_unexpected_arguments(runner, reference, db):
    result = runner.invoke(args=["users", "purge-audit", "--days", "3"])
    assert result.exit_code == 2 and "No such option" in result.output
