"""What a Dutch practitioner means: compounds learned from the corpus, related words (with narrower terms),
hyphenated words and multi-word synonyms, and the judged query set (bench/relevance.py) held to its figures."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from exchange.errors import Invalid
from exchange.policy import SYSTEM
from exchange.search import learned, parsing, synonyms
from tests.search.conftest import titles

ROOT = Path(__file__).resolve().parents[2]

# The judged query set on the demo corpus reached these figures (bench/relevance.py, engine column, SQLite).
# The suite keeps them from dropping; raise them when the engine gets better, never lower them quietly.
MIN_NDCG_AT_10 = 0.88  # reached 0.888 (grouped, corrections, a clean index: issues 14 and 18)
MIN_RECALL_AT_10 = 0.87  # reached 0.876


def _term(word: str) -> str | None:
    from exchange.search import engine

    forms = engine.word_forms(word, False)
    return forms[0] if forms else None


def _vocabulary(words: dict[str, int]) -> list[tuple[str, int]]:
    """(index term, document frequency) as the index would hold them for these words."""
    out: dict[str, int] = {}
    for word, df in words.items():
        term = _term(word)
        if term:
            out[term] = max(out.get(term, 0), df)
    return list(out.items())


VOCABULARY = {
    "opvang": 5,
    "daklozenopvang": 1,
    "crisis": 3,
    "crisisopvang": 2,
    "kinderopvang": 2,
    "zorg": 9,
    "vuldig": 3,  # even a frequent "word" that is an ending is never a part
    "zorgvuldig": 4,
    "dak": 3,
    "dakloos": 1,
    "wachtlijst": 4,
    "aanpak": 6,
    "wachtlijstaanpak": 1,
    "verzuim": 3,
    "school": 5,
    "schoolverzuim": 2,
    "onder": 5,
    "steuning": 2,
    "ondersteuning": 7,
    "zeldzaam": 1,
    "woordenboek": 1,
    "zeldzaamwoordenboek": 1,
}


def test_learned_compounds_split_into_frequent_parts_with_irregular_forms():
    compounds = learned.learn(_vocabulary(VOCABULARY), _term)
    assert _term("daklozenopvang") in compounds.compounds_of(_term("dakloos"))  # daklozen- is dakloos
    assert _term("daklozenopvang") in compounds.compounds_of("opvang")
    assert _term("kinderopvang") in compounds.compounds_of(_term("kind"))  # kinder- is kind
    assert _term("schoolverzuim") in compounds.compounds_of("verzuim")
    assert compounds.splits[_term("crisisopvang")] == ("crisis", "opvang")


def test_learned_compounds_refuse_false_splits():
    compounds = learned.learn(_vocabulary(VOCABULARY), _term)
    split_terms = set(compounds.splits)
    assert _term("zorgvuldig") not in split_terms  # no "zorg" in "zorgvuldig"
    assert not compounds.compounds_of("zorg")
    assert _term("dakloos") not in split_terms  # "-loos" is an ending, "dak" + "loos" no compound
    assert _term("ondersteuning") not in split_terms  # "onder" begins derivations
    # Parts that occur in one document only are not frequent enough to be learned.
    assert _term("zeldzaamwoordenboek") not in split_terms


def test_learned_compounds_are_deterministic():
    vocabulary = _vocabulary(VOCABULARY)
    first = learned.learn(vocabulary, _term)
    shuffled = list(vocabulary)
    random.Random(7).shuffle(shuffled)
    again = learned.learn(shuffled, _term)
    assert first.containing == again.containing and first.splits == again.splits


def test_an_unknown_compound_is_searched_as_its_parts():
    compounds = learned.learn(_vocabulary(VOCABULARY), _term)
    assert compounds.decompose(_term("schoolverzuimaanpak")) == (_term("schoolverzuim"), _term("aanpak"))
    assert compounds.decompose(_term("wachtlijstaanpak")) is None  # it occurs: searched as it is
    assert compounds.decompose(_term("zorgvuldigheid")) is None


def test_dakloos_finds_a_practice_that_speaks_of_daklozenopvang(make_practice, search):
    make_practice("Kleinschalig wonen", "Een stap na de daklozenopvang, met begeleiding.")
    make_practice("Dakloze jongeren een dak", "Opvang in het netwerk.")
    make_practice("Zorgvuldig verwijzen", "Een zorgvuldig gesprek.")
    make_practice("Zorg in de wijk", "Zorg dichtbij.")
    make_practice("Opvang dichtbij", "Opvang in de wijk.")
    assert set(titles(search("dakloos"))) == {"Kleinschalig wonen", "Dakloze jongeren een dak"}
    # "zorg" does not find "zorgvuldig" (only the practice that says zorg).
    assert titles(search("zorg")) == ["Zorg in de wijk"]


def test_a_broader_term_finds_narrower_ones_below_itself(db, world, make_practice, search):
    synonyms.add_synonym(SYSTEM, "jongeren > jongvolwassenen")
    db.session.commit()
    make_practice("Wonen voor jongvolwassenen", "Kamers met begeleiding.")
    make_practice("Wonen voor jongeren", "Kamers met begeleiding.")
    assert titles(search("jongeren wonen")) == ["Wonen voor jongeren", "Wonen voor jongvolwassenen"]
    # Narrower does not find broader.
    assert titles(search("jongvolwassenen wonen")) == ["Wonen voor jongvolwassenen"]


def test_hyphenated_words_and_typed_multiword_synonyms_search_as_phrases(world, make_practice, search):
    make_practice("Begeleid wonen voor 18-plussers", "Studio's in de wijk.")
    make_practice("Plussers en 18 gemeenten", "Iets anders.")
    make_practice("Werk voor jongeren met een LVB", "Een leerwerkplaats.")
    assert titles(search("18-plussers")) == ["Begeleid wonen voor 18-plussers"]
    # Typed without quotes, three or more words of a synonym search as that synonym: lvb is found.
    assert titles(search("werk licht verstandelijke beperking")) == ["Werk voor jongeren met een LVB"]
    parsed = parsing.parse_query("poh-jeugd bij de huisarts")
    assert parsed.phrases == ["poh jeugd"] and parsed.words == ["bij", "de", "huisarts"]


def test_when_all_words_find_nothing_most_of_them_do(world, make_practice, search):
    make_practice("Wachttijd in de jeugdhulp", "Korter wachten.")
    make_practice("Iets over pleegzorg", "Pleegouders.")
    outcome = search("hoe verkort je de wachttijd in de jeugdhulp")
    assert titles(outcome) == ["Wachttijd in de jeugdhulp"] and outcome.relaxed
    exact = search("wachttijd jeugdhulp")
    assert titles(exact) == ["Wachttijd in de jeugdhulp"] and not exact.relaxed
    # One word that occurs nowhere still finds nothing.
    assert search("zwaluwstaartmethode").total == 0


# ------------------------------------------------------------------------------------ the shipped defaults


def test_defaults_are_loaded_once_and_never_overwrite_an_administrators_edit(db, world):
    from sqlalchemy import func, select

    from exchange.search.models import SearchSynonym

    assert synonyms.load_defaults() == 0  # the world fixture loaded them: nothing left to add
    count = db.session.scalar(select(func.count(SearchSynonym.id)))
    assert count == len(synonyms.DEFAULT_SYNONYMS)
    group = db.session.scalar(select(SearchSynonym).where(SearchSynonym.terms.like("dakloos,%")))
    synonyms.update_synonym(SYSTEM, group, "dakloos, thuisloos", "Zo willen wij het.")
    mdo = db.session.scalar(select(SearchSynonym).where(SearchSynonym.terms.like("mdo,%")))
    synonyms.delete_synonym(SYSTEM, mdo)
    db.session.commit()
    assert synonyms.load_defaults() == 1  # only the deleted group (none of its words is left) comes back
    db.session.commit()
    assert db.session.get(SearchSynonym, group.id).terms == "dakloos, thuisloos"
    assert synonyms.load_defaults() == 0


def test_an_untouched_earlier_default_is_brought_up_to_date(db, world):
    from sqlalchemy import select

    from exchange.search.models import SearchSynonym

    old, new = next(iter(synonyms.EARLIER_DEFAULTS.items()))
    row = db.session.scalar(select(SearchSynonym).where(SearchSynonym.terms == new))
    row.terms = old
    db.session.commit()
    assert synonyms.load_defaults() == 1
    db.session.commit()
    assert db.session.get(SearchSynonym, row.id).terms == new


def test_seed_reference_adds_the_default_synonyms(runner, db):
    from sqlalchemy import func, select

    from exchange.search.models import SearchSynonym

    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(SearchSynonym.id))) == len(synonyms.DEFAULT_SYNONYMS)
    again = runner.invoke(args=["seed", "reference"])
    assert again.exit_code == 0 and db.session.scalar(select(func.count(SearchSynonym.id))) == len(
        synonyms.DEFAULT_SYNONYMS
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("> jongvolwassenen", "Zet voor '>' minstens één woord."),
        ("jongeren > jongeren", "'jongeren' staat voor en na '>'."),
        ("jongeren > a > b", "'a > b' is geen bruikbaar zoekwoord."),
    ],
)
def test_a_bad_narrower_group_is_refused_in_dutch(db, world, typed, message):
    with pytest.raises(Invalid) as caught:
        synonyms.add_synonym(SYSTEM, typed)
    assert message in caught.value.details["fields"]["terms"]


def test_a_narrower_group_round_trips_through_the_admin_form(db, world, cast, client, auth):
    from sqlalchemy import select

    from exchange.search.models import SearchSynonym
    from tests.web import csrf_token_from

    auth.login(cast.admin)
    db.session.delete(db.session.scalar(select(SearchSynonym).where(SearchSynonym.terms.like("huisarts >%"))))
    db.session.commit()
    response = client.post(
        "/beheer/zoeken/synoniemen",
        data={
            "terms": "Huisarts >  POH, praktijkondersteuner",
            "note": "",
            "csrf_token": csrf_token_from(client, "/beheer/zoeken"),
        },
    )
    assert response.status_code == 302
    row = db.session.scalar(select(SearchSynonym).where(SearchSynonym.terms.like("huisarts >%")))
    assert row.terms == "huisarts > poh, praktijkondersteuner"
    edit = client.get(f"/beheer/zoeken/synoniemen/{row.id}/bewerken")
    assert 'value="huisarts &gt; poh, praktijkondersteuner"' in edit.get_data(as_text=True)


# ------------------------------------------------------------------------------------- the judged query set


def _bench():
    spec = importlib.util.spec_from_file_location("bench_relevance", ROOT / "bench" / "relevance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_judged_query_set_keeps_its_relevance(tmp_path):
    bench = _bench()
    judgments = bench.load_judgments()
    assert len(judgments) >= 60
    assert {j.category for j in judgments} == set(bench.CATEGORIES)
    app = bench.demo_app(tmp_path)
    table, per_query = bench.evaluate(judgments, bench.engine_ranking(app))
    ndcg, recall, _, _ = table.overall
    # Drafts, archived practices and private feedback are never found, whatever else changes.
    assert table.rows["nothing"][:3] == (1.0, 1.0, 1.0), {
        q: top for q, (s, top) in per_query.items() if s[0] < 1
    }
    assert ndcg >= MIN_NDCG_AT_10, bench.format_tables({"engine": table})
    assert recall >= MIN_RECALL_AT_10, bench.format_tables({"engine": table})
