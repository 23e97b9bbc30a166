"""What a visitor does: follow the public pages, switch language, use the keyboard, read on a phone.

Every page is checked with axe-core (WCAG 2.0/2.1 A + AA) and may not request anything off loopback.
"""

from __future__ import annotations

import re

import pytest

from exchange.reference.seeding import read_reference_file

pytestmark = pytest.mark.browser

REFERENCE = read_reference_file()
REGION = next(r for r in REFERENCE["regions"] if r["slug"] == "achterhoek")
THEME = REFERENCE["themes"][0]
LINE_4 = next(line for line in REFERENCE["action_lines"] if line["number"] == 4)
PHASES = REFERENCE["development_cycle"]

PUBLIC_PAGES = {
    "home": "/",
    "regions": "/regios",
    "region": f"/regios/{REGION['slug']}",
    "themes": "/themas",
    "theme": f"/themas/{THEME['slug']}",
    "action-lines": "/actielijnen",
    "action-line-4": "/actielijnen/4",
    "cycle": "/ontwikkelcirkel",
    "fund": "/transformatiefonds",
    "about": "/over",
    "accessibility": "/toegankelijkheid",
    "not-found": "/deze-pagina-bestaat-niet",
}


def heading(page):
    return page.get_by_role("heading", level=1)


def nav_link(page, name: str):
    return page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=name, exact=True)


def test_home_to_region_theme_action_line_and_cycle(page, screenshot):
    page.goto("/")
    assert heading(page).inner_text() == "Kennis delen over wat werkt in de jeugdhulp"

    nav_link(page, "Regio's").click()
    page.wait_for_url("**/regios")
    assert heading(page).inner_text() == "De 42 jeugdzorgregio's"
    page.get_by_role("table").get_by_role("link", name=REGION["display_name"], exact=True).click()

    page.wait_for_url(f"**/regios/{REGION['slug']}")
    assert REGION["display_name"] in heading(page).inner_text()
    municipalities = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Gemeenten")))
    listed = municipalities.get_by_role("listitem").all_inner_texts()
    assert sorted(listed) == sorted(REGION["municipalities"])
    plan = page.locator("section", has=page.get_by_role("heading", name="Transformatieplan", exact=True))
    assert plan.get_by_text("Actielijnen", exact=True).is_visible()
    assert plan.get_by_role("link", name=re.compile(r"^\d\. ")).count() >= 1  # the plan's action lines
    screenshot(page, "journey-region")

    nav_link(page, "Thema's").click()
    page.wait_for_url("**/themas")
    page.get_by_role("link", name=THEME["name"], exact=True).first.click()
    page.wait_for_url(f"**/themas/{THEME['slug']}")
    assert THEME["name"] in heading(page).inner_text()

    nav_link(page, "Actielijnen").click()
    page.wait_for_url("**/actielijnen")
    row = page.get_by_role("row", name=re.compile(r"^4\. "))
    assert row.get_by_role("cell").first.inner_text() == "19"  # plans naming line 4, according to the source
    row.get_by_role("link", name=re.compile(r"^4\. ")).click()
    page.wait_for_url("**/actielijnen/4")
    assert heading(page).inner_text() == f"4. {LINE_4['short']}"  # one name per action line (issue 16)
    assert LINE_4["title"] in page.locator("main").inner_text()
    assert "19 van de 42" in page.locator("main").inner_text()

    nav_link(page, "Ontwikkelcirkel").click()
    page.wait_for_url("**/ontwikkelcirkel")
    phases = page.locator("ol.cycle > li")
    assert phases.count() == 6 == len(PHASES)
    names = page.get_by_role("heading", level=2).all_inner_texts()
    for phase in PHASES:
        assert any(phase["name"] in name for name in names)
    assert nav_link(page, "Ontwikkelcirkel").get_attribute("aria-current") == "page"
    screenshot(page, "journey-cycle")


def test_language_switch_to_english_and_back(page):
    page.goto("/regios")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("navigation", name="Taal").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/regios\?lang=en$"))
    assert page.locator("html").get_attribute("lang") == "en"

    # The choice is remembered while browsing on.
    page.goto("/ontwikkelcirkel")
    assert page.locator("html").get_attribute("lang") == "en"
    switch_back = page.locator(".language-switch a[hreflang='nl']")
    assert switch_back.inner_text() == "Nederlands"
    assert switch_back.get_attribute("lang") == "nl"
    switch_back.click()
    page.wait_for_url(re.compile(r"/ontwikkelcirkel\?lang=nl$"))
    assert page.locator("html").get_attribute("lang") == "nl"
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nl"


def test_unknown_page_is_a_dutch_404(page, screenshot):
    response = page.goto(PUBLIC_PAGES["not-found"])
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "nl"
    assert heading(page).inner_text() == "Pagina niet gevonden"
    assert page.get_by_role("link", name="Naar de homepagina").is_visible()
    screenshot(page, "not-found")


def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/regios")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Direct naar de inhoud"
    assert skip.get_attribute("href") == "#main"
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0 and box["width"] > 0, (
        "skip link must be on screen when focused"
    )
    assert skip.is_visible()

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_focus_indicator_is_visible_on_links(page):
    page.goto("/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # logo
    styles = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
    )
    assert styles["style"] != "none" and styles["width"] >= 2


@pytest.mark.parametrize("width", [320, 375])
def test_phone_width_has_no_horizontal_page_scroll(new_page, screenshot, width):
    page = new_page({"width": width, "height": 800})
    for name, path in PUBLIC_PAGES.items():
        page.goto(path)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        if width == 375 and name in {"home", "regions", "region", "cycle"}:
            screenshot(page, f"{name}-{width}")
    # The main menu wraps rather than hiding items off screen.
    for link in page.locator(".site-nav__link").all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_page_is_accessible_and_self_contained(page, assert_accessible, screenshot, name):
    response = page.goto(PUBLIC_PAGES[name])
    assert response.status == (404 if name == "not-found" else 200)
    assert_accessible(page)
    assert not page.log.page_errors
    # CSP violations (an inline style or script) show up as console errors.
    console = [m for m in page.log.console_errors if "404" not in m or name != "not-found"]
    assert not console, console
    assert not page.log.blocked
    screenshot(page, f"{name}-1280")


def test_offsite_requests_are_blocked_and_recorded(page):
    """The guard itself: a request to another host never leaves the machine and is recorded."""
    from playwright.sync_api import Error as PlaywrightError

    with pytest.raises(PlaywrightError):
        page.goto("http://example.invalid/")
    assert page.log.blocked == ["http://example.invalid/"]
    page.log.blocked.clear()  # expected here; the fixture fails any test that leaves one behind
