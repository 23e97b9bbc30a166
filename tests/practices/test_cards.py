"""Cards from plain rows: the same HTML as from full practices, the same practices per phase and per theme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import update

from exchange.extensions import db
from exchange.practices import cards, queries
from exchange.practices.models import Practice

CARD = '{% from "practices/_macros.html" import practice_card %}{% for p in items %}{{ practice_card(p) }}{% endfor %}'


@pytest.fixture
def many(cast, make_practice):
    """14 practices over two phases (12 published, 2 drafts), with distinct update times; some on two themes."""
    made = []
    for n in range(14):
        made.append(
            make_practice(
                f"Praktijk {n:02d}",
                publish=n % 7 != 3,
                phase=cast.phases[n % 2],
                themes=[cast.theme, cast.other_theme] if n % 3 == 0 else [cast.theme],
            )
        )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n, practice in enumerate(made):
        db.session.execute(
            update(Practice).where(Practice.id == practice.id).values(updated_at=start + timedelta(days=n))
        )
    db.session.commit()
    return made


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_cards_render_exactly_like_full_practices(app, cast, many, lang):
    ids = [p.id for p in many]
    with app.test_request_context(f"/?lang={lang}"):
        full = queries.list_practices(cast.admin, order="title")
        html_full = render_template_string(CARD, items=full)
        html_cards = render_template_string(CARD, items=cards.load([p.id for p in full]))
    assert html_full == html_cards
    assert "Praktijk 00" in html_cards and len(full) == len(ids)


def test_cards_keep_the_order_asked_and_skip_missing_ids(app, many):
    ids = [many[5].id, 10**9, many[2].id]
    with app.test_request_context("/"):
        assert [c.id for c in cards.load(ids)] == [many[5].id, many[2].id]
        assert cards.load([]) == []


@pytest.mark.parametrize("who", ["visitor", "staff", "admin"])
def test_per_phase_matches_the_windowed_query(app, cast, many, who):
    user = {"visitor": None, "staff": cast.staff, "admin": cast.admin}[who]
    for per_phase in (1, 3, 10):
        with app.test_request_context("/"):
            expected = queries.practices_per_phase(user, per_phase=per_phase, theme_id=cast.theme.id)
            got = cards.per_phase(
                user, [p.id for p in cast.phases], per_phase=per_phase, theme_id=cast.theme.id
            )
        key = lambda p: (p.phase_id, -p.updated_at.timestamp(), -p.id)
        assert [p.id for p in sorted(got, key=key)] == [p.id for p in sorted(expected, key=key)]
    if who == "visitor":
        assert all(c.status.value == "published" for c in got)


def test_per_phase_filters_on_the_theme(app, cast, many):
    with app.test_request_context("/"):
        other = cards.per_phase(None, [p.id for p in cast.phases], per_phase=10, theme_id=cast.other_theme.id)
    assert other and all(cast.other_theme.id in {t.id for t in c.themes} for c in other)


@pytest.mark.parametrize("who", ["visitor", "staff"])
def test_per_theme_matches_the_full_practices(app, cast, many, who):
    user = {"visitor": None, "staff": cast.staff}[who]
    with app.test_request_context("/"):
        grouped, counts = queries.practices_per_theme(user, region_id=cast.region.id, per_theme=4)
        got, got_counts = cards.per_theme(user, region_id=cast.region.id, per_theme=4)
    assert got_counts == counts
    assert {k: [p.id for p in v] for k, v in got.items()} == {
        k: [p.id for p in v] for k, v in grouped.items()
    }


def test_a_region_newer_than_the_snapshot_reloads_it(app, db, cast, make_practice):
    """A practice in a region committed after the request's snapshot was taken still gets its card (no 500)."""
    from flask import request

    from exchange.caching import version
    from exchange.reference import cache
    from exchange.reference.models import Region

    with app.test_request_context("/"):
        names = cache.snapshot()
        region = Region(
            code="JZ99", slug="nieuwe-regio", name="Nieuw", display_name="Nieuwe regio", province="Utrecht"
        )
        db.session.add(region)
        db.session.commit()
        practice = make_practice("In een nieuwe regio", publish=True)
        db.session.execute(update(Practice).where(Practice.id == practice.id).values(region_id=region.id))
        db.session.commit()
        # This request's own commits make it read the version afresh (version.for_request); the race is with
        # another worker's commit after this request read the version: as if the version were read before.
        request.environ[version.REQUEST_KEY] = names.version
        assert region.id not in names.region_by_id and cache.snapshot() is names
        (card,) = cards.load([practice.id])
    assert card.region.display_name == "Nieuwe regio"
