"""The history page tells a practice's history as sentences with names, in the reader's language, with the
text diff one click away; it is shown only to those who may see it, in a fixed number of queries."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import refresh

from exchange.practices import cycle, services
from tests import world
from tests.test_translations import english  # noqa: F401  (the app reading the English catalog)
from tests.web import login, text


def data_of(practice, **changes) -> services.PracticeData:
    data = services.PracticeData(
        title=practice.title,
        summary=practice.summary,
        themes=list(practice.themes),
        phase=practice.phase,
        period_start=practice.period_start,
    )
    return replace(data, **changes)


@pytest.fixture
def lived(db, cast):
    """A practice with a history: started in 2025, edited, two themes added, moved, published, a result."""
    data = services.PracticeData(
        title="Thuiszitterstafel", summary="Samen een plek.", themes=[cast.theme], phase=cast.phases[0]
    )
    practice = cycle.start_practice(cast.staff, cast.region, data, date(2025, 3, 1))
    db.session.commit()
    services.update_practice(
        cast.staff,
        practice,
        data_of(practice, title="Thuiszitterstafel Rijnmond", summary="Samen een plek voor elk kind."),
        expected_revision=practice.revision,
    )
    themes = [cast.theme, cast.other_theme, world.theme("wachtlijstaanpak")]
    services.update_practice(cast.staff, practice, data_of(practice, themes=themes), expected_revision=None)
    cycle.move_phase(
        cast.staff, practice, cast.phases[2], "De pilot draait nu in twee wijken.", date(2025, 4, 1)
    )
    services.publish_practice(cast.staff, practice)
    result = services.ResultData(
        indicator="Aantal thuiszitters", value=Decimal(12), measured_on=date(2025, 6, 1), phase=cast.phases[2]
    )
    services.add_result(cast.staff, practice, result)
    db.session.commit()
    return practice


def history_text(response) -> str:
    """The history list as a reader hears it: tags dropped, entities decoded, spaces collapsed."""
    listing = text(response).split('<ol class="history">')[1].split("</ol>")[0]
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", listing)))


def test_history_reads_as_sentences_with_names(client, cast, lived):
    login(client, cast.staff)
    response = client.get(f"/praktijken/{lived.id}/geschiedenis")
    assert response.status_code == 200
    prose = history_text(response)
    for sentence in (
        (
            "Op 1 april 2025 verplaatste Sanne Staf het praktijkvoorbeeld van 'Verkennen' naar 'Uitvoeren': "
            "De pilot draait nu in twee wijken."
        ),
        "wijzigde Sanne Staf de titel en de samenvatting.",
        "voegde Sanne Staf de thema's Wachtlijstaanpak en Pleegzorg en gezinshuizen toe.",
        "publiceerde Sanne Staf het praktijkvoorbeeld.",
        "voegde Sanne Staf resultaat 'Aantal thuiszitters' toe (meting van 1 juni 2025).",
        "maakte Sanne Staf het praktijkvoorbeeld aan, in de fase 'Verkennen'.",
        "Het praktijkvoorbeeld begon op 1 maart 2025 in de fase 'Verkennen'.",
    ):
        assert sentence in prose


def test_history_shows_no_slugs_and_no_hunk_headers(client, cast, lived):
    login(client, cast.staff)
    response = client.get(f"/praktijken/{lived.id}/geschiedenis")
    listing = text(response).split('<ol class="history">')[1].split("</ol>")[0]
    for slug in ("pleegzorg-gezinshuizen", "wachtlijstaanpak", "onderwijs-zorg", "verkennen", "uitvoeren"):
        assert slug not in listing
    assert "@@" not in listing and "published" not in listing


def test_the_text_diff_is_one_click_away(client, cast, lived):
    login(client, cast.staff)
    listing = text(client.get(f"/praktijken/{lived.id}/geschiedenis"))
    details = re.findall(r"<details.*?</details>", listing, re.DOTALL)
    assert len(details) == 1  # the title and summary edit; themes, moves and status are told, not diffed
    assert "Bekijk wat er in de tekst veranderde" in details[0]
    assert '<del><span class="visually-hidden">was: </span>Thuiszitterstafel</del>' in details[0]
    assert re.search(r"<ins>.*?elk kind.*?</ins>", details[0], re.DOTALL)  # the words added to the summary


def test_word_diff_marks_changed_words_without_headers():
    from exchange.practices.diff import word_diff

    pieces = word_diff("Eén tafel voor thuiszitters.", "Eén tafel voor alle thuiszitters.")
    assert ("ins", "alle ") in pieces or ("ins", "alle") in pieces
    assert not any(kind == "del" for kind, _ in pieces)
    assert "".join(t for kind, t in pieces if kind != "del").strip() == "Eén tafel voor alle thuiszitters."


def test_history_reads_as_english_in_english(english, client, cast, lived):
    login(client, cast.staff)
    refresh()  # the fixtures' app context is shared with the requests; forget the locale the services used
    prose = history_text(client.get(f"/praktijken/{lived.id}/geschiedenis?lang=en"))
    assert (
        "On April 1, 2025 Sanne Staf moved the practice from 'Explore' to 'Implement': "
        "De pilot draait nu in twee wijken." in prose
    )
    assert "Sanne Staf changed the title and the summary." in prose
    assert "Sanne Staf published the practice." in prose
    assert "Op " not in prose


def test_imported_history_names_the_system(client, db, cast, make_practice):
    from exchange.policy import SYSTEM

    practice = make_practice()
    cycle.move_phase(SYSTEM, practice, cast.phases[1], "Fase bijgewerkt via import.")
    db.session.commit()
    login(client, cast.staff)
    assert "verplaatste het systeem het praktijkvoorbeeld" in history_text(
        client.get(f"/praktijken/{practice.id}/geschiedenis")
    )


def test_drafts_history_is_hidden_like_the_draft(client, cast, make_practice):
    draft = make_practice("Concept")
    assert client.get(f"/praktijken/{draft.id}/geschiedenis").status_code == 302  # visitors: sign in first
    login(client, cast.other_staff)
    assert client.get(f"/praktijken/{draft.id}/geschiedenis").status_code == 404


def test_another_regions_staff_may_not_read_a_published_history(client, cast, make_practice):
    published = make_practice(publish=True)
    login(client, cast.other_staff)
    assert client.get(f"/praktijken/{published.id}/geschiedenis").status_code == 403


def test_history_does_not_query_per_entry(client, db, cast, make_practice, query_counter):
    short = make_practice("Kort")
    long = make_practice("Lang")
    one = services.ResultData(
        indicator="Eén", value=Decimal(1), measured_on=date(2025, 1, 1), phase=cast.phases[0]
    )
    services.add_result(cast.staff, short, one)
    cycle.move_phase(cast.staff, short, cast.phases[1], "Een stap verder in de cirkel.")
    for n in range(6):
        services.update_practice(cast.staff, long, data_of(long, title=f"Lang {n}"), expected_revision=None)
        result = services.ResultData(
            indicator=f"Indicator {n}", value=Decimal(n), measured_on=date(2025, 1, 1), phase=cast.phases[0]
        )
        services.add_result(cast.staff, long, result)
    for phase in cast.phases[1:4]:
        cycle.move_phase(cast.staff, long, phase, "Een stap verder in de cirkel.")
    db.session.commit()
    login(client, cast.staff)
    counts = []
    for practice in (short, long):
        url = f"/praktijken/{practice.id}/geschiedenis"
        client.get(url)
        with query_counter() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
