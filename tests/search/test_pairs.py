"""The pairs field (schema.WordPairs): a phrase is found from adjacent term pairs with exactly the documents
that reading positions finds, an index built before the field keeps working, and a two-word phrase reads no
positions at all."""

from __future__ import annotations

import random

import pytest

from exchange.search import engine
from exchange.search.engine import schema, searchindex
from exchange.search.engine import whoosh_internals as internals

# Plain words, compounds (their parts share the word's position) and stop words (they take no position).
WORDS = [
    "lokale",
    "teams",
    "jeugdhulp",
    "jeugdhulpaanbieders",
    "wachtlijst",
    "wachtlijstaanpak",
    "jonge",
    "volwassenen",
    "jongvolwassenen",
    "de",
    "en",
    "van",
    "school",
    "thuiszitters",
]


def _docs(count: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "key": f"practice:{i}",
            "type": "practice",
            "status": "published",
            "title": " ".join(rng.choice(WORDS) for _ in range(3)),
            "body": " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))),
        }
        for i in range(1, count + 1)
    ]


def _phrases(seed: int = 5) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    terms = sorted({t for w in WORDS for t in engine.analyze_query(w)})
    chosen = {tuple(rng.choice(terms) for _ in range(n)) for n in (2, 2, 3, 4) for _ in range(25)}
    return sorted(chosen) + [("lokal", "jeugdhulp"), ("jong", "volwass"), ("wachtlijst", "aanpak")]


def _found(ix, phrase: tuple[str, ...]) -> set[str]:
    result = ix.search(engine.SearchSpec(clauses=[[phrase]], limit=500, facets=()))
    assert result.total == len(result.hits)
    return {key for key, _ in result.hits}


def _schema_of(ix):
    _found(ix, ("lokal", "team"))  # opens the index
    return ix._ix.schema


def _without(built):
    built.remove(schema.PAIRS_FIELD)
    return built


@pytest.fixture
def without_pairs(monkeypatch):
    """Build indexes with the schema as it was before the pairs field."""

    monkeypatch.setattr(searchindex, "build_schema", lambda: _without(schema.build_schema()))


def test_pairs_find_exactly_what_positions_find(tmp_path, monkeypatch):
    docs = _docs(300)
    new = searchindex.SearchIndex(tmp_path / "new")
    new.rebuild(docs)
    with monkeypatch.context() as patch:
        patch.setattr(searchindex, "build_schema", lambda: _without(schema.build_schema()))
        old = searchindex.SearchIndex(tmp_path / "old")
        old.rebuild(docs)
    try:
        assert schema.PAIRS_FIELD in _schema_of(new) and schema.PAIRS_FIELD not in _schema_of(old)
        nonempty = 0
        for phrase in _phrases():
            expected = _found(old, phrase)
            assert _found(new, phrase) == expected, phrase
            nonempty += bool(expected)
        assert nonempty >= 20  # the comparison is about phrases that occur, not only absent ones
    finally:
        new.close()
        old.close()


def test_an_index_built_before_the_pairs_field_takes_saves_and_finds_phrases(tmp_path, without_pairs):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild([{"key": "practice:1", "title": "x", "body": "de lokale teams werken samen"}])
    ix.apply(upserts=[{"key": "practice:2", "title": "y", "body": "lokale teams in de wijk"}])
    try:
        assert schema.PAIRS_FIELD not in _schema_of(ix)
        assert _found(ix, ("lokal", "team")) == {"practice:1", "practice:2"}
    finally:
        ix.close()


def test_a_two_word_phrase_reads_no_positions(tmp_path, monkeypatch):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(_docs(200))
    ix.warm()

    def no_positions(matcher):
        raise AssertionError("positions were read for a two-word phrase")

    monkeypatch.setattr(internals, "leaf_values", no_positions)
    try:
        assert _found(ix, ("jong", "volwass"))
        # Three words read positions, but only in the documents that hold both pairs.
        monkeypatch.undo()
        assert isinstance(_found(ix, ("lokal", "team", "jeugdhulp")), set)
    finally:
        ix.close()


def test_the_pairs_are_those_of_the_analysed_text():
    _, _, pairs = schema.analyse("De lokale teams en de jeugdhulpaanbieders")
    # Stop words take no position; a compound's parts pair with the words on either side.
    assert {"lokal team", "team jeugdhulpaanbieder", "team jeugdhulp"} <= pairs
    assert "lokal jeugdhulpaanbieder" not in pairs
