"""Dutch word forms in plain Python: folding, control characters, stop words, irregular plurals and
abbreviations (compound splitting is in `compounds`).

The Whoosh analyzer in `engine` wraps these functions; keeping them here (without Whoosh) makes them easy to
test and to extend. Changing a list below changes what is indexed: run `flask search reindex` afterwards.
"""

from __future__ import annotations

import re
import unicodedata

# Snowball's Dutch stop words (the list Whoosh's LanguageAnalyzer("nl") uses), minus "ge" and "wezen", which
# are rarely function words in our texts. Stop words are dropped at index and at query time alike.
STOPWORDS = frozenset(
    [
        "aan",
        "al",
        "alles",
        "als",
        "altijd",
        "andere",
        "ben",
        "bij",
        "daar",
        "dan",
        "dat",
        "de",
        "der",
        "deze",
        "die",
        "dit",
        "doch",
        "doen",
        "door",
        "dus",
        "een",
        "eens",
        "en",
        "er",
        "geen",
        "geweest",
        "haar",
        "had",
        "heb",
        "hebben",
        "heeft",
        "hem",
        "het",
        "hier",
        "hij",
        "hoe",
        "hun",
        "iemand",
        "iets",
        "ik",
        "in",
        "is",
        "ja",
        "je",
        "kan",
        "kon",
        "kunnen",
        "maar",
        "me",
        "meer",
        "men",
        "met",
        "mij",
        "mijn",
        "moet",
        "na",
        "naar",
        "niet",
        "niets",
        "nog",
        "nu",
        "of",
        "om",
        "omdat",
        "onder",
        "ons",
        "ook",
        "op",
        "over",
        "reeds",
        "te",
        "tegen",
        "toch",
        "toen",
        "tot",
        "u",
        "uit",
        "uw",
        "van",
        "veel",
        "voor",
        "want",
        "waren",
        "was",
        "wat",
        "werd",
        "wie",
        "wil",
        "worden",
        "wordt",
        "zal",
        "ze",
        "zelf",
        "zich",
        "zij",
        "zijn",
        "zo",
        "zonder",
        "zou",
    ]
)

# Irregular plurals and adjective forms the Snowball stemmer does not bring together (folded spelling).
LEMMAS = {
    "kinderen": "kind",
    "kinders": "kind",
    "gezinnen": "gezin",
    "gemeenten": "gemeente",
    "gemeentes": "gemeente",
    "financiele": "financieel",
    "steden": "stad",
    "schepen": "schip",
    "regios": "regio",
    "scholen": "school",
    "jeugdigen": "jeugdige",
    "trajecten": "traject",
    "wijken": "wijk",
    "teams": "team",
    "problemen": "probleem",
    "ouders": "ouder",
    "jongeren": "jongere",
    "jongvolwassenen": "jongvolwassene",
    "volwassenen": "volwassene",
    "huisartsen": "huisarts",
    "artsen": "arts",
    "coaches": "coach",
    "mentoren": "mentor",
    "gezinshuizen": "gezinshuis",
    "huizen": "huis",
    "professionals": "professional",
    "medewerkers": "medewerker",
    "middelen": "middel",
    "leden": "lid",
    "resultaten": "resultaat",
    "plannen": "plan",
    "daklozen": "dakloos",
    "dakloze": "dakloos",
    "thuislozen": "thuisloos",
    "thuisloze": "thuisloos",
    "zwerfjongeren": "zwerfjongere",
}

# Abbreviations are kept as they are (lower-cased), never stemmed.
ABBREVIATIONS = frozenset(
    [
        "jim",
        "lvb",
        "poh",
        "ggz",
        "jgz",
        "ggd",
        "vng",
        "ozj",
        "wmo",
        "cjg",
        "svb",
        "ivo",
        "sgz",
        "ggz-jeugd",
        "bso",
        "mbo",
        "hbo",
        "vmbo",
        "havo",
        "vwo",
        "pgb",
        "zin",
        "wlz",
        "zvw",
        "jw",
        "jbt",
        "ovk",
        "ots",
        "mdo",
        "aco",
        "sbo",
        "so",
        "vso",
        "wsnp",
        "zorgkantoor",
        "ro",
        "ipso",
        "ict",
        "wet",
        "jz",
        "cbs",
    ]
)


_COMBINING = re.compile(r"[\u0300-\u036f]")
# Control characters (NUL included) and invisible separators, which become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Coördinatie' -> 'coordinatie', 'ĳ' -> 'ij'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", decomposed).casefold()


def strip_control(text: str) -> str:
    """Replace control characters (NUL included) and invisible separators by spaces."""
    return _CONTROL.sub(" ", text)


def is_abbreviation(word: str) -> bool:
    return word in ABBREVIATIONS
