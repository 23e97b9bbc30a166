"""Each role signs in through the real form and sees exactly what it may; the practice journey end to end:
a regional staff member writes a practice, moves it through the cycle, posts results and sees the chart; a
functionary sees it in their workspace and gives feedback; staff of another region cannot change it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.web import sign_in

pytestmark = pytest.mark.browser


def test_anonymous_visitor_reads_but_cannot_change(page, live_server):
    page.goto(live_server("/praktijken"))
    page.locator(".practice-card a").first.click()
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("link", name="Bewerken").count() == 0
    assert page.get_by_role("heading", name="Begeleiding").count() == 0
    response = page.goto(live_server("/beheer/"))
    # Visitors are sent to the login page (never shown the admin page, never an error page).
    assert response.status == 200 and "/inloggen?next=" in page.url, (response.status, page.url)


def test_staff_functionary_and_other_region_journey(new_page, live_server, assert_accessible, screenshot):
    staff = new_page()
    sign_in(staff, live_server, "rijnmond")

    # Write a practice (draft), in the theme the demo functionary coaches for Rijnmond.
    staff.goto(live_server("/praktijken/nieuw"))
    assert_accessible(staff)
    staff.get_by_label("Titel").fill("Browsertest: vakmanschap in de wijkteams")
    staff.get_by_label("Korte samenvatting").fill("Wijkteams leren samen van lastige casussen.")
    staff.get_by_label("Beschrijving").fill("## Aanpak\n\nIntervisie elke maand, met een **vaste** opzet.")
    staff.get_by_label("Vakmanschap en professionalisering").check()
    staff.get_by_label("Fase in de ontwikkelcirkel").select_option(label="1. Verkennen")
    staff.get_by_role("button", name="Opslaan").click()
    assert re.search(r"/praktijken/\d+$", staff.url)
    practice_url = staff.url
    assert staff.locator(".badge--draft").is_visible()

    # Move it through the cycle, with a reason.
    staff.get_by_role("link", name="Fase wijzigen").first.click()
    staff.get_by_label("Nieuwe fase").select_option(label="3. Uitvoeren")
    staff.get_by_label("Waarom deze stap?").fill("De pilot start in drie wijkteams in Schiedam.")
    staff.get_by_label("Datum").fill(date.today().isoformat())
    with staff.expect_navigation():
        staff.get_by_role("button", name="Fase wijzigen").click()
    assert "Van Verkennen naar Uitvoeren" in staff.content()

    # Post two results of one indicator and see the chart with its table.
    for value, day in (("40", "2024-01-15"), ("62,5", "2025-01-15")):
        staff.get_by_role("link", name="Resultaat toevoegen").first.click()
        staff.get_by_label("Indicator").fill("Deelname intervisie (%)")
        staff.locator("#value").fill(value)
        staff.get_by_label("Datum van meting").fill(day)
        staff.get_by_role("button", name="Resultaat opslaan").click()
        # Back on the practice page before the next click (a click during the navigation can be lost).
        staff.wait_for_url(re.compile(re.escape(practice_url) + "#resultaten$"))
    chart = staff.locator("svg.chart")
    assert chart.count() == 1 and chart.first.is_visible()
    assert staff.get_by_role("table", name=re.compile("Metingen van Deelname intervisie")).is_visible()
    assert_accessible(staff)
    screenshot(staff, "practice-journey-staff")

    # A functionary coaching Rijnmond on this theme finds the draft in their workspace and gives feedback.
    coach = new_page()
    sign_in(coach, live_server, "functionaris.vakmanschap")
    with coach.expect_navigation():  # sign-in may land on the workspace already: wait for this load
        coach.get_by_role("link", name="Mijn werkruimte").click()
    assert_accessible(coach)
    coach.get_by_role("link", name="Browsertest: vakmanschap in de wijkteams").first.click()
    assert coach.get_by_role("link", name="Bewerken").count() == 0
    coach.get_by_label("Bericht").fill("Mooi begin. Meet ook hoe vaak casussen terugkomen.")
    with coach.expect_navigation():
        coach.get_by_role("button", name="Bericht plaatsen").click()
    assert "Meet ook hoe vaak casussen terugkomen" in coach.content()

    # Staff see the feedback; staff of another region cannot see the draft or change it.
    staff.goto(practice_url)
    assert "Meet ook hoe vaak casussen terugkomen" in staff.content()
    other = new_page()
    sign_in(other, live_server, "zeeland")
    # A draft they may not see answers like a missing practice, on its edit page too (issue 13).
    assert other.goto(practice_url).status == 404
    assert other.goto(practice_url + "/bewerken").status == 404


@pytest.mark.parametrize(
    ("who", "allowed", "denied"),
    [
        ("rijnmond", ["/werkruimte", "/praktijken/nieuw", "/account"], ["/beheer/"]),
        ("functionaris.pleegzorg", ["/werkruimte", "/account"], ["/praktijken/nieuw", "/beheer/"]),
        (
            "beheerder",
            ["/werkruimte", "/beheer/", "/beheer/mensen", "/beheer/logboek"],
            ["/praktijken/nieuw"],
        ),
    ],
)
def test_each_role_sees_what_it_may(page, live_server, who, allowed, denied):
    sign_in(page, live_server, who)
    for path in allowed:
        assert page.goto(live_server(path)).status == 200, path
    for path in denied:
        assert page.goto(live_server(path)).status == 403, path
