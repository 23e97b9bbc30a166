"""Phones (375 px): every chart and map text is rendered at 12 CSS px or more, the cycle map keeps its region
column in view while it scrolls sideways, tables scroll inside a labelled, focusable region, and axe passes at
375 and 1280 px on the pages with filters, phases, charts and maps.

Rendered size = the computed font size (in the SVG's user units) times the scale from those units to CSS
pixels (the element's screen transform), so a chart drawn in a 560-unit viewBox and shrunk to a phone's width
counts as the smaller text the reader actually sees.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.web import sign_in

pytestmark = pytest.mark.browser

MIN_PX = 12
CHART_PAGES = [
    "/",
    "/overzicht",
    "/themas/onderwijs-zorg",
    "/actielijnen/4",
    "/transformatiefonds",
]

# Every visible <text> in an SVG inside the page's main content: its text, class and rendered size in CSS px.
MEASURE = """() => {
  const out = [];
  for (const el of document.querySelectorAll('#main svg text')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || style.display === 'none') continue;
    const m = el.getScreenCTM();
    const scale = Math.sqrt(m.a * m.a + m.b * m.b);
    const size = parseFloat(style.fontSize) * scale;
    out.push({text: el.textContent.trim().slice(0, 40), cls: el.getAttribute('class') || el.parentNode.getAttribute('class') || '', size: Math.round(size * 100) / 100});
  }
  return out;
}"""


def measure(page) -> list[dict]:
    return page.evaluate(MEASURE)


def practice_with_results(page) -> str:
    """The path of a demo practice with a results chart, reached by clicking from the home page."""
    page.goto("/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Praktijkvoorbeelden").click()
    page.locator("details.search-facet > summary", has_text="Resultaten").click()
    page.get_by_role("link", name="Met resultaten").first.click()
    page.locator(".card__title a").first.click()
    return page.url


@pytest.mark.parametrize("path", CHART_PAGES)
def test_chart_and_map_text_is_at_least_12px_on_a_phone(phone_page, path):
    assert phone_page.goto(path).status == 200
    assert phone_page.locator("#main svg.map, #main svg.chart").count(), f"{path} lost its map or chart"
    texts = measure(phone_page)
    small = [t for t in texts if t["size"] < MIN_PX]
    assert not small, (
        f"{path}: {len(small)} of {len(texts)} texts under {MIN_PX}px at 375px: {sorted({(t['cls'], t['size']) for t in small})}"
    )


def test_result_chart_text_is_at_least_12px_on_a_phone(phone_page):
    practice_with_results(phone_page)
    texts = [t for t in measure(phone_page) if "chart" in t["cls"]]
    assert texts, "the practice page shows no chart"
    small = [t for t in texts if t["size"] < MIN_PX]
    assert not small, f"{phone_page.url}: texts under {MIN_PX}px at 375px: {small[:8]}"


def test_cycle_map_scrolls_sideways_with_the_region_column_in_view(phone_page):
    phone_page.goto("/ontwikkelcirkel")
    phone_page.get_by_role("link", name="Wie staat waar? Bekijk de cirkelkaart per regio").first.click()
    phone_page.wait_for_url(re.compile(r"/ontwikkelcirkel/kaart"))
    region = phone_page.get_by_role("region", name=re.compile("Praktijkvoorbeelden per regio en fase"))
    assert region.get_attribute("tabindex") == "0"
    overflow = phone_page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page itself scrolls sideways by {overflow}px"
    widths = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1], "at 375px the map should scroll inside its region"
    first = phone_page.locator(".cycle-map tbody th").first
    before = first.bounding_box()
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    after = first.bounding_box()
    assert after["x"] == pytest.approx(before["x"], abs=1), "the region column scrolled out of view"
    last_phase = phone_page.locator(".cycle-map thead th").last
    box, frame = last_phase.bounding_box(), region.bounding_box()
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, "the last phase is clipped"


# Every line box of each header cell's text: more than one means a word (or "Status") was split.
HEADER_LINES = """table => [...table.querySelectorAll('thead th')].map(th => {
  const range = document.createRange();
  range.selectNodeContents(th);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return [th.textContent.trim(), tops.size];
})"""


def test_people_table_keeps_words_whole_and_scrolls_in_a_labelled_region(phone_page, live_server):
    sign_in(phone_page, live_server, "beheerder")
    phone_page.goto("/beheer")
    with (
        phone_page.expect_navigation()
    ):  # the page's load, style sheets included, before measuring its layout
        phone_page.get_by_role("link", name="Mensen").first.click()
    region = phone_page.get_by_role("region", name="Mensen met een account")
    assert region.get_attribute("tabindex") == "0"
    split = [
        (text, n) for text, n in region.locator("table").evaluate(HEADER_LINES) if n > 1 and " " not in text
    ]
    assert not split, f"header words broken over lines: {split}"
    overflow = phone_page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"/beheer/mensen scrolls the whole page sideways by {overflow}px"


def test_every_table_wrapper_is_a_labelled_focusable_region(page):
    for path in ("/regios", "/actielijnen", "/transformatiefonds", "/overzicht", "/ontwikkelcirkel/kaart"):
        page.goto(path)
        wrappers = page.locator(".table-wrapper")
        assert wrappers.count(), path
        for i in range(wrappers.count()):
            wrapper = wrappers.nth(i)
            assert wrapper.get_attribute("role") == "region", path
            assert wrapper.get_attribute("tabindex") == "0", path
            assert (wrapper.get_attribute("aria-label") or "").strip(), path


def open_facet(facets, label: str):
    """The facet's <details>, opened by clicking its summary when it is closed."""
    facet = facets.locator("details", has=facets.page.locator("summary", has_text=label))
    if facet.get_attribute("open") is None:
        facet.locator("summary").click()
    return facet


