"""In a real browser: search, narrow down with a facet and remove it again, (corrections and the layout: tests/search/test_browser_layout.py).

Runs with the browser tests (marker `browser`, the harness of tests/browser); a run that ignores tests/browser
leaves these out too (see tests/search/conftest.py).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (  # noqa: F401  (the browser harness's fixtures)
    assert_accessible,
    axe,
    browser,
    live_server,
    new_page,
    page,
    screenshot,
)

pytestmark = pytest.mark.browser


def results(page) -> list[str]:
    return page.locator(".search-hit .card__title").all_inner_texts()


def test_search_filter_by_facet_and_remove_it(page, assert_accessible, screenshot):
    page.goto("/zoeken")
    page.get_by_label("Zoekwoorden").fill("thuiszitters")
    page.locator("main").get_by_role("button", name="Zoeken").click()  # not the header search box
    page.wait_for_url(re.compile(r".*/zoeken\?q=thuiszitters"))

    found = results(page)
    assert "Amsterdamse thuiszittersaanpak: niemand langer dan drie maanden thuis" in found
    assert "Hart van Brabant: thuiszitters terug naar school" in found
    count = page.get_by_role("status").inner_text()
    assert re.match(r"\d+ resultaten voor ‘thuiszitters’", count)
    assert page.locator("mark").count() > 0
    assert_accessible(page)

    facets = page.get_by_role("complementary")
    facets.get_by_role("link", name=re.compile(r"^Hart van Brabant")).click()
    page.wait_for_url(re.compile(r".*regio=hart-van-brabant"))
    # The practice first, then its measured results (which weigh less).
    assert results(page)[0] == "Hart van Brabant: thuiszitters terug naar school"
    assert all(
        meta.strip().startswith("Hart van Brabant")
        for meta in page.locator(".search-hit .card__meta").all_inner_texts()
    )
    screenshot(page, "search-facet")

    chip = page.locator(".search-chosen").get_by_role("link", name=re.compile("Regio: Hart van Brabant"))
    chip.click()
    page.wait_for_url(re.compile(r".*/zoeken\?q=thuiszitters$"))
    assert page.get_by_role("status").inner_text() == count


def test_visitors_do_not_find_drafts(page):
    page.goto("/zoeken?q=traumasensitief")

    assert results(page) == []
    assert "Niets gevonden" in page.locator("main").inner_text()
