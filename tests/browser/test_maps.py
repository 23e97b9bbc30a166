"""The region maps and the national overview in a real browser: links with names, keyboard focus, axe, phone.

Runs on the harness's live server (reference + demo data): the five pages with a map, the workspace of a
demo functionary, and /overzicht with its charts.
"""

from __future__ import annotations

import re

import pytest

from exchange.reference.seeding import read_reference_file
from tests.web import sign_in

pytestmark = pytest.mark.browser

REFERENCE = read_reference_file()
THEME = next(t for t in REFERENCE["themes"] if t["slug"] == "onderwijs-zorg")
# Page -> the map it shows (its id in the partial).
MAP_PAGES = {
    "/overzicht": "activiteit",
    "/": "activiteit",
    f"/themas/{THEME['slug']}": "thema",
    "/actielijnen/4": "actielijn",
    "/transformatiefonds": "fonds",
}
YELLOW = "rgb(255, 221, 0)"


def region_links(page, name: str):
    return page.locator(f"#kaart-{name}-heading + figure svg.map a.map__link")


def require_map(page, path: str) -> str:
    name = MAP_PAGES[path]
    assert page.locator(f"#kaart-{name}-heading").count() == 1, (
        f"{path} lost its map partial (templates/maps/_*.html)"
    )
    return name


@pytest.mark.parametrize("path", list(MAP_PAGES))
def test_map_renders_42_region_links_each_with_a_name(page, path):
    page.goto(path)
    name = require_map(page, path)
    links = region_links(page, name)
    assert links.count() == 42
    labels = [links.nth(i).locator("title").text_content() for i in range(42)]
    assert all(label and re.match(r"^[^:]+: \S", label) for label in labels)
    # The accessibility tree agrees: each region is a link named by its <title>.
    for label in labels[::6]:
        assert page.get_by_role("link", name=label, exact=True).count() == 1
    assert all(links.nth(i).get_attribute("href").startswith("/regios/") for i in range(0, 42, 7))
    assert page.get_by_text("Bron: CBS/PDOK", exact=False).first.is_visible()


def test_keyboard_reaches_a_region_link_and_focus_is_visible(page):
    page.goto("/overzicht")
    skip = page.get_by_role("link", name="Sla de kaart over")
    assert not skip.is_visible() or skip.bounding_box()["width"] <= 1  # hidden until focused
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('map-skip')"):
            break
    else:
        pytest.fail("the 'Sla de kaart over' link was never focused")
    assert skip.bounding_box()["width"] > 1  # shown when focused
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("class") == "map__link"
    assert focused.locator("title").text_content()
    fill = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).fill")
    stroke_width = page.evaluate(
        "parseFloat(getComputedStyle(document.activeElement.querySelector('path')).strokeWidth)"
    )
    assert fill == YELLOW and stroke_width >= 3
    page.locator(".map-section").first.screenshot(path=str(_screenshot_path("map-keyboard-focus")))


def _screenshot_path(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def test_skip_link_jumps_past_the_42_regions(page):
    page.goto("/overzicht")
    page.locator(".map-skip").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('svg') === null")
    assert page.locator(":focus").inner_text() == "Download de kaart (SVG)"


def test_table_toggle_shows_the_same_numbers_without_script(new_page):
    page = new_page()
    page.goto("/overzicht")
    table = page.locator("details.map-table table")
    assert not table.is_visible()
    page.get_by_text("Toon als tabel").click()
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 42
    name = rows.first.locator("th a").inner_text()
    value = rows.first.locator("td").first.inner_text()
    assert page.get_by_role("link", name=f"{name}: {value}", exact=True).count() == 1


def test_downloads_are_svg_and_csv(page, live_server):
    page.goto("/overzicht")
    svg = page.request.get(
        live_server(page.get_by_role("link", name="Download de kaart (SVG)").get_attribute("href"))
    )
    assert svg.status == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    data = page.request.get(
        live_server(page.get_by_role("link", name="Download de cijfers (CSV)").first.get_attribute("href"))
    )
    assert data.status == 200 and data.text().lstrip("\ufeff").startswith("code,regio,waarde")


@pytest.mark.parametrize(
    "path", ["/overzicht", f"/overzicht?thema={THEME['slug']}", *[p for p in MAP_PAGES if p != "/overzicht"]]
)
def test_pages_with_maps_and_charts_have_no_axe_violations(page, assert_accessible, path):
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)
    if page.locator("details.map-table").count():
        page.locator("details.map-table > summary").first.click()
        assert_accessible(page)  # with the table open too
    assert not page.log.console_errors, page.log.console_errors  # CSP violations show up here
    assert not page.log.page_errors


@pytest.mark.parametrize("width", [320, 375])
def test_overview_fits_a_phone(new_page, screenshot, width):
    page = new_page({"width": width, "height": 800})
    page.goto("/overzicht")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"/overzicht scrolls sideways by {overflow}px at {width}px"
    box = page.locator("svg.map").first.bounding_box()
    assert box and box["width"] <= width
    if width == 375:
        screenshot(page, "overview-375")


def test_screenshots_of_the_maps_and_the_overview(page, screenshot):
    def map_shot(name):
        file = _screenshot_path(name)
        page.locator(".map-section").first.screenshot(path=str(file))
        return file

    assert page.goto("/overzicht").status == 200
    files = [screenshot(page, "overview-1280"), map_shot("map-activity-1280")]
    assert page.goto("/").status == 200
    files.append(map_shot("home-map-1280"))
    page.emulate_media(media="print")
    assert page.goto("/overzicht").status == 200
    assert page.evaluate("matchMedia('print').matches")  # the print stylesheet is what was captured
    files.append(screenshot(page, "overview-print"))
    for file in files:  # each a real PNG, not an empty file
        assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", file


def test_functionary_workspace_highlights_the_coached_regions(
    new_page, live_server, assert_accessible, screenshot
):
    page = new_page()
    sign_in(
        page, live_server, "functionaris.vakmanschap"
    )  # demo: Rijnmond (all themes), Groningen (one theme)
    page.goto("/werkruimte")
    links = region_links(page, "mijn-regios")
    assert links.count() == 42
    coached = sorted(
        t
        for t in (links.nth(i).locator("title").text_content() for i in range(42))
        if ": door u begeleid" in t
    )
    assert coached == [
        "Groningen: door u begeleid (Wachtlijstaanpak)",
        "Rotterdam Rijnmond: door u begeleid (al uw thema's)",
    ]
    assert (
        page.locator("#kaart-mijn-regios-heading + figure .map__labels circle").count() == 2
    )  # the drawn ticks
    assert_accessible(page)
    page.locator(".map-section").first.screenshot(path=str(_screenshot_path("map-dashboard-1280")))
