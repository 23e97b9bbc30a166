"""Dutch compounds in plain Python: split a folded word into known parts, its base form, and the runs of
parts a search for a shorter compound should find ('jeugdhulp' finds 'jeugdhulpverleners').

The Whoosh analyzer in `engine` wraps these functions. Changing a list below changes what is indexed: run
`flask search reindex` afterwards.
"""

from __future__ import annotations

from functools import lru_cache

from exchange.search.analysis import LEMMAS

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
