"""In a real browser (1280 and 375 px, axe): one card per practice, a corrected search that runs with a link to
search literally, filters beside the results on a wide screen, the pager and the announced count.

Every journey starts at / and goes on by typing in the site's search box and clicking.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (  # noqa: F401  (the browser harness's fixtures)
    PHONE,
    assert_accessible,
    axe,
    browser,
    live_server,
    new_page,
    page,
    screenshot,
)

pytestmark = pytest.mark.browser


def search_from_home(page, words: str) -> None:
    page.goto("/")
    page.get_by_role("search", name="Zoeken op de hele site").get_by_role("searchbox").fill(words)
    page.get_by_role("search", name="Zoeken op de hele site").get_by_role("button", name="Zoeken").click()
    page.wait_for_url(re.compile(r".*/zoeken\?q="))


def test_a_misspelling_runs_its_correction_with_a_literal_link(page, assert_accessible, screenshot):
    search_from_home(page, "thuiszittrs")

    correction = page.locator(".search-correction")
    assert correction.inner_text() == "Resultaten voor thuiszitters. Zoek in plaats daarvan op thuiszittrs"
    titles = page.locator(".search-hit .card__title").all_inner_texts()
    assert "Hart van Brabant: thuiszitters terug naar school" in titles
    assert_accessible(page)
    screenshot(page, "search-corrected")

    correction.get_by_role("link", name="thuiszittrs").click()
    page.wait_for_url(re.compile(r".*letterlijk=1"))
    assert page.get_by_role("status").inner_text().startswith("0 resultaten voor ‘thuiszittrs’")
    assert page.locator(".search-hit").count() == 0
    assert page.locator(".search-correction").count() == 0


def test_one_card_per_practice_with_its_measurements(page, assert_accessible):
    search_from_home(page, "thuiszitters")

    kinds = page.locator(".search-hit__kind").all_inner_texts()
    assert kinds and all(kind.startswith("Praktijkvoorbeeld") for kind in kinds)
    titles = page.locator(".search-hit .card__title").all_inner_texts()
    assert len(titles) == len(set(titles))  # no card twice
    counts = page.locator(".search-hit__results-count").all_inner_texts()
    assert counts, "a practice whose measurements match says so"
    assert all(re.match(r"\d+ metingen? (passen|past) bij uw zoekopdracht", c) for c in counts)
    assert_accessible(page)


def test_wide_screen_filters_beside_results_above_the_fold(new_page, assert_accessible, screenshot):
    page = new_page({"width": 1280, "height": 800})
    search_from_home(page, "jongeren")

    facets = page.locator(".search-facets").bounding_box()
    first = page.locator(".search-hit .card__title").first.bounding_box()
    assert facets["x"] + facets["width"] <= first["x"], "the filters sit left of the results"
    assert first["y"] + first["height"] < 800, "the first result's title is above the fold"
    assert re.match(r"\d+ resultaten voor ‘jongeren’", page.get_by_role("status").inner_text())

    # The pager is a list of links without markers.
    pager = page.get_by_role("navigation", name="Paginering")
    assert pager.locator("ul > li").count() >= 3
    markers = pager.locator("li").evaluate_all(
        "items => items.map(li => getComputedStyle(li).listStyleType + '|' + getComputedStyle(li, '::marker').content)"
    )
    assert all(m.split("|")[0] == "none" for m in markers), markers
    assert_accessible(page)
    screenshot(page, "search-wide", full_page=False)

    # A filter is announced in the status region with the count.
    page.get_by_role("complementary").locator("a").first.click()
    page.wait_for_url(re.compile(r".*&\w+="))
    status = page.get_by_role("status")
    assert status.get_attribute("aria-live") == "polite"
    assert re.search(r"\d+ resultaten? voor ‘jongeren’.*Filters: .+: .+\.", status.text_content(), re.DOTALL)


def test_phone_results_and_filters_stacked(new_page, assert_accessible, screenshot):
    page = new_page(PHONE)
    search_from_home(page, "jongeren")

    facets = page.locator(".search-facets").bounding_box()
    first = page.locator(".search-hit").first.bounding_box()
    assert first["y"] > facets["y"]  # one column
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    screenshot(page, "search-phone")
