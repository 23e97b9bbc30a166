"""Corrections: a corrected query when a word is unknown. With no results a confident correction runs at once
(queries.search); with few results it is suggested ("Bedoelde u ...?").

The spelling source is the whole published vocabulary (titles, summaries, bodies, indicators, theme and region
names; engine/vocabulary.py keeps it in a symmetric-delete table per index build, so a correction costs a few
hundred dictionary lookups), plus the curated VOCABULARY below and the synonym words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from exchange.search import analysis, engine, synonyms
from exchange.search.parsing import ParsedQuery, build_clauses, parse_query

SUGGEST_BELOW = 3
RARE = 2  # a word in at most this many published documents may be a typo in them
RARE_FACTOR = 5

# Words the spelling suggestions may offer besides titles, theme and region names (folded).
VOCABULARY = frozenset(
    [
        "jeugdhulp",
        "jeugdzorg",
        "jeugdhulpverlener",
        "jeugdhulpverleners",
        "jeugdhulpaanbieder",
        "jeugdhulpaanbieders",
        "jeugdbescherming",
        "jeugdreclassering",
        "jeugdgezondheidszorg",
        "thuiszitter",
        "thuiszitters",
        "wachtlijst",
        "wachtlijsten",
        "wachttijd",
        "wachttijden",
        "pleegzorg",
        "pleeggezin",
        "pleeggezinnen",
        "gezinshuis",
        "gezinshuizen",
        "gezin",
        "gezinnen",
        "kind",
        "kinderen",
        "jongere",
        "jongeren",
        "jongvolwassenen",
        "ouders",
        "ouder",
        "huisarts",
        "huisartsen",
        "praktijkondersteuner",
        "onderwijs",
        "school",
        "scholen",
        "leerplicht",
        "verzuim",
        "schoolverzuim",
        "samenwerking",
        "coordinatie",
        "regie",
        "casusregie",
        "wijkteam",
        "wijkteams",
        "toegang",
        "lokale",
        "integrale",
        "inkoop",
        "contractering",
        "financiering",
        "transformatie",
        "transformatiefonds",
        "ambulantisering",
        "residentiele",
        "afbouw",
        "gesloten",
        "vakmanschap",
        "professionalisering",
        "monitoring",
        "outcome",
        "indicator",
        "resultaat",
        "resultaten",
        "preventie",
        "veiligheid",
        "huiselijk",
        "geweld",
        "kindermishandeling",
        "crisis",
        "crisisopvang",
        "expertteam",
        "maatwerk",
        "zorgaanbieder",
        "zorgaanbieders",
        "gemeente",
        "gemeenten",
        "gemeentes",
        "regio",
        "verlengde",
        "netwerkstrategie",
        "netwerkcoach",
        "mentor",
        "begeleiding",
        "zelfstandigheid",
        "woonvoorziening",
        "dagbesteding",
        "behandeling",
        "diagnostiek",
        "specialistische",
        "ggz",
        "lvb",
        "jim",
        "poh",
        "beperking",
        "verstandelijke",
        "ontwikkelcirkel",
        "actielijn",
        "actielijnen",
        "thema",
        "praktijkvoorbeeld",
        "praktijkvoorbeelden",
    ]
)


@dataclass
class Correction:
    """A corrected query: its text and the largest Dutch distance of a corrected word (see spelling.py)."""

    text: str
    distance: float


def correct(
    parsed: ParsedQuery, index: engine.SearchIndex, synonym_map: synonyms.SynonymMap
) -> Correction | None:
    """The query with its unknown or rare words corrected from the whole published vocabulary, else None.

    A word is unknown when no document holds it (spelling field: titles, texts, indicators, themes, regions)
    and none of its index terms occurs; it is rare when at most RARE published documents hold it (a typo in a
    text), and then only a word in RARE_FACTOR times as many documents replaces it. Words under 4 letters and
    words with digits are left alone.
    """
    changed = False
    worst = 0.0
    words = []
    curated = tuple(sorted(VOCABULARY | set(synonym_map.words)))
    folded = [analysis.fold(w) for w in parsed.words]
    known = index.known_words(folded)
    for word, low in zip(parsed.words, folded):
        terms = engine.analyze_query(word)
        if len(low) < 4 or not low.isalpha() or not terms:
            words.append(word)
            continue
        fixed = None
        if low not in known and not index.has_terms(terms):
            fixed = index.correct(low, extra=curated)
        else:
            own = index.public_count(low, enough=RARE)
            if own <= RARE:
                fixed = index.correct(low, more_than=max(RARE, RARE_FACTOR * own))
        if fixed and fixed[0] != low:
            words.append(fixed[0])
            worst = max(worst, fixed[1])
            changed = True
        else:
            words.append(word)
    if not changed:
        return None
    return Correction(" ".join([f'"{p}"' for p in parsed.phrases] + words), worst)


def suggest(parsed: ParsedQuery, index: engine.SearchIndex, synonym_map: synonyms.SynonymMap) -> str | None:
    """The corrected query's text (see `correct`), else None."""
    found = correct(parsed, index, synonym_map)
    return found.text if found else None


def corrected_spec(
    candidate: str, synonym_map: synonyms.SynonymMap, check: engine.SearchSpec
) -> engine.SearchSpec:
    """`check` (filters, visibility, paging, facets) with the clauses of `candidate`."""
    return replace(check, clauses=build_clauses(parse_query(candidate), synonym_map))


def better_query(
    parsed: ParsedQuery,
    index: engine.SearchIndex,
    synonym_map: synonyms.SynonymMap,
    check: engine.SearchSpec,
    found: int,
) -> str | None:
    """The suggestion worth showing: a corrected query that finds more than the `found` of the search.

    `check` is the search's spec (filters and visibility are kept; its clauses, paging and facets are not).
    """
    if not parsed.words or found >= SUGGEST_BELOW:
        return None
    candidate = suggest(parsed, index, synonym_map)
    if not candidate or candidate.lower() == parsed.text.lower():
        return None
    spec = replace(corrected_spec(candidate, synonym_map, check), limit=0, offset=0, facets=())
    return candidate if index.search(spec).total > found else None
