"""Bedoelde u ...?: a corrected query when a word is unknown and the search found few results.

The spelling source is small on purpose (a full body vocabulary makes corrections slow): titles, theme and
region names, the curated VOCABULARY below and the synonym words.
"""

from __future__ import annotations

from exchange.search import analysis, engine, synonyms
from exchange.search.parsing import ParsedQuery, build_clauses, parse_query

SUGGEST_BELOW = 3

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


def suggest(parsed: ParsedQuery, index: engine.SearchIndex, synonym_map: synonyms.SynonymMap) -> str | None:
    """A corrected query when a word is unknown (in no title, theme, region or document), else None.

    The spelling source is small on purpose: titles, theme and region names, the curated vocabulary and the
    synonym words (a full body vocabulary makes corrections slow).
    """
    changed = False
    words = []
    vocabulary = sorted(VOCABULARY | set(synonym_map.words))
    folded = [analysis.fold(w) for w in parsed.words]
    known = index.known_words(folded)
    for word, low in zip(parsed.words, folded):
        terms = engine.analyze_query(word)
        if len(low) < 4 or not low.isalpha() or low in known or not terms or index.has_terms(terms):
            words.append(word)
            continue
        fixed = index.corrections(low, extra=vocabulary)
        if fixed and fixed != low:
            words.append(fixed)
            changed = True
        else:
            words.append(word)
    if not changed:
        return None
    return " ".join([f'"{p}"' for p in parsed.phrases] + words)


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
    spec = engine.SearchSpec(
        clauses=build_clauses(parse_query(candidate), synonym_map),
        filters=check.filters,
        visibility=check.visibility,
        limit=0,
        facets=(),
    )
    return candidate if index.search(spec).total > found else None
