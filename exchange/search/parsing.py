"""What people type and the URL carries, read safely: the query text, facet filters, sort and page.

Any input is safe: the text never reaches a query parser. It is cut to MAX_QUERY_CHARS, control characters
become spaces, balanced double quotes make phrases, and everything else becomes plain words (field prefixes
such as `title:` or `status:` are dropped, operators are ignored). The page, the API and the feed read the
same parameters; the API reads them strictly (BadSearch, a 400, on a bad value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exchange.errors import Bilingual, DomainError
from exchange.search import analysis, engine, facets, learned, synonyms

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 12
PER_PAGE = 10
MAX_PER_PAGE = 50
MAX_PAGE = 100
MAX_VALUES_PER_FACET = 20
SORTS = {"relevantie": "relevance", "nieuwste": "date", "bijgewerkt": "updated"}
FIELD_PREFIX = re.compile(r"(?i)\b[a-z_]{2,20}:(?=\S)")
OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})
_WORD = re.compile(r"\w+")
HYPHENATED = re.compile(r"\b\w+(?:-\w+)+\b")


class BadSearch(DomainError):
    """A search parameter of the API is not valid (400, never a 500)."""

    status = 400
    code = "bad_search_parameter"

    def __init__(self, nl: str, en: str, parameter: str):
        super().__init__(Bilingual(nl, en), details={"parameter": parameter})


@dataclass
class ParsedQuery:
    text: str  # what we searched for, cleaned (shown back to the user)
    phrases: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def clean_query(raw: str | None) -> str:
    """The user's text made harmless: capped, no control characters, single spaces."""
    text = analysis.strip_control((raw or "")[: MAX_QUERY_CHARS * 2])
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def parse_query(raw: str | None) -> ParsedQuery:
    """Split into quoted phrases and plain words; unbalanced quotes and every other symbol become spaces."""
    text = clean_query(raw)
    phrases = [" ".join(p.split()) for p in re.findall(r'"([^"]*)"', text)]
    rest = re.sub(r'"[^"]*"', " ", text).replace('"', " ")
    rest = FIELD_PREFIX.sub(" ", rest)
    # Words joined by hyphens ("18-plussers", "poh-jeugd", "16-27") are searched as a phrase.
    phrases += [h.replace("-", " ") for h in HYPHENATED.findall(rest)]
    rest = HYPHENATED.sub(" ", rest)
    words = [w for w in _WORD.findall(rest) if w not in OPERATORS]
    return ParsedQuery(text=text, phrases=[p for p in phrases if p], words=words)


# Compounds found through a part weigh half ("opvang" finds "crisisopvang" below "opvang" itself).
COMPOUND_WEIGHT = 0.5
MAX_ALTERNATIVES = 24
MAX_SYNONYM_WORDS = 5
MIN_JOINED_WORDS = 3


@dataclass
class Expansion:
    """A query as the engine gets it: clauses of alternatives, and the weights of the alternatives that are
    not what the user typed (synonyms, narrower terms, compounds that contain a typed word)."""

    clauses: list[list[tuple[str, ...]]]
    weights: dict[tuple[str, ...], float]


def expand_query(
    parsed: ParsedQuery, synonym_map: synonyms.SynonymMap, compound_map: learned.CompoundMap | None = None
) -> Expansion:
    """Every phrase and word becomes a clause (all must match), with its synonyms and narrower terms as
    weighted alternatives and, for a single word, the compounds learned from the corpus that contain it."""
    clauses: list[list[tuple[str, ...]]] = []
    weights: dict[tuple[str, ...], float] = {}
    seen: set[tuple[str, ...]] = set()

    def add(member: tuple[str, ...]) -> None:
        if not member or member in seen or len(clauses) >= MAX_CLAUSES:
            return
        seen.add(member)
        chosen: dict[tuple[str, ...], float] = {}
        for alt, weight in synonym_map.weighted(member):
            if alt not in chosen and len(chosen) < MAX_ALTERNATIVES:
                chosen[alt] = weight
        if compound_map is not None:
            for alt, weight in list(chosen.items()):
                if len(alt) != 1 or weight < synonyms.SYNONYM_WEIGHT:
                    continue
                for compound in compound_map.compounds_of(alt[0]):
                    if (compound,) not in chosen and len(chosen) < MAX_ALTERNATIVES:
                        chosen[(compound,)] = COMPOUND_WEIGHT * weight
        alternatives = list(chosen)
        clauses.append(alternatives)
        for alt in alternatives[1:]:
            weights[alt] = max(weights.get(alt, 0.0), chosen[alt])

    for phrase in parsed.phrases:
        add(tuple(engine.analyze_query(phrase)))
    terms = [term for word in parsed.words for term in engine.analyze_query(word)]
    i = 0
    while i < len(terms):
        # Three or more unquoted words that together are a synonym ("licht verstandelijke beperking") search as
        # that phrase with its group; two ("lokale teams") stay separate words, as they may be apart.
        length = next(
            (
                n
                for n in range(min(MAX_SYNONYM_WORDS, len(terms) - i), MIN_JOINED_WORDS - 1, -1)
                if synonym_map.has(tuple(terms[i : i + n]))
            ),
            1,
        )
        if length > 1:
            add(tuple(terms[i : i + length]))
        else:
            # A compound that occurs nowhere is searched as its parts ("wachtlijstaanpak": wachtlijst, aanpak).
            unknown = compound_map is not None and not synonym_map.has((terms[i],))
            parts = compound_map.decompose(terms[i]) if unknown else None
            for term in parts or (terms[i],):
                add((term,))
        i += length
    return Expansion(clauses=clauses, weights=weights)


