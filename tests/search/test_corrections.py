"""Corrections that run: a search that finds nothing runs its confident correction, with a link to search
literally; a search that finds little suggests it. The vocabulary is every published word (titles, texts,
indicators), never a draft's or private feedback's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from exchange.policy import SYSTEM


def test_a_word_only_in_a_practice_text_is_corrected(world, make_practice, search):
    make_practice("Samen wonen", body="Veel jongvolwassenen zoeken een eigen plek.")

    outcome = search("jongvolwasenen")

    assert outcome.corrected_from == "jongvolwasenen"
    assert outcome.query.text == "jongvolwassenen"
    assert [h.title for h in outcome.hits] == ["Samen wonen"]
    assert outcome.suggestion is None


def test_a_word_only_in_an_indicator_is_corrected(world, make_practice, search, db):
    from exchange.practices import services

    practice = make_practice("Een plek voor elk kind")
    services.add_result(
        SYSTEM,
        practice,
        services.ResultData(
            indicator="Doorlooptijd aanmelding",
            value=Decimal(5),
            measured_on=date(2024, 1, 1),
            phase=world.phases[3],
        ),
    )
    db.session.commit()

    outcome = search("doorlooptyd", soort=None)

    assert outcome.query.text == "doorlooptijd"
    assert outcome.total >= 1


def test_the_literal_search_runs_literally(world, make_practice, search):
    make_practice("Samen wonen", body="Veel jongvolwassenen zoeken een eigen plek.")

    outcome = search("jongvolwasenen", letterlijk=1)

    assert outcome.total == 0
    assert outcome.corrected_from is None
    assert outcome.query.text == "jongvolwasenen"


def test_words_of_drafts_and_private_feedback_never_feed_corrections(
    world, make_practice, search, people, db
):
    from exchange.practices import services

    make_practice("Concept", body="Een traumasensitieve aanpak.", status="draft")
    public = make_practice("Open aanpak", body="Over de wijk.")
    services.post_feedback(people["coach"], public, "Denk aan kwetsbaarheidsanalyse.")
    db.session.commit()

    for typed in ("truamasensitieve", "kwetsbaarheidsanalise"):
        outcome = search(typed)
        assert outcome.total == 0
        assert outcome.corrected_from is None
        assert outcome.suggestion is None
    # Staff of the draft's region find the draft itself, but corrections still come from published words.
    assert search("traumasensitieve", user=people["staff"]).total == 1
    assert search("truamasensitieve", user=people["staff"]).corrected_from is None


def test_a_published_word_is_offered_once_the_draft_is_published(world, make_practice, search, db):
    from exchange.practices import services

    draft = make_practice("Concept", body="Een traumasensitieve aanpak.", status="draft")
    assert search("truamasensitieve").corrected_from is None

    services.publish_practice(SYSTEM, draft)
    db.session.commit()

    assert search("truamasensitieve").query.text == "traumasensitieve"


def test_few_results_get_the_correction_suggested_above_them(world, make_practice, search):
    make_practice("Wachten", body="Een lange wachtlijts.")  # a typo in a text
    for i in range(6):
        make_practice(f"Aanpak {i}", body="Over de wachtlijst.")

    outcome = search("wachtlijts")

    assert outcome.total == 1
    assert outcome.corrected_from is None
    assert outcome.suggestion == "wachtlijst"


def test_enough_results_get_no_suggestion(world, make_practice, search):
    for i in range(3):
        make_practice(f"Wachten {i}", body="Een lange wachtlijts.")
    for i in range(6):
        make_practice(f"Aanpak {i}", body="Over de wachtlijst.")

    assert search("wachtlijts").suggestion is None


def test_page_zero_results_shows_the_corrected_results_with_a_literal_link(world, make_practice, client, db):
    from exchange.search.models import SearchMiss

    make_practice("Samen wonen", body="Veel jongvolwassenen zoeken een eigen plek.")

    body = client.get("/zoeken?q=jongvolwasenen").get_data(as_text=True)

    assert "Resultaten voor <strong><em>jongvolwassenen</em></strong>." in body
    assert 'href="/zoeken?letterlijk=1&amp;q=jongvolwasenen"' in body
    assert "Samen wonen" in body
    # What was typed found nothing: it is counted for the administrators.
    assert db.session.scalar(select(SearchMiss.query)) == "jongvolwasenen"

    literal = client.get("/zoeken?letterlijk=1&q=jongvolwasenen").get_data(as_text=True)
    assert "Resultaten voor" not in literal
    assert "Samen wonen" not in literal
    assert "0 resultaten voor ‘jongvolwasenen’" in literal


def test_page_few_results_suggests_above_them(world, make_practice, client):
    make_practice("Wachten", body="Een lange wachtlijts.")
    for i in range(6):
        make_practice(f"Aanpak {i}", body="Over de wachtlijst.")

    body = client.get("/zoeken?q=wachtlijts").get_data(as_text=True)

    assert body.index("Bedoelde u") < body.index("Wachten")
    assert 'href="/zoeken?q=wachtlijst"' in body


def test_new_words_are_learnt_after_the_first_correction(world, make_practice, search):
    make_practice("Samen wonen", body="Veel jongvolwassenen zoeken een eigen plek.")
    assert search("jongvolwasenen").corrected_from  # the vocabulary is built now

    make_practice("Thuis", body="Ervaringsdeskundigen helpen mee.")

    assert search("ervaringsdeskundigem").query.text == "ervaringsdeskundigen"
