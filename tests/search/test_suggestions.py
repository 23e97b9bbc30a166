"""Bedoelde u ...? — a correction when a word is misspelt or nothing is found (a search that finds nothing
runs its confident correction at once: tests/search/test_corrections.py)."""

from __future__ import annotations


def test_a_misspelt_word_gets_a_suggestion_that_finds_something(world, make_practice, search):
    make_practice("Thuiszitters weer naar school")

    outcome = search("thuiszittrs", letterlijk=1)

    assert outcome.total == 0
    assert outcome.corrected_from is None
    assert outcome.suggestion is None  # literally: no correction at all

    outcome = search("thuiszittrs")

    assert outcome.corrected_from == "thuiszittrs"
    assert outcome.query.text == "thuiszitters"
    assert outcome.total == 1


def test_suggestions_come_from_the_curated_vocabulary_too(world, make_practice, search):
    make_practice("Een plek voor elk kind", body="Afspraken over de wachtlijst.")

    assert search("wachtlijts").query.text == "wachtlijst"


def test_no_suggestion_when_enough_is_found(world, make_practice, search):
    for i in range(3):
        make_practice(f"Thuiszitters {i}")

    assert search("thuiszitters").suggestion is None


def test_no_suggestion_that_would_find_nothing_either(world, search):
    assert search("xqzwvk").suggestion is None


def test_phrases_are_kept_in_the_suggestion(world, make_practice, search):
    make_practice("Thuiszitters en lokale teams")

    assert search('"lokale teams" thuiszittrs').query.text == '"lokale teams" thuiszitters'


def test_the_page_links_the_suggestion(world, make_practice, client):
    make_practice("Thuiszitters weer naar school")

    body = client.get("/zoeken?q=thuiszittrs&letterlijk=1").get_data(as_text=True)
    assert "Bedoelde u" not in body  # the literal search is literal

    body = client.get("/zoeken?q=thuiszittrs").get_data(as_text=True)

    assert "Bedoelde u" not in body  # nothing found: the correction ran
    assert "Resultaten voor <strong><em>thuiszitters</em></strong>" in body
