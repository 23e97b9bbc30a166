"""Fixtures for search tests: reference data with the default synonyms, a practice factory, and searching."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
from exchange.policy import SYSTEM
from exchange.reference.models import CyclePhase, Region, Theme


@dataclass
class World:
    region: Region  # Rijnmond
    other_region: Region  # Zeeland
    theme: Theme  # onderwijs-zorg
    other_theme: Theme  # pleegzorg-gezinshuizen
    phases: list[CyclePhase]


@pytest.fixture
def world(reference, db) -> World:
    """Reference data, the shipped synonyms, and the regions and themes the tests use."""
    from exchange.search import outbox, synonyms
    from exchange.search.queries import current_index

    synonyms.load_defaults()
    db.session.commit()
    # A deployment builds the index once (`flask search reindex`); from then on every commit keeps it true.
    current_index().ensure()
    outbox.apply_pending()
    return World(
        region=db.session.scalar(select(Region).where(Region.code == "JZ29")),
        other_region=db.session.scalar(select(Region).where(Region.code == "JZ38")),
        theme=db.session.scalar(select(Theme).where(Theme.slug == "onderwijs-zorg")),
        other_theme=db.session.scalar(select(Theme).where(Theme.slug == "pleegzorg-gezinshuizen")),
        phases=list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position))),
    )


@pytest.fixture
def make_practice(db, world):
    """make_practice(title, body="", status="published"|"draft"|"archived", region=, themes=, phase=, ...)."""
    from exchange.practices import services

    def make(
        title="Thuiszitterstafel",
        body="",
        *,
        status="published",
        region=None,
        themes=None,
        phase=None,
        summary="Een aanpak uit de praktijk.",
        commit=True,
        **fields,
    ):
        data = services.PracticeData(
            title=title,
            summary=summary,
            body=body,
            themes=themes or [world.theme],
            phase=phase or world.phases[0],
            **fields,
        )
        practice = services.create_practice(SYSTEM, region or world.region, data)
        if status in ("published", "archived"):
            services.publish_practice(SYSTEM, practice)
        if status == "archived":
            services.archive_practice(SYSTEM, practice)
        if commit:
            db.session.commit()
        return practice

    return make


@pytest.fixture
def people(db, world):
    """Staff of the practice region and of another region, coaches (assigned per theme, for all themes, elsewhere)."""

    def person(email, role, region_id=None):
        user = User(email=email, role=role, region_id=region_id, name=email.split("@")[0], password_hash="x")
        db.session.add(user)
        return user

    staff = person("staff@rijnmond.test", Role.STAFF, world.region.id)
    other_staff = person("staff@zeeland.test", Role.STAFF, world.other_region.id)
    coach = person("coach@ozj.test", Role.FUNCTIONARY)
    coach_all = person("coach-all@ozj.test", Role.FUNCTIONARY)
    coach_other_theme = person("coach-theme@ozj.test", Role.FUNCTIONARY)
    other_coach = person("other-coach@ozj.test", Role.FUNCTIONARY)
    admin = person("admin@ozj.test", Role.ADMIN)
    db.session.flush()
    db.session.add_all(
        [
            CoachingAssignment(user_id=coach.id, region_id=world.region.id, theme_id=world.theme.id),
            FunctionaryTheme(user_id=coach_all.id, theme_id=world.theme.id),
            CoachingAssignment(user_id=coach_all.id, region_id=world.region.id, theme_id=None),
            # Coaches the region, but on another theme: may not see drafts on world.theme.
            CoachingAssignment(
                user_id=coach_other_theme.id, region_id=world.region.id, theme_id=world.other_theme.id
            ),
            FunctionaryTheme(user_id=other_coach.id, theme_id=world.theme.id),
            CoachingAssignment(
                user_id=other_coach.id, region_id=world.other_region.id, theme_id=world.theme.id
            ),
        ]
    )
    db.session.commit()
    return {
        "anonymous": None,
        "staff": staff,
        "other_staff": other_staff,
        "coach": coach,
        "coach_all": coach_all,
        "coach_other_theme": coach_other_theme,
        "other_coach": other_coach,
        "admin": admin,
    }


@pytest.fixture
def search(app):
    """search(q, user=None, **params) -> SearchOutcome for practices (soort=None: everything), as the page runs it."""
    from werkzeug.datastructures import MultiDict

    from exchange.search import parsing, queries

    def run(q="", user=None, **params):
        args = MultiDict([("q", q)])
        # Practices unless asked otherwise: themes and regions are documents too and would match as well.
        params.setdefault("soort", "praktijk")
        for key, value in params.items():
            if value is None:
                continue
            for item in value if isinstance(value, (list, tuple)) else [value]:
                args.add(key, str(item))
        with app.test_request_context("/zoeken"):
            return queries.search(user, parsing.read_request(args))

    return run


def titles(outcome) -> list[str]:
    return [hit.title for hit in outcome.hits]


def login(client, user) -> None:
    """Sign a test client in by setting the Flask-Login session (the login form is tested in accounts)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def pytest_collection_modifyitems(config, items):
    """Browser tests here run exactly when tests/browser runs (a run with --ignore=tests/browser leaves them out)."""
    ignored = [str(path).rstrip("/") for path in (config.getoption("ignore") or [])]
    if not any(path.endswith("tests/browser") for path in ignored):
        return
    ours = [item for item in items if item.get_closest_marker("browser") and "tests/search" in str(item.path)]
    if ours:
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if item not in ours]
