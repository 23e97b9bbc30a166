"""Compounds learned from the corpus: which index terms are compounds of other words the corpus uses often.

The curated list in `compounds` splits the domain words we know at index time. This module learns the rest
from the index's own vocabulary (the text field's terms with their document frequencies), when the index is
opened or has grown (SearchIndex.from_vocabulary), never per query: a term splits into parts that are
themselves frequent terms, with Dutch linking letters (-s-, -e-, -en-, -er-) and the irregular forms Dutch
needs (daklozen- is dakloos, kinder- is kind). A search for a part then also finds the compounds, at a lower
weight (parsing.expand_query): "dakloos" finds "daklozenopvang", "opvang" finds "crisisopvang".

It refuses false splits (docs/search.md shows examples):
- a part is at least MIN_PART letters, not a stop word, not a prefix-like word (PREFIX_WORDS);
- every part occurs in at least MIN_DOCS documents on its own (irregular forms from IRREGULAR count as
  known: "daklozenopvang" splits even when no text says "dakloos");
- a part is never a derivational ending (SUFFIXES: no "zorg" + "vuldig", no "dak" + "loos");
- the compound itself must be at least 2 x MIN_PART letters.
The result depends only on the vocabulary, so every worker learns the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from exchange.search import analysis, engine

MIN_PART = 4
MIN_DOCS = 2
MAX_PARTS = 4
# At most this many compounds are added to a searched word (the most frequent first).
MAX_PER_WORD = 16
# A part in more documents than this share of the most frequent term's (and at least COMMON_MIN) is common.
COMMON_SHARE = 0.02
COMMON_MIN = 100
LINKS = ("", "s", "en", "e", "er")
# Irregular forms a compound's modifier takes (folded), mapped to the word they belong to.
IRREGULAR = {
    "kinder": "kind",
    "kinderen": "kind",
    "daklozen": "dakloos",
    "dakloze": "dakloos",
    "thuislozen": "thuisloos",
    "thuisloze": "thuisloos",
    "gezinnen": "gezin",
    "steden": "stad",
    "scholen": "school",
    "jongeren": "jongere",
    "volwassenen": "volwassene",
    "ouders": "ouder",
    "leden": "lid",
    "schepen": "schip",
    "huizen": "huis",
}
# Derivational endings (folded, also as the stemmer leaves them): never a part of their own.
SUFFIXES = frozenset(
    [
        "heid",
        "heden",
        "lijk",
        "lijke",
        "lijkheid",
        "elijk",
        "baar",
        "bare",
        "baarheid",
        "loos",
        "loze",
        "lozen",
        "zaam",
        "zame",
        "zaamheid",
        "achtig",
        "achtige",
        "schap",
        "schappen",
        "isch",
        "ische",
        "ing",
        "ingen",
        "ig",
        "ige",
        "igheid",
        "erig",
        "vuldig",
        "vuldige",
        "vuld",
        "waardig",
        "waardige",
        "matig",
        "matige",
        "tje",
        "tjes",
        "ster",
        "aar",
        "aars",
        "arij",
        "erij",
        "atie",
        "aties",
        "iteit",
        "ief",
        "ieve",
        "teit",
        "ling",
        "lingen",
        "rijk",
        "rijke",
    ]
)
# Words that mostly begin a derivation rather than a compound ("over-leg", "onder-steuning", "samen-").
PREFIX_WORDS = frozenset(
    [
        "onder",
        "over",
        "voor",
        "door",
        "tegen",
        "achter",
        "binnen",
        "buiten",
        "tussen",
        "rond",
        "mede",
        "samen",
        "terug",
        "weder",
        "wederom",
        "mis",
        "ont",
        "ver",
        "her",
    ]
)
# Words that look like compounds of frequent words but are not (folded, as typed): never split.
NEVER_SPLIT = frozenset(
    ["vrijwillig", "vrijwillige", "vrijwilliger", "vrijwilligers", "binnenkwam", "langskomt"]
)


def _default_term(word: str) -> str | None:
    forms = engine.word_forms(word, False)
    return forms[0] if forms else None


@dataclass
class CompoundMap:
    """Learned compounds: index term of a part (or a run of parts) -> the compound index terms containing it."""

    containing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    splits: dict[str, tuple[str, ...]] = field(default_factory=dict)  # compound term -> its surface parts
    present: frozenset[str] = frozenset()  # every term of the index
    part_term: Callable[[str], str | None] | None = None
    common: frozenset[str] = frozenset()  # parts too frequent to need their compounds (COMMON_SHARE)

    def compounds_of(self, term: str) -> tuple[str, ...]:
        """Compounds that contain `term`; none for a common word, which finds plenty on its own (and whose
        compounds would make every search for it slower)."""
        return () if term in self.common else self.containing.get(term, ())

    def decompose(self, term: str) -> tuple[str, ...] | None:
        """The parts (index terms) of a searched compound that occurs nowhere in the index, coarsest split
        first ("wachtlijstaanpak" -> wachtlijst, aanpak); None when it occurs or does not split."""
        if self.part_term is None or term in self.present or len(term) < 2 * MIN_PART or not term.isalpha():
            return None
        parts = split(term, self.part_term, finest=False)
        if not parts:
            return None
        terms = []
        for surface, link in parts:
            found = self.part_term(surface + link if surface + link in IRREGULAR else surface)
            if found and found not in terms:
                terms.append(found)
        return tuple(terms) if len(terms) > 1 else None


EMPTY = CompoundMap()


def learn(
    vocabulary: Iterable[tuple[str, int]],
    to_term: Callable[[str], str | None] = _default_term,
) -> CompoundMap:
    """Learn compounds from (index term, document frequency) pairs; see the module docstring."""
    frequency = {t: df for t, df in vocabulary if t.isalpha()}
    known = {
        t
        for t, df in frequency.items()
        if df >= MIN_DOCS
        and len(t) >= MIN_PART
        and t not in SUFFIXES
        and t not in PREFIX_WORDS
        and t not in analysis.STOPWORDS
    }
    term_cache: dict[str, str | None] = {}
    refused = {to_term(w) for w in PREFIX_WORDS | SUFFIXES} - {None}
    never = {to_term(w) for w in NEVER_SPLIT}

    def part_term(surface: str) -> str | None:
        """The index term of a surface piece when it is a known part (None when not)."""
        if surface in term_cache:
            return term_cache[surface]
        result = None
        if (
            len(surface) >= MIN_PART
            and surface not in SUFFIXES
            and surface not in PREFIX_WORDS
            and surface not in analysis.STOPWORDS
        ):
            if surface in IRREGULAR:
                result = to_term(IRREGULAR[surface])
            else:
                term = to_term(surface)
                if term in refused:
                    result = None
                elif term in known:
                    result = term
                elif surface in known:
                    result = surface
        term_cache[surface] = result
        return result

    containing: dict[str, set[str]] = {}
    splits: dict[str, tuple[str, ...]] = {}
    common_from = max(COMMON_MIN, COMMON_SHARE * max(frequency.values(), default=0))
    for term in sorted(frequency):
        if len(term) < 2 * MIN_PART or term in never:
            continue
        parts = split(term, part_term)
        if not parts:
            continue
        splits[term] = tuple(p for p, _ in parts)
        for run in runs(parts, part_term):
            if run != term:
                containing.setdefault(run, set()).add(term)
    return CompoundMap(
        containing={
            run: tuple(sorted(found, key=lambda t: (-frequency[t], t))[:MAX_PER_WORD])
            for run, found in containing.items()
        },
        splits=splits,
        present=frozenset(frequency),
        part_term=part_term,
        common=frozenset(t for t, df in frequency.items() if df > common_from),
    )


def split(
    term: str, part_term: Callable[[str], str | None], finest: bool = True
) -> tuple[tuple[str, str], ...] | None:
    """The finest (or coarsest) split of an index term into known parts, as (surface part, linking letters)
    pairs."""
    best: tuple[tuple[str, str], ...] | None = None
    sign = 1 if finest else -1

    def better(a, b) -> bool:
        # More (fewer) parts first, then fewer linking letters, then the longer first part (deterministic).
        key_a = (sign * len(a), -sum(len(x) for _, x in a), len(a[0][0]))
        key_b = (sign * len(b), -sum(len(x) for _, x in b), len(b[0][0]))
        return key_a > key_b

    def walk(start: int, parts: tuple[tuple[str, str], ...]) -> None:
        nonlocal best
        rest = term[start:]
        if parts and rest not in SUFFIXES and part_term(rest):
            found = parts + ((rest, ""),)
            if best is None or better(found, best):
                best = found
        if len(parts) + 1 >= MAX_PARTS:
            return
        for end in range(start + MIN_PART, len(term) - MIN_PART + 1):
            piece = term[start:end]
            known = None  # part_term(piece), looked up once per piece
            for link in LINKS:
                if link and (term[end : end + len(link)] != link or len(term) - end - len(link) < MIN_PART):
                    continue
                if link and piece + link in IRREGULAR:
                    ok = part_term(piece + link)
                else:
                    if known is None:
                        known = part_term(piece) or ""
                    ok = known
                if ok:
                    walk(end + len(link), parts + ((piece, link),))

    walk(0, ())
    return best


def runs(parts: tuple[tuple[str, str], ...], part_term: Callable[[str], str | None]) -> set[str]:
    """Index terms of every run of adjacent parts (the whole compound included)."""
    out = set()
    for i in range(len(parts)):
        for j in range(i, len(parts)):
            last, link = parts[j]
            surface = "".join(p + x for p, x in parts[i:j]) + last
            if j == i:
                term = part_term(last + link if last + link in IRREGULAR else last)
            else:
                term = part_term(surface) or surface
            if term:
                out.add(term)
    return out


def learned_from(index, view=None) -> CompoundMap:
    """The compounds learned from this index's vocabulary (kept per process; see SearchIndex.from_vocabulary).

    Once asked, the index's watcher learns them for every build swapped in, on its staged `view`, before the
    build is published (engine/watching.py), so no search waits for them."""
    return index.from_vocabulary("compounds", learn, default=EMPTY, view=view)
