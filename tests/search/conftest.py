"""Fixtures for search tests: the test world (tests/world) with the default synonyms and a built index, its
cast plus a coach on another theme, a practice factory, and searching as the page does."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role
from exchange.policy import SYSTEM
from tests.world import Cast, Places, person, places


@pytest.fixture
def world(reference, db) -> Places:
    """The world's places (Rijnmond and Zeeland; onderwijs-zorg and pleegzorg-gezinshuizen; the phases), with
    the shipped synonyms and a built index."""
    from exchange.search import outbox, synonyms
    from exchange.search.queries import current_index

    synonyms.load_defaults()
    db.session.commit()
    # A deployment builds the index once (`flask search reindex`); from then on every commit keeps it true.
    current_index().ensure()
    outbox.apply_pending()
    return places()


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
def people(db, world, cast: Cast) -> dict:
    """Everyone whose search differs, by name: a visitor (None), the standard cast (staff of the practice
    region and of another region, coaches per theme, for all themes and elsewhere, an administrator) and a
    coach of the practice region on another theme. All sign in with tests.web.login."""
    # Coaches the region, but on another theme: may not see drafts on world.theme.
    coach_other_theme = person(
        "coach-theme@ozj.example", Role.FUNCTIONARY, coaches=[(world.region, world.other_theme)]
    )
    db.session.commit()
    return {
        "anonymous": None,
        "staff": cast.staff,
        "other_staff": cast.other_staff,
        "coach": cast.coach,
        "coach_all": cast.coach_all_themes,
        "coach_other_theme": coach_other_theme,
        "other_coach": cast.other_coach,
        "admin": cast.admin,
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


def pytest_collection_modifyitems(config, items):
    """Browser tests here run exactly when tests/browser runs (a run with --ignore=tests/browser leaves them out)."""
    ignored = [str(path).rstrip("/") for path in (config.getoption("ignore") or [])]
    if not any(path.endswith("tests/browser") for path in ignored):
        return
    ours = [item for item in items if item.get_closest_marker("browser") and "tests/search" in str(item.path)]
    if ours:
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if item not in ours]
