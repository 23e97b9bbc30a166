"""Dutch text analysis in plain Python: folding, stop words, irregular plurals and compound splitting.

The Whoosh analyzer in `engine` wraps these functions; keeping them here (without Whoosh) makes them easy to
test and to extend. Changing a list below changes what is indexed: run `flask search reindex` afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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

# Atomic domain words that make up our compounds, folded. A word is split only when it is made of these
# entirely (the last part may carry an inflection), so ordinary words are left alone.
COMPOUND_PARTS = frozenset(
    [
        "jeugd",
        "hulp",
        "zorg",
        "verlener",
        "aanbieder",
        "aanbod",
        "aanpak",
        "gezin",
        "kind",
        "ouder",
        "school",
        "wijk",
        "team",
        "wacht",
        "lijst",
        "tijd",
        "pleeg",
        "thuis",
        "huis",
        "arts",
        "praktijk",
        "ondersteuner",
        "ondersteuning",
        "onderwijs",
        "beleid",
        "plan",
        "regio",
        "gemeente",
        "werk",
        "werker",
        "werking",
        "samen",
        "regie",
        "casus",
        "bescherming",
        "veiligheid",
        "veilig",
        "transformatie",
        "fonds",
        "netwerk",
        "inkoop",
        "contract",
        "financiering",
        "budget",
        "kosten",
        "crisis",
        "opvang",
        "dag",
        "besteding",
        "verblijf",
        "behandeling",
        "behandelaar",
        "diagnostiek",
        "preventie",
        "scholing",
        "leerplicht",
        "verzuim",
        "mentor",
        "jongere",
        "volwassene",
        "overgang",
        "regeling",
        "toegang",
        "expert",
        "expertise",
        "centrum",
        "instelling",
        "organisatie",
        "professional",
        "medewerker",
        "coach",
        "begeleiding",
        "begeleider",
        "traject",
        "sociaal",
        "wonen",
        "woon",
        "voorziening",
        "zelfstandigheid",
        "integraal",
        "lokaal",
        "landelijk",
        "bovenregionaal",
        "specialist",
        "specialistisch",
        "gespecialiseerd",
        "ambulant",
        "residentieel",
        "klinisch",
        "afbouw",
        "uitstroom",
        "instroom",
        "monitor",
        "monitoring",
        "sturing",
        "outcome",
        "resultaat",
        "doel",
        "indicator",
        "vakman",
        "vakmanschap",
        "opleiding",
        "training",
        "kennis",
        "deling",
        "kwaliteit",
        "verbetering",
        "plaatsing",
        "pleegzorg",
        "verlening",
        "hulpverlening",
        "verwijzing",
        "verwijzer",
        "huisarts",
        "wachttijd",
        "wachtlijst",
        "gezinshuis",
        "zorgaanbieder",
        "maat",
        "maatwerk",
        "perspectief",
        "toekomst",
        "ggz",
        "lvb",
        "beperking",
        "verstandelijk",
        "licht",
        "jeugdige",
        "leer",
        "leerling",
        "student",
        "stage",
        "arbeid",
        "markt",
        "zorgplicht",
        "bureau",
        "raad",
        "recht",
        "rechter",
        "reclassering",
        "politie",
        "justitie",
        "straf",
        "strafrecht",
        "huiselijk",
        "geweld",
        "mishandeling",
        "kindermishandeling",
        "signalering",
        "melding",
        "meldpunt",
        "vraag",
        "vrager",
        "hulpvraag",
        "zorgvraag",
        "ketens",
        "keten",
        "partner",
        "partners",
        "samenwerking",
        "afspraak",
        "convenant",
        "overleg",
        "tafel",
        "thuiszitter",
        "probleem",
        "spoed",
        "nazorg",
        "loket",
        "route",
    ]
)
# Linking sounds between parts of a compound ("overgangsregeling", "gezinshuis", "kinderopvang").
LINKS = ("s", "en", "e", "er")
# Inflections allowed on the last part ("jeugdhulpverleners", "wijkteams").
ENDINGS = ("", "s", "en", "n", "e", "es", "er", "ers", "je", "jes", "tje", "tjes")
MIN_PART = 3
MAX_PARTS = 5

_COMBINING = re.compile(r"[\u0300-\u036f]")
# Everything that is not a letter, digit, space, quote or hyphen becomes a space before query parsing.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Coördinatie' -> 'coordinatie', 'ĳ' -> 'ij'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", decomposed).casefold()


def strip_control(text: str) -> str:
    """Replace control characters (NUL included) and invisible separators by spaces."""
    return _CONTROL.sub(" ", text)


@lru_cache(maxsize=100_000)
def split_compound(word: str) -> tuple[tuple[str, str], ...] | None:
    """Split a folded word into known parts, as (part, linking letters) pairs; None when it is no compound.

    'jeugdhulpverleners' -> (('jeugd', ''), ('hulp', ''), ('verleners', '')); the last part keeps its ending.
    Prefers the finest split (most parts), so every shorter compound inside the word can be found.
    """
    if len(word) < 2 * MIN_PART or not word.isalpha():
        return None
    found: list[tuple[tuple[str, str], ...]] = []

    def walk(start: int, parts: tuple[tuple[str, str], ...]) -> None:
        rest = word[start:]
        if parts:
            for ending in ENDINGS:
                stem_len = len(rest) - len(ending)
                if stem_len >= MIN_PART and rest.endswith(ending) and rest[:stem_len] in COMPOUND_PARTS:
                    found.append(parts + ((rest, ""),))
                    break
            else:
                if LEMMAS.get(rest) in COMPOUND_PARTS:
                    found.append(parts + ((rest, ""),))
        if len(parts) + 1 >= MAX_PARTS:
            return
        for end in range(start + MIN_PART, len(word) - MIN_PART + 1):
            piece = word[start:end]
            if piece not in COMPOUND_PARTS:
                continue
            walk(end, parts + ((piece, ""),))
            for link in LINKS:
                if word.startswith(link, end) and len(word) - end - len(link) >= MIN_PART:
                    walk(end + len(link), parts + ((piece, link),))

    walk(0, ())
    if not found:
        return None
    return max(found, key=lambda parts: (len(parts), -sum(len(link) for _, link in parts)))


def lemma(word: str) -> str:
    """The base form for an irregular plural, also at the end of a compound ('pleeggezinnen' -> 'pleeggezin')."""
    if word in LEMMAS:
        return LEMMAS[word]
    parts = split_compound(word)
    if parts:
        head = parts[-1][0]
        if head in LEMMAS:
            return "".join(p + link for p, link in parts[:-1]) + LEMMAS[head]
    return word


def compound_spans(word: str) -> list[str]:
    """Every run of adjacent parts of a compound except the whole word, in base form.

    'jeugdhulpverleners' -> jeugd, jeugdhulp, hulp, hulpverleners, verleners: so that 'jeugdhulp' and
    'hulpverlener' find it. Linking letters are dropped when a run ends before the last part.
    """
    parts = split_compound(word)
    if not parts:
        return []
    spans = []
    last = len(parts) - 1
    for i in range(len(parts)):
        for j in range(i, len(parts)):
            if i == 0 and j == last:
                continue
            text = "".join(p + link for p, link in parts[i:j]) + parts[j][0]
            if j == last:
                text = lemma(text)
            spans.append(text)
    return spans


def is_abbreviation(word: str) -> bool:
    return word in ABBREVIATIONS


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
