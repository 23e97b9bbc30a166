"""The index schema, the text field that analyses in one loop, and how a search document becomes a Whoosh one."""

from __future__ import annotations

import hashlib
import threading

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, FieldType, Schema
from whoosh.formats import Existence

from exchange.search.engine.tokenizer import (
    COMPOUND_PART_BOOST,
    WORD,
    dutch_analyzer,
    spelling_analyzer,
    word_forms,
)

INDEX_NAME = "jeugdkennis"
BUILD_FILE = "BUILD"
# Titles weigh more than bodies: the title is indexed TITLE_WEIGHT times in the one text field. One field
# instead of title/body fields means one posting list (and one set of term weights) per query word.
TITLE_WEIGHT = 3

_SINGLE_POSITION: dict[int, bytes] = {}
# Word pairs: the field of adjacent term pairs ("jong volwassen"), which makes a two-word phrase one lookup.
PAIRS_FIELD = "text_pairs"
# The last text DutchText.index analysed in this thread and the word pairs it found (`latest`): Whoosh indexes
# a document's fields in name order, so the pairs field ("text_pairs", after "text") takes them instead of
# analysing the text again. Per thread, so two writers in one process never hand over each other's pairs.
_last_pairs = threading.local()


class DutchText(TEXT):
    """The text field: indexing analyses, counts and encodes positions in one loop (see DutchTokenizer).

    Produces exactly what Whoosh's Positions format makes of DutchTokenizer's tokens (the tests compare
    both), without a Token object, filter chain and generator per word: a third of the indexing time.
    """

    def index(self, value, **kwargs):
        if not isinstance(value, str) or kwargs.get("mode", "index") != "index" or kwargs.get("start_pos"):
            yield from super().index(value, **kwargs)
            return
        positions, weights, pairs = analyse(value)
        _last_pairs.latest = (value, pairs)
        boost = self.format.field_boost
        encode = self.format.encode
        single = _SINGLE_POSITION
        for form, found in positions.items():
            if len(found) == 1 and found[0] < 4096:
                # Most words occur once: their encoded position list is the same bytes every time.
                value = single.get(found[0])
                if value is None:
                    value = single[found[0]] = encode(found)
            else:
                value = encode(found)
            yield form.encode("utf-8"), len(found), weights[form] * boost, value


def analyse(value: str) -> tuple[dict[str, list[int]], dict[str, float], set[str]]:
    """The index terms of a text: each term's positions and weight, and the adjacent term pairs.

    A compound's parts share its position (weight COMPOUND_PART_BOOST); every form at one position pairs with
    every form at the next, so a pair holds exactly when the phrase of those two terms matches positions.
    """
    positions: dict[str, list[int]] = {}
    weights: dict[str, float] = {}
    pairs: set[str] = set()
    pos = 0
    previous: tuple[str, ...] = ()
    forms_of = word_forms
    for match in WORD.finditer(value):
        forms = forms_of(match.group(), True)
        if not forms:
            continue
        first = True
        for form in forms:
            found = positions.get(form)
            if found is None:
                positions[form] = [pos]
                weights[form] = 1.0 if first else COMPOUND_PART_BOOST
            else:
                found.append(pos)
                weights[form] += 1.0 if first else COMPOUND_PART_BOOST
            first = False
        if len(previous) == 1 and len(forms) == 1:
            pairs.add(f"{previous[0]} {forms[0]}")
        else:
            pairs.update(f"{a} {b}" for a in previous for b in forms)
        previous = forms
        pos += 1
    return positions, weights, pairs


class WordPairs(FieldType):
    """Adjacent term pairs of the text field, without positions or scores: the documents holding the phrase
    "a b" are the postings of the pair "a b" (one lookup instead of reading both words' positions per
    document); a longer phrase reads positions only in the documents that hold all its pairs."""

    def __init__(self) -> None:
        self.format = Existence()
        self.scorable = False
        self.stored = False
        self.unique = False
        self.vector = None

    def index(self, value, **kwargs):
        text, pairs = getattr(_last_pairs, "latest", (None, None))
        if text is not value and text != value:
            pairs = analyse(value)[2]
        for pair in pairs:
            yield pair.encode("utf-8"), 1, 1.0, b""


def build_schema() -> Schema:
    """Lean on purpose: only `key` and `sig` are stored; pages read everything they show from the database."""
    dutch = dutch_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),  # "<type>:<id>"
        sig=STORED(),  # content hash, for `flask search check`
        parent=ID(),  # "practice:<id>" on results, so a practice's results can be replaced at once
        text=DutchText(analyzer=dutch),  # title (TITLE_WEIGHT times) and body
        text_pairs=WordPairs(),  # the same text's adjacent term pairs (phrases)
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        # Every filter and facet value in one field ("region:3 theme:5 status:draft coach:3:5 ..."): one
        # posting per value and far less per-field work when indexing than a field per facet.
        facet=KEYWORD(),
        # Sort values only (columns, no postings).
        date=COLUMN(NumericColumn("q", default=0)),
        updated=COLUMN(NumericColumn("q", default=0)),
    )


SCHEMA_FIELDS = frozenset(build_schema().names())
# Document keys that become "name:value" words of the facet field (space-separated values allowed).
FACET_KEYS = (
    "type",
    "status",
    "region",
    "province",
    "theme",
    "action_line",
    "phase",
    "year",
    "coach",
    # The practice profile (issue 17): every year of the target age range, the evidence and participation level.
    "age",
    "evidence",
    "participation",
)


def signature(doc: dict) -> str:
    """A short hash of a document's content, stored in the index to find stale documents."""
    digest = hashlib.blake2b(digest_size=8)
    for name in sorted(doc):
        if name != "sig":
            digest.update(f"{name}\x1f{doc[name]}\x1e".encode())
    return digest.hexdigest()


def prepare(doc: dict, pairs: bool = True) -> dict:
    """A search document as Whoosh fields; `pairs=False` for an index built before the pairs field."""
    out = {k: v for k, v in doc.items() if k in SCHEMA_FIELDS and v not in (None, "")}
    title = doc.get("title") or ""
    out["text"] = "\n".join([title] * TITLE_WEIGHT + [doc.get("body") or ""])
    if pairs:
        out[PAIRS_FIELD] = out["text"]  # the same object: DutchText.index hands its pairs over (WordPairs)
    words = []
    for name in FACET_KEYS:
        value = doc.get(name)
        if value not in (None, ""):
            words.extend(f"{name}:{v}" for v in str(value).split())
    out["facet"] = " ".join(words)
    out["date"] = int(doc.get("date") or 0)
    out["updated"] = int(doc.get("updated") or 0)
    out["sig"] = signature(doc)
    return out
