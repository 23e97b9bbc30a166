"""Dutch that works: stemming, accents, abbreviations, compounds, irregular plurals, synonyms, phrases, title weight."""

from __future__ import annotations

import pytest

from exchange.search import analysis, compounds, engine
from tests.search.conftest import titles

FOUND = [
    # (text in the practice, what someone types)
    ("Steun voor gezinnen in de wijk", "gezin"),
    ("Steun voor elk gezin in de wijk", "gezinnen"),
    ("Een tafel voor thuiszitters", "thuiszitter"),
    ("Elke thuiszitter een plek", "thuiszitters"),
    ("Regionale coördinatie van zorg", "coordinatie"),
    ("Regionale coordinatie van zorg", "coördinatie"),
    ("Regionale COÖRDINATIE van zorg", "Coordinatie"),
    ("Werken met een JIM", "jim"),
    ("Werken met een jim", "JIM"),
    ("Jongeren met LVB", "lvb"),
    ("De POH-jeugd bij de huisarts", "poh"),
    ("Scholing voor jeugdhulpverleners", "jeugdhulp"),
    ("Afspraken met jeugdhulpaanbieders", "jeugdhulp"),
    ("Afspraken met jeugdhulpaanbieders", "jeugdhulpaanbieder"),
    ("Scholing voor jeugdhulpverleners", "hulpverlener"),
    ("Steun voor de wachtlijstaanpak", "wachtlijst"),
    ("Opvang voor kinderen", "kind"),
    ("Elk kind telt", "kinderen"),
    ("Samen met de gemeenten", "gemeente"),
    ("Samen met de gemeentes", "gemeenten"),
    ("Samen met de gemeente", "gemeentes"),
    ("Financiële afspraken", "financieel"),
    ("Meer pleeggezinnen werven", "pleeggezin"),
    ("Nieuwe gezinshuizen", "gezinshuis"),
    ("Kennis over kindermishandeling", "mishandeling"),
]


@pytest.mark.parametrize(("text", "typed"), FOUND)
def test_dutch_word_forms_find_each_other(world, make_practice, search, text, typed):
    make_practice(text)
    make_practice("Iets heel anders over inkoop")

    outcome = search(typed)

    assert titles(outcome) == [text]


NOT_FOUND = [
    ("Iets over de zorgvuldige inkoop", "zorg"),  # no split without a known second part
    ("Afspraken met jeugdhulpaanbieders", "aanbod"),
    ("De wijkteams werken samen", "wijkteamleider"),
]


@pytest.mark.parametrize(("text", "typed"), NOT_FOUND)
def test_ordinary_words_are_not_split(world, make_practice, search, text, typed):
    make_practice(text)

    assert search(typed).total == 0


def test_synonym_from_the_shipped_list_finds_the_other_word(world, make_practice, search):
    make_practice("Snellere jeugdhulp in de regio")

    assert titles(search("jeugdzorg")) == ["Snellere jeugdhulp in de regio"]


def test_abbreviation_synonym_finds_the_written_out_phrase(world, make_practice, search):
    make_practice("Jongeren met een licht verstandelijke beperking")
    make_practice("Een lichte beperking van het verstand van een jongere")

    assert titles(search("LVB")) == ["Jongeren met een licht verstandelijke beperking"]


def test_synonym_added_by_an_administrator_works_at_once(world, make_practice, search, db):
    from exchange.search import synonyms

    make_practice("Het Handelingsgericht werken op school")
    assert search("hgw").total == 0

    admin = _admin(db)
    synonyms.add_synonym(admin, "hgw, handelingsgericht werken")
    db.session.commit()

    assert titles(search("hgw")) == ["Het Handelingsgericht werken op school"]


def _admin(db):
    from exchange.accounts.models import Role
    from tests.world import person

    user = person("beheer@ozj.example", Role.ADMIN, name="Beheer")
    db.session.commit()
    return user


def test_quoted_phrase_matches_words_next_to_each_other_only(world, make_practice, search):
    make_practice("Versterken van de lokale teams")
    make_practice("Teams uit de regio werken lokale zaken uit")

    assert titles(search('"lokale teams"')) == ["Versterken van de lokale teams"]
    assert search("lokale teams").total == 2


def test_phrase_skips_stop_words_the_same_way_as_the_index(world, make_practice, search):
    make_practice("Zorg voor de jeugd dichtbij")

    assert search('"zorg voor de jeugd"').total == 1


def test_title_weighs_more_than_body(world, make_practice, search):
    make_practice(
        "Een aanpak voor de regio", body="We werken hier aan de wachtlijst voor gezinnen, stap voor stap."
    )
    make_practice(
        "Wachtlijst weg", body="We werken hier aan de aanpak voor gezinnen, stap voor stap, in de regio."
    )

    assert titles(search("wachtlijst"))[0] == "Wachtlijst weg"


def test_all_words_must_match(world, make_practice, search):
    make_practice("Thuiszitters en onderwijs")
    make_practice("Thuiszitters en inkoop")

    assert titles(search("thuiszitters onderwijs")) == ["Thuiszitters en onderwijs"]


class TestAnalysis:
    """The plain-Python pieces the analyzer is made of."""

    @pytest.mark.parametrize(
        ("word", "parts"),
        [
            ("jeugdhulpverleners", ["jeugd", "jeugdhulp", "hulp", "hulpverleners", "verleners"]),
            ("overgangsregeling", ["overgang", "regeling"]),
            ("gemeente", []),
            ("zorgvuldig", []),
        ],
    )
    def test_compound_spans(self, word, parts):
        assert compounds.compound_spans(word) == parts

    def test_fold_strips_accents_and_case(self):
        assert analysis.fold("Coördinatie Financiële ĲSSEL") == "coordinatie financiele ijssel"

    def test_query_analysis_keeps_abbreviations_and_drops_stop_words(self):
        assert engine.analyze_query("De JIM en het LVB") == ["jim", "lvb"]

    def test_index_analysis_adds_compound_parts_at_the_same_position(self):
        tokens = [
            (t.text, t.pos)
            for t in engine.dutch_analyzer()("de jeugdhulpverleners", positions=True, mode="index")
        ]
        assert tokens[0] == ("jeugdhulpverlener", 0)
        assert {pos for _, pos in tokens} == {0}
        assert ("jeugdhulp", 0) in tokens