def build_clauses(parsed: ParsedQuery, synonym_map: synonyms.SynonymMap) -> list[list[tuple[str, ...]]]:
    """The clauses of expand_query without learned compounds (for suggestions and the benchmark)."""
    return expand_query(parsed, synonym_map).clauses


@dataclass
class SearchRequest:
    """A whole search as the URL carries it (the page and the API read the same parameters)."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # URL param -> URL values
    sort: str = "relevantie"
    page: int = 1
    per_page: int = PER_PAGE
    literal: bool = False  # `letterlijk=1`: search exactly what was typed, never its correction

    def args(self, **changes) -> dict:
        """URL arguments for url_for, with changes (a facet param -> new list; q, sort, page...).
        A new `q` drops `letterlijk` unless it is given again."""
        out: dict = {}
        literal = changes.pop("letterlijk", self.literal and "q" not in changes)
        if literal:
            out["letterlijk"] = 1
        q = changes.pop("q", self.q)
        if q:
            out["q"] = q
        filters = {k: list(v) for k, v in self.filters.items()}
        for key in list(changes):
            if key in facets.BY_PARAM:
                filters[key] = list(changes.pop(key))
        for param, values in filters.items():
            if values:
                out[param] = values
        sort = changes.pop("sort", self.sort)
        if sort != "relevantie":
            out["sort"] = sort
        page = changes.pop("page", 1)
        if page and page > 1:
            out["pagina"] = page
        if self.per_page != PER_PAGE:
            out["per_pagina"] = self.per_page
        out.update(changes)
        return out

    def toggled(self, param: str, value: str) -> dict:
        """Arguments with `value` of facet `param` switched on or off (back to page 1)."""
        values = list(self.filters.get(param, []))
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return self.args(**{param: values})

    @property
    def has_filters(self) -> bool:
        return any(self.filters.values())


def _int(value: str | None, name: str, default: int, low: int, high: int, strict: bool) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        if strict:
            raise BadSearch(
                f"'{name}' moet een geheel getal van {low} tot en met {high} zijn.",
                f"'{name}' must be a whole number from {low} to {high}.",
                name,
            )
        return default if number is None else min(max(number, low), high)
    return number


def _age_from_form(args) -> str | None:
    """The search page's age boxes (leeftijd_van, leeftijd_tot) as one `leeftijd` range; an open end runs to
    0 or 99. Anything but whole numbers is ignored (the range is then shown back as given)."""
    low, high = (args.get("leeftijd_van") or "").strip(), (args.get("leeftijd_tot") or "").strip()
    if not (low or high) or not all(x.isascii() and x.isdigit() and len(x) <= 2 for x in (low, high) if x):
        return None
    return f"{low or 0}-{high or 99}"


def read_request(args, *, strict: bool = False) -> SearchRequest:
    """Read a SearchRequest from query arguments. Strict (API): BadSearch on a bad value; else bad values go."""
    q = args.get("q", "") or ""
    sort = args.get("sort", "relevantie") or "relevantie"
    if sort not in SORTS:
        if strict:
            raise BadSearch(
                f"'sort' moet een van deze zijn: {', '.join(SORTS)}.",
                f"'sort' must be one of {', '.join(SORTS)}.",
                "sort",
            )
        sort = "relevantie"
    page = _int(args.get("pagina") or args.get("page"), "pagina", 1, 1, MAX_PAGE, strict)
    per_page = _int(
        args.get("per_pagina") or args.get("per_page"), "per_pagina", PER_PAGE, 1, MAX_PER_PAGE, strict
    )
    filters: dict[str, list[str]] = {}
    ages = _age_from_form(args) if not strict else None
    for facet in facets.FACETS:
        values = [clean_query(v)[:80] for v in args.getlist(facet.param)]
        values = list(dict.fromkeys(v for v in values if v))
        if len(values) > MAX_VALUES_PER_FACET:
            if strict:
                raise BadSearch(
                    f"Hoogstens {MAX_VALUES_PER_FACET} waarden voor '{facet.param}'.",
                    f"At most {MAX_VALUES_PER_FACET} values for '{facet.param}'.",
                    facet.param,
                )
            values = values[:MAX_VALUES_PER_FACET]
        if facet.param == "leeftijd" and ages and ages not in values:
            values.append(ages)
        if values:
            filters[facet.param] = values
    literal = (args.get("letterlijk") or "") in ("1", "ja", "true")
    return SearchRequest(
        q=clean_query(q), filters=filters, sort=sort, page=page, per_page=per_page, literal=literal
    )