def test_browse_filter_sort_and_reach_a_phase_page(new_page, assert_accessible):
    """From the home page: the list of practices, a filter, a second filter, a sort, and from the cycle to a
    phase page; axe on each page at 375 and 1280 px."""
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport)
        page.goto("/")
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Praktijkvoorbeelden"
        ).click()
        page.wait_for_url(re.compile(r"/praktijken$"))
        assert_accessible(page)
        total = int(re.search(r"\d+", page.locator(".search-count").inner_text()).group())
        facets = page.locator("nav.browse-facets")
        phase_option = open_facet(facets, "Fase van de ontwikkelcirkel").locator("li").first
        expected = int(re.search(r"\((\d+)\)", phase_option.inner_text()).group(1))
        phase_option.get_by_role("link").click()
        page.wait_for_url(re.compile(r"fase="))
        assert int(re.search(r"\d+", page.locator(".search-count").inner_text()).group()) == expected <= total
        theme_option = open_facet(facets, "Thema").locator("li").first
        theme_expected = int(re.search(r"\((\d+)\)", theme_option.inner_text()).group(1))
        theme_option.get_by_role("link").click()
        page.wait_for_url(re.compile(r"fase=.*thema=|thema=.*fase="))
        shown = int(re.search(r"\d+", page.locator(".search-count").inner_text()).group())
        assert shown == theme_expected
        page.get_by_role("navigation", name="Sorteren").get_by_role("link", name="Titel (A–Z)").click()
        page.wait_for_url(re.compile(r"sort=titel"))
        titles = page.locator(".card__title a").all_inner_texts()
        assert titles == sorted(titles, key=str.casefold)
        assert page.get_by_role("link", name="Volg via RSS/Atom").is_visible()
        assert_accessible(page)
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Ontwikkelcirkel").click()
        page.wait_for_url(re.compile(r"/ontwikkelcirkel$"))
        assert_accessible(page)
        page.locator(".cycle__phase").nth(1).locator("h2 a").click()
        page.wait_for_url(re.compile(r"/ontwikkelcirkel/[a-z-]+$"))
        assert page.get_by_role("heading", level=1).is_visible()
        assert page.get_by_role("link", name="Wie staat waar? Bekijk de cirkelkaart per regio").is_visible()
        assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
@pytest.mark.parametrize(
    "path",
    [
        *CHART_PAGES,
        "/ontwikkelcirkel",
        "/ontwikkelcirkel/meten",
        "/ontwikkelcirkel/kaart",
        "/praktijken?sort=titel",
        "/praktijken?fase=uitvoeren&resultaten=ja&lang=en",
        "/regios/rotterdam-rijnmond",
        "/zoeken?q=jeugd",
    ],
)
def test_pages_pass_axe_at_phone_and_desktop(new_page, assert_accessible, viewport, path):
    page = new_page(viewport)
    assert page.goto(path).status == 200
    assert_accessible(page)
