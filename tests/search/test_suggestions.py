"""Bedoelde u ...? — a correction when a word is misspelt or nothing is found."""

from __future__ import annotations


def test_a_misspelt_word_gets_a_suggestion_that_finds_something(world, make_practice, search):
    make_practice("Thuiszitters weer naar school")

    outcome = search("thuiszittrs")

    assert outcome.total == 0
    assert outcome.suggestion == "thuiszitters"


def test_suggestions_come_from_the_curated_vocabulary_too(world, make_practice, search):
    make_practice("Een plek voor elk kind", body="Afspraken over de wachtlijst.")

    assert search("wachtlijts").suggestion == "wachtlijst"


def test_no_suggestion_when_enough_is_found(world, make_practice, search):
    for i in range(3):
        make_practice(f"Thuiszitters {i}")

    assert search("thuiszitters").suggestion is None


def test_no_suggestion_that_would_find_nothing_either(world, search):
    assert search("xqzwvk").suggestion is None


def test_phrases_are_kept_in_the_suggestion(world, make_practice, search):
    make_practice("Thuiszitters en lokale teams")

    assert search('"lokale teams" thuiszittrs').suggestion == '"lokale teams" thuiszitters'


def test_the_page_links_the_suggestion(world, make_practice, client):
    make_practice("Thuiszitters weer naar school")

    body = client.get("/zoeken?q=thuiszittrs").get_data(as_text=True)

    assert "Bedoelde u" in body
    assert 'href="/zoeken?q=thuiszitters"' in body
