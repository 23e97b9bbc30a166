"""The Dutch-aware edit distance and the lookups behind corrections (exchange/search/spelling.py)."""

from __future__ import annotations

import pytest

from exchange.search import spelling


@pytest.mark.parametrize(
    ("typed", "meant", "distance"),
    [
        ("jongvolwasenen", "jongvolwassenen", spelling.CHEAP),  # a doubled letter typed once
        ("wachtlijjst", "wachtlijst", spelling.CHEAP),  # a letter typed twice
        ("byzonder", "bijzonder", spelling.CHEAP),  # y for ij
        ("bijzonder", "byzonder", spelling.CHEAP),  # and back
        ("trijn", "trein", spelling.CHEAP),  # ij for ei
        ("vrauw", "vrouw", spelling.CHEAP),  # au for ou
        ("wachtljist", "wachtlijst", spelling.SWAP),  # two letters swapped
        ("jeugdzrog", "jeugdzorg", spelling.SWAP),
        ("jeugdzorh", "jeugdzorg", 1.0),  # an ordinary wrong letter
        ("wachtlist", "wachtlijst", 1.0),  # an ordinary missing letter
        ("jeugdzorg", "jeugdzorg", 0.0),
    ],
)
def test_dutch_slips_cost_less_than_other_edits(typed, meant, distance):
    assert spelling.dutch_distance(typed, meant) == pytest.approx(distance)
    assert spelling.dutch_distance(meant, typed) == pytest.approx(distance)


def test_two_slips_add_up():
    assert spelling.dutch_distance("jongvolwasene", "jongvolwassenen") == pytest.approx(1 + spelling.CHEAP)
    assert spelling.dutch_distance("byzondre", "bijzonder") == pytest.approx(spelling.CHEAP + spelling.SWAP)


def test_a_different_word_is_far_away():
    assert spelling.dutch_distance("pleegzorg", "zorg") > spelling.max_distance("pleegzorg")


def test_variants_undo_each_slip():
    assert spelling.variants("byzonder") == {"byzonder", "bijzonder"}
    assert "trein" in spelling.variants("trijn")
    assert "wachtlijst" in spelling.variants("wachtlijjst")
    assert "vrouw" in spelling.variants("vrauw")


def test_deletions_are_the_distance_one_neighbourhood():
    assert spelling.deletions("kind") == {"ind", "knd", "kid", "kin"}


def test_short_words_are_never_corrected():
    assert spelling.max_distance("jim") == 0
    assert spelling.max_distance("kind") == 1.0
    assert spelling.max_distance("jongvolwassenen") > 1.0
