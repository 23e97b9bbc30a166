"""Fixtures for practice tests: a cast of people around one region and a practice factory."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
from exchange.practices import services
from exchange.reference.models import CyclePhase, Region, Theme


@dataclass
class Cast:
    region: Region
    other_region: Region
    theme: Theme
    other_theme: Theme
    phases: list[CyclePhase]
    staff: User
    other_staff: User
    coach: User
    coach_all_themes: User
    other_coach: User
    admin: User


@pytest.fixture
def cast(reference, db) -> Cast:
    """Rijnmond with its staff and coaches, Zeeland's staff, an unassigned coach and an administrator."""
    region = db.session.scalar(select(Region).where(Region.code == "JZ29"))
    other_region = db.session.scalar(select(Region).where(Region.code == "JZ38"))
    theme = db.session.scalar(select(Theme).where(Theme.slug == "onderwijs-zorg"))
    other_theme = db.session.scalar(select(Theme).where(Theme.slug == "pleegzorg-gezinshuizen"))
    phases = list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)))

    def person(email, role, region_id=None, name=""):
        user = User(email=email, role=role, region_id=region_id, name=name or email.split("@")[0])
        db.session.add(user)
        return user

    staff = person("staff@rijnmond.test", Role.STAFF, region.id, "Sanne Staf")
    other_staff = person("staff@zeeland.test", Role.STAFF, other_region.id)
    coach = person("coach@ozj.test", Role.FUNCTIONARY, name="Coen Coach")
    coach_all = person("coach-all@ozj.test", Role.FUNCTIONARY)
    other_coach = person("other-coach@ozj.test", Role.FUNCTIONARY)
    admin = person("admin@ozj.test", Role.ADMIN)
    db.session.flush()
    db.session.add_all(
        [
            CoachingAssignment(user_id=coach.id, region_id=region.id, theme_id=theme.id),
            FunctionaryTheme(user_id=coach_all.id, theme_id=theme.id),
            CoachingAssignment(user_id=coach_all.id, region_id=region.id, theme_id=None),
            FunctionaryTheme(user_id=other_coach.id, theme_id=theme.id),
            CoachingAssignment(user_id=other_coach.id, region_id=other_region.id, theme_id=theme.id),
        ]
    )
    db.session.commit()
    return Cast(
        region,
        other_region,
        theme,
        other_theme,
        phases,
        staff,
        other_staff,
        coach,
        coach_all,
        other_coach,
        admin,
    )


@pytest.fixture
def make_practice(db, cast):
    """Create a practice in the cast's region through the service (draft unless `publish=True`)."""

    def make(title="Thuiszitterstafel", *, publish=False, themes=None, region=None, actor=None, **fields):
        data = services.PracticeData(
            title=title,
            summary=fields.pop(
                "summary", "Onderwijs en jeugdhulp zoeken samen een plek voor elke thuiszitter."
            ),
            themes=themes or [cast.theme],
            phase=fields.pop("phase", cast.phases[0]),
            **fields,
        )
        practice = services.create_practice(actor or cast.staff, region or cast.region, data)
        if publish:
            services.publish_practice(actor or cast.staff, practice)
        db.session.commit()
        return practice

    return make


def login(client, user) -> None:
    """Sign a test client in as `user` by setting the Flask-Login session (the login form is tested in accounts)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
