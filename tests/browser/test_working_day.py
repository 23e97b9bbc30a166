"""The working day of staff, functionary and administrator, clicked through like a person does.

Each journey starts at "/", signs in with the header's "Inloggen" link, and reaches every task by clicking
visible links and buttons (`page.goto` only opens "/"). axe-core checks every page a journey visits, and each
click that navigates waits for the page it leads to. The live server is shared with the other browser tests,
so a journey only counts on the demo data and on what it made itself.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import uuid4

import pytest

from exchange.reference.seeding import read_reference_file
from tests.web import sign_in_from_home

pytestmark = pytest.mark.browser

PRACTICE = re.compile(r"/praktijken/(\d+)$")
WORKSPACE = re.compile(r"/werkruimte$")


def at(path: str) -> re.Pattern:
    """The URL of `path` on the live server, with or without an anchor."""
    return re.compile(re.escape(path) + r"(#[\w-]+)?$")


def go(page, target, url, check) -> None:
    """Click `target`, wait until the page it leads to (`url`: glob or pattern) has loaded, and `check` it.

    A new navigation is awaited even when the URL stays the same (a form posted back to its own page)."""
    with page.expect_navigation(url=url):
        target.click()
    check(page)


def heading(page):
    return page.get_by_role("heading", level=1)


def section(page, anchor: str):
    """A workspace list, found by its anchor (`concepten`, `verouderd`, `feedback`, ...)."""
    return page.locator(f"section#{anchor}")


def to_workspace(page, check) -> None:
    go(
        page,
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Mijn werkruimte"),
        WORKSPACE,
        check,
    )


def sign_out(page, check) -> None:
    go(page, page.get_by_role("button", name="Uitloggen"), re.compile(r"/$"), check)
    assert "U bent uitgelogd." in page.locator(".flash-messages").inner_text()
    assert page.get_by_role("navigation", name="Account").get_by_role("link", name="Inloggen").is_visible()


def focused_error_summary(page) -> bool:
    # The summary's script runs deferred, after the load event the click waited for.
    page.wait_for_function("document.activeElement && document.activeElement.matches('.error-summary')")
    return page.evaluate("document.activeElement.matches('[data-error-summary]')")


def give_feedback(page, title: str, message: str, check) -> None:
    """A functionary on their workspace opens `title` under "Concepten die wachten" and posts `message`."""
    go(page, section(page, "concepten").get_by_role("link", name=title, exact=True), PRACTICE, check)
    page.get_by_label("Bericht").fill(message)
    go(
        page,
        page.get_by_role("button", name="Bericht plaatsen"),
        re.compile(r"/praktijken/\d+(#feedback)?$"),
        check,
    )
    assert message in page.locator("section.feedback").inner_text()


def test_staff_working_day(new_page, live_server, assert_accessible, screenshot):
    check = assert_accessible
    title = f"Werkdag {uuid4().hex[:6]}: intervisie in de wijkteams"
    started_on = date.today() - timedelta(days=400)  # before the practice came onto the platform
    moved_on = date.today() - timedelta(days=120)
    staff = new_page()
    sign_in_from_home(staff, live_server, "rijnmond", check=check)
    assert WORKSPACE.search(staff.url), staff.url
    assert heading(staff).inner_text() == "Mijn werkruimte"

    # A new practice from the workspace's quick actions, started in the past.
    go(staff, staff.get_by_role("link", name="Nieuw praktijkvoorbeeld"), "**/praktijken/nieuw", check)
    staff.get_by_label("Titel").fill(title)
    staff.get_by_label("Korte samenvatting").fill("Wijkteams leren maandelijks van lastige casussen.")
    staff.get_by_label("Vakmanschap en professionalisering").check()
    staff.get_by_label("Fase in de ontwikkelcirkel").select_option(label="1. Verkennen")
    staff.get_by_label("Gestart op").fill(started_on.isoformat())
    go(staff, staff.get_by_role("button", name="Opslaan"), PRACTICE, check)
    practice_path = PRACTICE.search(staff.url).group(0)

    # Open the draft from the workspace.
    to_workspace(staff, check)
    go(
        staff,
        section(staff, "concepten").get_by_role("link", name=title, exact=True),
        at(practice_path),
        check,
    )
    assert staff.locator(".badge--draft").is_visible()

    # Meanwhile the functionary coaching Rijnmond reads the draft and asks a question.
    coach = new_page()
    sign_in_from_home(coach, live_server, "functionaris.vakmanschap", check=check)
    give_feedback(coach, title, "Hoe meten jullie of casussen minder vaak terugkomen?", check)

    # Edit and save.
    go(staff, staff.get_by_role("link", name="Bewerken", exact=True), f"**{practice_path}/bewerken", check)
    staff.get_by_label("Korte samenvatting").fill(
        "Wijkteams leren elke maand van lastige casussen, met vaste opzet."
    )
    go(staff, staff.get_by_role("button", name="Opslaan"), at(practice_path), check)
    assert "met vaste opzet" in staff.locator(".utrecht-paragraph--lead").inner_text()

    # Publish through the preview of what becomes public.
    go(staff, staff.get_by_role("link", name="Publiceren"), f"**{practice_path}/publiceren", check)
    preview = staff.locator("section", has=staff.get_by_role("heading", name="Wat openbaar wordt"))
    assert "met vaste opzet" in preview.inner_text()
    screenshot(staff, "working-day-publish-preview")
    go(staff, staff.get_by_role("button", name="Publiceer dit praktijkvoorbeeld"), at(practice_path), check)
    assert staff.locator(".badge--draft").count() == 0
    assert staff.get_by_role("link", name="Publiceren").count() == 0

    # Add a result; a value left empty brings the form back with focus on the error summary.
    go(
        staff,
        staff.get_by_role("link", name="Resultaat toevoegen"),
        f"**{practice_path}/resultaten/nieuw",
        check,
    )
    staff.get_by_label("Indicator").fill("Deelname intervisie (%)")
    staff.get_by_label("Datum van meting").fill((moved_on + timedelta(days=30)).isoformat())
    with staff.expect_navigation() as answer:
        staff.get_by_role("button", name="Resultaat opslaan").click()
    assert answer.value.status == 422
    assert focused_error_summary(staff)
    assert "Waarde" in staff.locator(".error-summary").inner_text()
    check(staff)
    staff.locator("#value").fill("40")
    go(staff, staff.get_by_role("button", name="Resultaat opslaan"), at(practice_path), check)
    go(
        staff,
        staff.get_by_role("link", name="Resultaat toevoegen"),
        f"**{practice_path}/resultaten/nieuw",
        check,
    )
    staff.get_by_label("Indicator").fill("Deelname intervisie (%)")
    staff.locator("#value").fill("55")
    staff.get_by_label("Datum van meting").fill((moved_on + timedelta(days=60)).isoformat())
    go(staff, staff.get_by_role("button", name="Resultaat opslaan"), at(practice_path), check)
    table = staff.get_by_role("table", name="Metingen van Deelname intervisie (%)")
    assert table.get_by_role("row").count() == 3  # header + two measurements

    # Correct the first measurement through its edit link.
    go(
        staff,
        table.get_by_role("row").nth(2).get_by_role("link", name=re.compile("^Bewerken")),
        re.compile(r"/resultaten/\d+/bewerken$"),
        check,
    )
    assert heading(staff).inner_text() == "Resultaat wijzigen"
    staff.locator("#value").fill("45")
    go(staff, staff.get_by_role("button", name="Resultaat opslaan"), at(practice_path), check)
    values = table.locator("td.utrecht-table__cell--numeric").all_inner_texts()
    assert [v.split()[0] for v in values] == ["55", "45"], values

    # Rename the series at once.
    go(
        staff,
        staff.get_by_role("link", name="Reeks Deelname intervisie (%) hernoemen of samenvoegen"),
        re.compile(r"/reeksen/hernoemen\?"),
        check,
    )
    staff.get_by_label("Nieuwe naam").fill("Deelname aan intervisie (%)")
    go(staff, staff.get_by_role("button", name="Reeks hernoemen"), at(practice_path), check)
    table = staff.get_by_role("table", name="Metingen van Deelname aan intervisie (%)")
    assert table.get_by_role("row").count() == 3
    assert staff.get_by_role("heading", name="Deelname intervisie (%)", exact=True).count() == 0

    # Delete the older measurement on a page of its own.
    go(
        staff,
        table.get_by_role("row").nth(2).get_by_role("link", name=re.compile("^Verwijderen")),
        re.compile(r"/resultaten/\d+/verwijderen$"),
        check,
    )
    assert heading(staff).inner_text() == "Resultaat verwijderen"
    go(staff, staff.get_by_role("button", name="Ja, verwijder dit resultaat"), at(practice_path), check)
    assert table.get_by_role("row").count() == 2

    # Move the phase: the form proposes the next one; the step is dated in the past.
    go(staff, staff.get_by_role("link", name="Fase wijzigen").first, f"**{practice_path}/fase", check)
    proposed = staff.get_by_label("Nieuwe fase").evaluate("s => s.options[s.selectedIndex].text")
    assert proposed == "2. Ontwerpen", proposed
    staff.get_by_label("Waarom deze stap?").fill(
        "De opzet van de intervisie is met de teamleiders uitgewerkt."
    )
    staff.get_by_label("Datum").fill(moved_on.isoformat())
    go(staff, staff.get_by_role("button", name="Fase wijzigen"), at(practice_path), check)
    timeline = staff.locator("ol.timeline").inner_text()
    assert "Van Verkennen naar Ontwerpen" in timeline and "Start in Verkennen" in timeline
    assert str(started_on.year) in timeline and str(moved_on.year) in timeline

    # Read the history: sentences for people, no diff hunks or slugs.
    go(staff, staff.get_by_role("link", name="Geschiedenis"), f"**{practice_path}/geschiedenis", check)
    history = staff.locator("ol.history").inner_text()
    for told in (
        "maakte Rosa Rijnmond (demo) het praktijkvoorbeeld aan, in de fase 'Verkennen'",
        "wijzigde Rosa Rijnmond (demo) de samenvatting",
        "publiceerde Rosa Rijnmond (demo) het praktijkvoorbeeld",
        "waarde 40 → 45",
        "hernoemd naar 'Deelname aan intervisie (%)'",
        "verwijderd (waarde 45)",
        "van 'Verkennen' naar 'Ontwerpen': De opzet van de intervisie",
    ):
        assert told in history, (told, history)
    for machine in ("@@", "summary", "phase", "published", "draft", "vakmanschap"):
        assert machine not in history, (machine, history)
    # The text's own diff is one click away.
    edit = staff.locator("li.history__item", has_text="wijzigde Rosa Rijnmond (demo) de samenvatting")
    edit.get_by_text("Bekijk wat er in de tekst veranderde").click()
    added = " ".join(edit.locator("ins").all_inner_texts())
    assert "elke maand" in added and "vaste opzet" in added, added
    check(staff)
    screenshot(staff, "working-day-history")

    # Answer the coach's question from the workspace.
    to_workspace(staff, check)
    waiting = section(staff, "feedback")
    go(staff, waiting.get_by_role("link", name=title, exact=True), at(practice_path), check)
    staff.get_by_label("Bericht").fill("We tellen per kwartaal hoeveel casussen opnieuw worden ingebracht.")
    go(staff, staff.get_by_role("button", name="Bericht plaatsen"), at(practice_path), check)
    assert "per kwartaal" in staff.locator("section.feedback").inner_text()
    to_workspace(staff, check)
    assert section(staff, "feedback").get_by_role("link", name=title, exact=True).count() == 0

    # "Nog actueel?": the demo data has published Rijnmond practices untouched for years.
    stale = section(staff, "verouderd").locator("li.card").first
    stale_title = stale.get_by_role("heading").get_by_role("link").inner_text()
    go(
        staff,
        stale.get_by_role("button", name="Nog actueel?"),
        re.compile(r"/werkruimte(#verouderd)?$"),
        check,
    )
    assert section(staff, "verouderd").get_by_role("link", name=stale_title, exact=True).count() == 0

    sign_out(staff, check)


def test_functionary_working_day(new_page, live_server, assert_accessible, screenshot):
    check = assert_accessible
    coach = new_page()
    sign_in_from_home(coach, live_server, "functionaris.vakmanschap", check=check)
    assert WORKSPACE.search(coach.url), coach.url

    # What needs attention first: a draft of a coached region waits (the demo has one for Rijnmond).
    drafts = section(coach, "concepten")
    draft = drafts.locator("li.card").first
    title = draft.get_by_role("heading").get_by_role("link").inner_text()
    give_feedback(coach, title, "Wat is de eerste meting die jullie plannen?", check)
    for staff_only in ("Bewerken", "Fase wijzigen", "Resultaat toevoegen", "Publiceren", "Archiveren"):
        assert coach.get_by_role("link", name=staff_only, exact=True).count() == 0, staff_only

    # The map and the charts of the coached regions, further down the workspace.
    to_workspace(coach, check)
    coach.get_by_text("Toon als tabel").first.click()
    coached = coach.locator("details.map-table table").first
    assert coached.is_visible()
    assert (
        "door u begeleid" in coached.get_by_role("row", name=re.compile("^Rotterdam Rijnmond")).inner_text()
    )
    phases = coach.get_by_role("table", name="Praktijkvoorbeelden per fase")
    assert phases.get_by_role("row").count() == 7  # header + six phases
    check(coach)
    screenshot(coach, "working-day-functionary")

    # A published practice with results: staff may correct its results, a functionary sees no way to.
    unmeasured = section(coach, "zonder-meting")
    go(
        coach,
        unmeasured.get_by_role("link", name="Rijnmond: wachtlijst als gezamenlijke verantwoordelijkheid"),
        re.compile(r"/praktijken/\d+#resultaten$"),
        check,
    )
    results = coach.locator("section", has=coach.get_by_role("heading", name="Resultaten", exact=True))
    assert results.get_by_role("table").count() >= 1
    assert results.get_by_role("link", name=re.compile("^(Bewerken|Verwijderen)")).count() == 0
    assert results.get_by_role("link", name=re.compile("hernoemen")).count() == 0
    assert coach.get_by_role("link", name="Bewerken", exact=True).count() == 0

    sign_out(coach, check)


def test_administrator_working_day(new_page, live_server, assert_accessible, screenshot):
    check = assert_accessible
    region = next(r for r in read_reference_file()["regions"] if r["slug"] == "zeeland")
    email = f"nieuw.{uuid4().hex[:6]}@demo.jeugdkennis.example"
    admin = new_page()
    sign_in_from_home(admin, live_server, "beheerder", check=check)
    assert WORKSPACE.search(admin.url), admin.url

    # The workspace leads into /beheer: mail that failed (the demo has none), invitations, reference facts.
    assert "Alle e-mail is verstuurd" in section(admin, "mail").inner_text()
    go(
        admin,
        admin.get_by_role("link", name="Uitnodigingen in Beheer"),
        re.compile(r"/beheer/mensen\?status=invited$"),
        check,
    )
    to_workspace(admin, check)
    facts = section(admin, "referentie")
    fact = facts.get_by_role("listitem").first.get_by_role("link")
    fact_name = fact.inner_text()
    go(admin, fact, re.compile(r"/beheer/(themas|fasen|regios)/\d+$"), check)
    assert fact_name.split(". ", 1)[-1] in heading(admin).inner_text()  # a phase is listed as "1. Verkennen"

    # Invite a person; a form sent empty first keeps the person on it, focus on the error summary.
    to_workspace(admin, check)
    go(admin, admin.get_by_role("link", name="Naar Beheer"), re.compile(r"/beheer/$"), check)
    go(
        admin,
        admin.get_by_role("navigation", name="Beheer").get_by_role("link", name="Iemand uitnodigen"),
        "**/beheer/mensen/uitnodigen",
        check,
    )
    with admin.expect_navigation() as answer:
        admin.get_by_role("button", name="Uitnodiging versturen").click()
    assert answer.value.status == 422
    assert focused_error_summary(admin)
    check(admin)
    admin.get_by_label(re.compile(r"^E-mailadres\b")).fill(email)
    admin.get_by_label(re.compile(r"^Naam\b")).fill("Noor Nieuw")
    admin.get_by_label(re.compile(r"^Rol\b")).select_option(value="staff")
    admin.get_by_label(re.compile(r"^Regio\b")).select_option(label=region["display_name"])
    go(
        admin,
        admin.get_by_role("button", name="Uitnodiging versturen"),
        re.compile(r"/beheer/mensen/\d+$"),
        check,
    )
    assert f"Uitnodiging verstuurd naar {email}" in admin.locator(".flash-messages").inner_text()
    to_workspace(admin, check)
    assert section(admin, "uitnodigingen").get_by_role("link", name="Noor Nieuw").is_visible()

    # A region's data saved unchanged stays the same (its municipalities too).
    go(admin, admin.get_by_role("link", name="Referentiegegevens in Beheer"), "**/beheer/referentie", check)
    go(
        admin,
        admin.get_by_role("link", name=region["display_name"], exact=True),
        re.compile(r"/beheer/regios/\d+$"),
        check,
    )
    region_form = admin.url
    go(admin, admin.get_by_role("button", name="Regio opslaan"), region_form, check)
    assert "De regio is opgeslagen." in admin.locator(".flash-messages").inner_text()
    go(
        admin,
        admin.get_by_role("link", name="Bekijk de openbare pagina"),
        f"**/regios/{region['slug']}",
        check,
    )
    municipalities = admin.locator("section", has=admin.get_by_role("heading", name=re.compile("^Gemeenten")))
    assert sorted(municipalities.get_by_role("listitem").all_inner_texts()) == sorted(
        region["municipalities"]
    )

    # The audit log reads as sentences, the invitation among them.
    go(
        admin,
        admin.get_by_role("navigation", name="Account").get_by_role("link", name="Beheer", exact=True),
        re.compile(r"/beheer/$"),
        check,
    )
    go(
        admin,
        admin.get_by_role("navigation", name="Beheer").get_by_role("link", name="Logboek"),
        "**/beheer/logboek",
        check,
    )
    sentences = admin.locator("td.audit-sentence").all_inner_texts()
    invited = [s for s in sentences if s.startswith("Bea Beheer (demo) nodigde Noor Nieuw uit als ")]
    assert len(invited) == 1 and "Zeeland" in invited[0] and invited[0].endswith("."), sentences[:10]
    screenshot(admin, "working-day-audit-log")

    sign_out(admin, check)
