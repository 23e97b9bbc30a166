"""Regional staff find a practice by its profile on /praktijken, read its "Profiel" box, and add a partner with
the suggestions the form offers while typing (issue 17). Every page passes axe-core."""

from __future__ import annotations

import re

import pytest

from tests.web import sign_in_from_home

pytestmark = pytest.mark.browser

TITLE = "Rotterdamse jongerenhuizen"
PARTNER = "Woonstichting Maasstad (demo)"  # a partner of this demo practice, suggested from any practice
NEW_PARTNER = "Jongerenpanel Fryslân (demo)"  # a partner of another region's demo practice


def test_filter_by_profile_read_the_box_and_add_a_suggested_partner(
    new_page, live_server, assert_accessible, screenshot
):
    page = new_page()
    sign_in_from_home(page, live_server, "rijnmond", check=assert_accessible)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Praktijkvoorbeelden").click()
    page.wait_for_url("**/praktijken")

    page.get_by_label("Mate van onderbouwing").select_option("goed-onderbouwd")
    page.get_by_label("Jongerenparticipatie").select_option("adviseur")
    page.get_by_label("Leeftijd van").fill("20")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_url(re.compile(r"/praktijken\?"))
    cards = page.locator(".card-list .card__title")
    assert cards.get_by_role("link").all_inner_texts() == [TITLE]
    assert_accessible(page)

    cards.get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(r"/praktijken/\d+$"))
    box = page.locator("section", has=page.get_by_role("heading", name="Profiel", exact=True))
    assert "18–23 jaar" in box.inner_text()
    assert f"{PARTNER} (Anders)" in box.inner_text()
    assert "Goed onderbouwd (2022)" in box.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Bewerken", exact=True).click()
    page.wait_for_url(re.compile(r"/bewerken$"))
    empty = page.get_by_label("Naam organisatie 3", exact=True)
    with page.expect_response(lambda r: "/organisaties/suggesties.json?q=Jongerenpanel" in r.url) as answer:
        empty.fill(NEW_PARTNER)
    assert answer.value.ok
    # The one exact suggestion also chose the kind.
    kind = page.get_by_label("Soort 3", exact=True)
    kind.wait_for(state="visible")
    page.wait_for_function("document.getElementById('partners-2-kind').value === 'jongerenorganisatie'")
    page.get_by_label("Mate van onderbouwing").select_option("sterke-aanwijzingen")
    assert_accessible(page)
    screenshot(page, "practice-profile-form")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r"/praktijken/\d+$"))

    box = page.locator("section", has=page.get_by_role("heading", name="Profiel", exact=True))
    assert f"{NEW_PARTNER} (Jongerenorganisatie)" in box.inner_text()
    assert "Effectief volgens sterke aanwijzingen" in box.inner_text()
    screenshot(page, "practice-profile-box")
