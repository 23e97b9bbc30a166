"""Map data per map: one value, class and text per region, with the same visibility as the lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.database import utcnow
from exchange.maps import data as maps
from exchange.reference.models import ActionLine, Region, TransformationPlan


@pytest.fixture
def request_ctx(app):
    """A request context (gettext and url_for need one), without a signed-in user."""
    with app.test_request_context("/"):
        yield


def by_code(map_data) -> dict[str, maps.RegionValue]:
    return {r.code: r for r in map_data.regions}


def test_activity_counts_published_for_visitors_and_own_drafts_for_staff(cast, make_practice, request_ctx):
    make_practice("Gepubliceerd", publish=True)
    make_practice("Concept")

    visitor, staff = by_code(maps.activity_map(None)), by_code(maps.activity_map(cast.staff))

    assert len(visitor) == 42
    assert visitor["JZ29"].value == 1 and visitor["JZ29"].class_key == "1-2"
    assert visitor["JZ29"].text == "1 praktijkvoorbeeld" and visitor["JZ29"].label == "1"
    assert staff["JZ29"].value == 2  # the region's own draft was worked on recently
    assert visitor["JZ38"].value == 0 and visitor["JZ38"].class_key == "geen" and visitor["JZ38"].label == ""


def test_activity_leaves_out_drafts_untouched_for_90_days(cast, make_practice, db, request_ctx):
    old = make_practice("Oud concept")
    old.updated_at = utcnow() - timedelta(days=91)
    db.session.commit()
    assert by_code(maps.activity_map(cast.staff))["JZ29"].value == 0


def test_activity_classes_are_0_then_1_2_3_5_6_plus(cast, make_practice, request_ctx):
    for i in range(6):
        make_practice(f"Praktijk {i}", publish=True)
    result = maps.activity_map(None)
    assert by_code(result)["JZ29"].class_key == "6+"
    assert [c.key for c in result.classes] == ["geen", "1-2", "3-5", "6+"]
    assert result.cls("geen").pattern == "hatch"
    assert {c.key: c.count for c in result.classes} == {"geen": 41, "1-2": 0, "3-5": 0, "6+": 1}


def test_theme_map_shows_the_furthest_visible_phase_within_the_theme(cast, make_practice, request_ctx):
    make_practice("Begin", publish=True, phase=cast.phases[0])
    make_practice("Verder", publish=True, phase=cast.phases[2])
    make_practice("Concept verst", phase=cast.phases[4])
    make_practice("Ander thema", publish=True, phase=cast.phases[5], themes=[cast.other_theme])

    visitor = by_code(maps.theme_map(None, cast.theme))
    staff = by_code(maps.theme_map(cast.staff, cast.theme))

    assert (
        visitor["JZ29"].value == 3 and visitor["JZ29"].class_key == "fase-3" and visitor["JZ29"].label == "3"
    )
    assert visitor["JZ29"].note == "2 praktijkvoorbeelden"
    assert staff["JZ29"].value == 5  # the staff member sees the region's own draft
    assert visitor["JZ38"].class_key == "geen" and visitor["JZ38"].value is None


def test_action_line_map_separates_addresses_other_lines_and_unknown(cast, db, request_ctx):
    line4 = db.session.scalar(select(ActionLine).where(ActionLine.number == 4))
    line1 = db.session.scalar(select(ActionLine).where(ActionLine.number == 1))
    plans = {p.region.code: p for p in db.session.scalars(select(TransformationPlan))}
    plans["JZ29"].action_lines = [line1, line4]
    plans["JZ38"].action_lines = [line1]
    db.session.commit()

    result = by_code(maps.action_line_map(line4))

    assert result["JZ29"].class_key == "ja" and result["JZ38"].class_key == "nee"
    assert result["JZ01"].class_key == "onbekend" and result["JZ01"].value is None


def test_action_line_4_has_the_19_demo_plans(reference, db, request_ctx):
    from exchange.reference.seeding import SeedReport
    from exchange.seed.services import load_demo_plans, read_demo_file

    load_demo_plans(read_demo_file()["plans"], SeedReport())
    db.session.commit()
    line4 = db.session.scalar(select(ActionLine).where(ActionLine.number == 4))
    result = maps.action_line_map(line4)
    assert result.cls("ja").count == 19
    assert result.footnote  # demo links are said to be demo


def test_fund_map_shows_known_amounts_per_year_and_unknown_never_as_zero(reference, request_ctx):
    result = maps.fund_map()
    regions = by_code(result)
    assert regions["JZ29"].value == 2_700_000 and regions["JZ29"].class_key == "eur-3"
    assert "per jaar" in regions["JZ29"].text
    # Gooi en Vechtstreek: only a total for 2018-2020 is known; coloured by a third of it, said so in the text.
    assert regions["JZ16"].value == 500_000 and regions["JZ16"].class_key == "eur-1"
    assert "2018–2020" in regions["JZ16"].text and "per jaar" in regions["JZ16"].text
    assert regions["JZ01"].value is None and regions["JZ01"].class_key == "onbekend"
    assert regions["JZ01"].text == "onbekend"
    assert result.cls("onbekend").pattern == "dots" and result.cls("onbekend").count == 39


def test_coaching_map_highlights_the_functionarys_regions(cast, request_ctx):
    coach = by_code(maps.coaching_map(cast.coach))
    coach_all = by_code(maps.coaching_map(cast.coach_all_themes))
    assert coach["JZ29"].class_key == "ja" and coach["JZ29"].note == cast.theme.name
    assert coach["JZ38"].class_key == "nee"
    assert coach_all["JZ29"].note == "al uw thema's"
    assert sum(r.class_key == "ja" for r in coach.values()) == 1


def test_region_without_geometry_is_kept_and_listed_off_the_map(reference, db, request_ctx):
    from exchange.maps.render import split_regions

    db.session.add(
        Region(
            code="JZ99",
            slug="nieuwe-regio",
            name="Nieuwe regio",
            display_name="Nieuwe regio",
            province="Utrecht",
        )
    )
    db.session.commit()
    on_map, off_map = split_regions(maps.activity_map(None))
    assert len(on_map) == 42
    assert [r.code for r in off_map] == ["JZ99"]
