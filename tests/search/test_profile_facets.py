"""Search facets of the practice profile (issue 17): the age range overlaps a chosen range, evidence level and
youth participation as facets with counts; bad values are dropped on the page and a 400 in the API."""

from __future__ import annotations

from exchange.practices.profile import ProfileData
from tests.search.conftest import titles


def facet(outcome, param):
    return {v.value: v.count for v in next(f for f in outcome.facets if f.param == param).values}


def profiles(make_practice):
    make_practice("Thuiszitters jongvolwassenen", profile=ProfileData(age_from=16, age_to=27))
    make_practice(
        "Thuiszitters basisschool",
        profile=ProfileData(
            age_from=4, age_to=12, evidence_level="goed-onderbouwd", participation_level="adviseur"
        ),
    )
    make_practice(
        "Thuiszitters vanaf twaalf", profile=ProfileData(age_from=12, evidence_level="goed-onderbouwd")
    )
    make_practice("Thuiszitters zonder profiel")


def test_age_range_matches_practices_whose_ages_overlap_it(world, make_practice, search):
    profiles(make_practice)

    assert sorted(titles(search("thuiszitters", leeftijd="13-15"))) == ["Thuiszitters vanaf twaalf"]
    assert sorted(titles(search("thuiszitters", leeftijd="10-12"))) == [
        "Thuiszitters basisschool",
        "Thuiszitters vanaf twaalf",
    ]
    assert sorted(titles(search("thuiszitters", leeftijd="27-40"))) == [
        "Thuiszitters jongvolwassenen",
        "Thuiszitters vanaf twaalf",
    ]
    assert titles(search("thuiszitters", leeftijd="0-3")) == []


def test_the_age_boxes_of_the_page_make_a_range_with_open_ends(world, make_practice, search):
    profiles(make_practice)

    outcome = search("thuiszitters", leeftijd_van="20")

    assert outcome.request.filters["leeftijd"] == ["20-99"]
    assert sorted(titles(outcome)) == ["Thuiszitters jongvolwassenen", "Thuiszitters vanaf twaalf"]


def test_evidence_and_participation_are_facets_with_counts(world, make_practice, search):
    profiles(make_practice)

    outcome = search("thuiszitters")
    chosen = search("thuiszitters", onderbouwing="goed-onderbouwd", participatie="adviseur")

    assert facet(outcome, "onderbouwing") == {"goed-onderbouwd": 2}
    assert facet(outcome, "participatie") == {"adviseur": 1}
    assert titles(chosen) == ["Thuiszitters basisschool"]


def test_bad_profile_values_are_dropped_on_the_page(world, make_practice, search):
    profiles(make_practice)

    outcome = search(
        "thuiszitters", leeftijd=["abc", "5-150", "12-", "1²-3"], onderbouwing="top", leeftijd_van="²"
    )

    assert outcome.total == 4
    assert outcome.request.filters == {"soort": ["praktijk"]}  # only the fixture's own filter is left


def test_the_api_refuses_bad_profile_values_with_a_400(world, make_practice, client):
    profiles(make_practice)

    bad_age = client.get("/api/v1/search?q=thuiszitters&leeftijd=12-150")
    reversed_age = client.get("/api/v1/search?q=thuiszitters&leeftijd=15-13")
    bad_level = client.get("/api/v1/search?q=thuiszitters&onderbouwing=top")
    good = client.get("/api/v1/search?q=thuiszitters&leeftijd=13-15")

    assert bad_age.status_code == 400 and "leeftijd" in bad_age.json["error"]["message"]["nl"]
    assert bad_level.status_code == 400
    assert good.status_code == 200 and good.json["total"] == 1
    assert reversed_age.status_code == 200 and reversed_age.json["total"] == 1
