"""The Whoosh engine: schema, Dutch analyzer, the per-process searcher, writing, rebuilding and searching.

This is the only module that imports whoosh (a test greps the code base for it). Everything else in
exchange.search speaks plain Python to it: documents are dicts, queries are lists of clauses, results are
keys with counts.

Speed comes from three things (see docs/search.md):
- one long-lived searcher per process and index directory, refreshed only when the index changed (and then
  per segment), reopened when `reindex` swapped in a new build (a BUILD file holds its id);
- match sets, facet counts and visibility as bitmaps (Python integers, one bit per document), built once per
  segment from the postings and combined with C-speed `&`, `|` and `int.bit_count()`;
- ranking is BM25 over Whoosh's postings with per-segment term weights kept best-first and a threshold
  algorithm that stops as soon as the top is certain (Whoosh scores every match one by one in Python).
"""

from __future__ import annotations

import atexit
import hashlib
import heapq
import logging
import math
import os
import re
import shutil
import struct
import threading
import time
import uuid
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape as _escape
from pathlib import Path

from whoosh import index, query
from whoosh.analysis import Filter, RegexTokenizer, Token, Tokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import EmptyIndexError, LockError
from whoosh.lang import stemmer_for_language
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from exchange.search import analysis

log = logging.getLogger(__name__)

INDEX_NAME = "jeugdkennis"
BUILD_FILE = "BUILD"
# Titles weigh more than bodies: the title is indexed TITLE_WEIGHT times in the one text field. One field
# instead of title/body fields means one posting list (and one set of term weights) per query word.
TITLE_WEIGHT = 3
FACET_FIELDS = ("type", "region", "province", "theme", "action_line", "phase", "year")
SYNONYM_BOOST = 0.8
COMPOUND_PART_BOOST = 0.5
RESULT_WEIGHT = 0.3
SIMILAR_TERMS = 8
# Caches of bitmaps per segment and per searcher generation (each bitmap is doc_count/8 bytes).
TERM_CACHE_SIZE = 1500
PHRASE_CACHE_SIZE = 500
IMPACT_CACHE_SIZE = 1500
BM25_K1 = 1.2
# A rebuild writes a segment per SEGMENT_DOCS documents, whose postings sort in memory (about 0.3 GB).
SEGMENT_DOCS = 10_000
SEGMENT_MEMORY_MB = 1024
BM25_B = 0.75


class IndexBusy(Exception):
    """Another process holds the index writer lock (or a rebuild runs); the outbox keeps the changes."""


class IndexMissing(IndexBusy):
    """No index has been built yet: searches find nothing, changes wait in the outbox for `reindex`.

    A save never creates a partial index (search would then silently show a fraction of the data, and
    /healthz would call it healthy); only `flask search reindex` builds one.
    """


# ---------------------------------------------------------------------------------------------- analysis

_stem = stemmer_for_language("nl")
_FORMS_CACHE: dict[tuple[str, bool], tuple[str, ...]] = {}
_FORMS_CACHE_MAX = 300_000


def _stem_word(word: str) -> str:
    if analysis.is_abbreviation(word) or not word.isalpha() or len(word) < 4:
        return word
    return _stem(word)


def word_forms(raw: str, index_mode: bool) -> tuple[str, ...]:
    """Index terms for one word as typed: its base form first, then (when indexing) the parts of a compound.

    Cached per spelling as typed, so folding and stemming run once per distinct word, not per occurrence.
    """
    key = (raw, index_mode)
    forms = _FORMS_CACHE.get(key)
    if forms is not None:
        return forms
    word = analysis.fold(raw)
    if word in analysis.STOPWORDS or (len(word) < 2 and not word.isdigit()):
        forms = ()
    else:
        main = _stem_word(analysis.lemma(word))
        out = [main]
        if index_mode:
            for span in analysis.compound_spans(word):
                term = _stem_word(span)
                if term not in out:
                    out.append(term)
        forms = tuple(out)
    if len(_FORMS_CACHE) >= _FORMS_CACHE_MAX:
        _FORMS_CACHE.clear()
    _FORMS_CACHE[key] = forms
    return forms


_WORD = re.compile(r"\w+(?:\.?\w+)*")


class DutchTokenizer(Tokenizer):
    """Words of Dutch text as index terms, in one pass (this is the whole analyzer).

    Per word: fold case and accents, drop stop words, map irregular plurals, stem, and (at index time) add
    the parts of compounds at the same position, so phrases keep working. Positions skip stop words, the
    same at index and at query time. One tokenizer instead of a chain of filters roughly halves the cost of
    analysis, which is most of the indexing time.
    """

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        index_mode = mode == "index"
        forms_of = word_forms
        pos = start_pos
        matches = _WORD.finditer(value) if tokenize else [re.match(r"(?s).*", value)]
        for match in matches:
            word = match.group()
            forms = forms_of(word, index_mode)
            if keeporiginal:
                t.original = word
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            t.boost = 1.0
            if not forms:
                if removestops:
                    continue
                t.stopped = True
                t.text = word
                yield t
                t.stopped = False
                continue
            if positions:
                t.pos = pos
                pos += 1
            t.text = forms[0]
            yield t
            # The parts of a compound count half: "gezin" matters more in "gezinnen" than in "gezinshuizen".
            for form in forms[1:]:
                t.text = form
                t.boost = COMPOUND_PART_BOOST
                yield t


class FoldFilter(Filter):
    """Fold and drop stop words, without stemming: the surface words offered as spelling suggestions."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for t in tokens:
            word = analysis.fold(t.text)
            if len(word) < 3 or word in analysis.STOPWORDS or not word.isalpha():
                continue
            t.text = word
            yield t


_SINGLE_POSITION: dict[int, bytes] = {}


class DutchText(TEXT):
    """The text field: indexing analyses, counts and encodes positions in one loop (see DutchTokenizer).

    Produces exactly what Whoosh's Positions format makes of DutchTokenizer's tokens (the tests compare
    both), without a Token object, filter chain and generator per word: a third of the indexing time.
    """

    def index(self, value, **kwargs):
        if not isinstance(value, str) or kwargs.get("mode", "index") != "index" or kwargs.get("start_pos"):
            yield from super().index(value, **kwargs)
            return
        positions: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        pos = 0
        forms_of = word_forms
        for match in _WORD.finditer(value):
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
            pos += 1
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


def dutch_analyzer():
    return DutchTokenizer()


def spelling_analyzer():
    return RegexTokenizer() | FoldFilter()


def analyze_query(text: str) -> list[str]:
    """The index terms a piece of user text stands for (query mode: no compound parts)."""
    return [t.text for t in dutch_analyzer()(text, mode="query")]


def fold_words(text: str) -> list[str]:
    """Folded surface words of `text`, as the spelling field holds them."""
    return [t.text for t in spelling_analyzer()(text)]


# ------------------------------------------------------------------------------------------------ schema


def build_schema() -> Schema:
    """Lean on purpose: only `key` and `sig` are stored; pages read everything they show from the database."""
    dutch = dutch_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),  # "<type>:<id>"
        sig=STORED(),  # content hash, for `flask search check`
        parent=ID(),  # "practice:<id>" on results, so a practice's results can be replaced at once
        text=DutchText(analyzer=dutch),  # title (TITLE_WEIGHT times) and body
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
FACET_KEYS = ("type", "status", "region", "province", "theme", "action_line", "phase", "year", "coach")


def signature(doc: dict) -> str:
    """A short hash of a document's content, stored in the index to find stale documents."""
    digest = hashlib.blake2b(digest_size=8)
    for name in sorted(doc):
        if name != "sig":
            digest.update(f"{name}\x1f{doc[name]}\x1e".encode())
    return digest.hexdigest()


def _prepare(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k in SCHEMA_FIELDS and v not in (None, "")}
    title = doc.get("title") or ""
    out["text"] = "\n".join([title] * TITLE_WEIGHT + [doc.get("body") or ""])
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


# ------------------------------------------------------------------------------------------------ bitmaps

_NONZERO = re.compile(rb"[^\x00]")
_BITS_OF_BYTE = [tuple(i for i in range(8) if b >> i & 1) for b in range(256)]


def _ids_to_bits(ids: Iterable[int], size: int) -> int:
    buf = bytearray((size >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def bits_to_ids(bits: int) -> list[int]:
    """Document numbers of the set bits, in order (fast when few are set: skips zero bytes in C)."""
    if not bits:
        return []
    raw = bits.to_bytes((bits.bit_length() >> 3) + 1, "little")
    out: list[int] = []
    for m in _NONZERO.finditer(raw):
        i = m.start()
        base = i << 3
        out.extend(base + j for j in _BITS_OF_BYTE[raw[i]])
    return out


def _leaf_ids(matcher) -> Iterable[int]:
    """All ids of a leaf postings matcher, a block at a time (Whoosh 2.7 internals, pinned version)."""
    if not hasattr(matcher, "_read_ids") or not hasattr(matcher, "_lastblock"):
        yield from matcher.all_ids()
        return
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        yield from matcher._ids[matcher._i :]
        if matcher._lastblock:
            break
        matcher._next_block()


class _LRU(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        try:
            self.move_to_end(key)
            return self[key]
        except KeyError:
            value = make()
            self[key] = value
            if len(self) > self.size:
                self.popitem(last=False)
            return value


def _read_numbers(column, size: int) -> list[int]:
    """All values of a fixed-width numeric column in one read (Whoosh reads them one by one)."""
    fixed = getattr(column, "_fixedlen", None)
    typecode = getattr(column, "_typecode", None)
    if fixed and typecode and hasattr(column, "_dbfile"):
        count = min(column._count, size)
        raw = column._dbfile.get(column._basepos, fixed * count)
        values = list(struct.unpack(f"!{count}{typecode}", raw)) if count else []
        return values + [column._default] * (size - count)
    return [column[d] for d in range(size)]


def _field_lengths(reader, fieldname: str, size: int) -> list[int]:
    """Every document's length of a field (Whoosh's one-byte approximation, as its BM25 uses)."""
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    except AttributeError:
        column = None
    if column is None:
        length = reader.doc_field_length
        return [length(d, fieldname, 0) for d in range(size)]
    return [byte_to_length(b) for b in _read_numbers(column, size)]


class _Impacts:
    """One term's postings in a segment with their BM25 term weights, and the order of best weight first."""

    __slots__ = ("docs", "order", "scores")

    def __init__(self, docs, scores, order):
        self.docs = docs
        self.scores = scores
        self.order = order

    def score_of(self, doc: int) -> float:
        docs = self.docs
        i = bisect_left(docs, doc)
        return self.scores[i] if i < len(docs) and docs[i] == doc else 0.0


_NO_IMPACTS = _Impacts(array("i"), array("f"), array("i"))


class _SegmentCache:
    """Bitmaps, term weights and sort values of one immutable segment (deleted documents included)."""

    def __init__(self, reader):
        self.size = reader.doc_count_all()
        self.terms = _LRU(TERM_CACHE_SIZE)
        self.impacts = _LRU(IMPACT_CACHE_SIZE)
        self.values: dict[str, list[str]] = {}
        self.columns: dict[str, list[int]] = {}
        self.lengths: list[int] | None = None

    def term_impacts(self, reader, text: str) -> _Impacts:
        """BM25's saturated, length-normalised term frequency per document (the idf is applied per query)."""

        def make():
            fieldobj = reader.schema["text"]
            btext = fieldobj.to_bytes(text)
            if ("text", btext) not in reader._terms:
                return _NO_IMPACTS
            if self.lengths is None:
                self.lengths = _field_lengths(reader, "text", self.size)
            lengths = self.lengths
            avg = (reader.field_length("text") / self.size) if self.size else 1.0
            matcher = reader._terms.matcher("text", btext, fieldobj.format)
            ids: list[int] = []
            weights: list[float] = []
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids.extend(matcher._ids[matcher._i :])
                weights.extend(matcher._weights[matcher._i :])
                if matcher._lastblock:
                    break
                matcher._next_block()
            k1, b = BM25_K1, BM25_B
            norm = [k1 * (1 - b + b * length / avg) for length in map(lengths.__getitem__, ids)]
            scores = [w * (k1 + 1) / (w + n) for w, n in zip(weights, norm)]
            order = sorted(range(len(ids)), key=scores.__getitem__, reverse=True)
            return _Impacts(array("i", ids), array("f", scores), array("i", order))

        return self.impacts.get_or(text, make)

    def term_bits(self, reader, fieldname: str, text: str) -> int:
        def make():
            fieldobj = reader.schema[fieldname]
            btext = fieldobj.to_bytes(text)
            if (fieldname, btext) not in reader._terms:
                return 0
            matcher = reader._terms.matcher(fieldname, btext, fieldobj.format)
            return _ids_to_bits(_leaf_ids(matcher), self.size)

        return self.terms.get_or((fieldname, text), make)

    def phrase_bits(self, searcher, fieldname: str, words: tuple[str, ...]) -> int:
        """Documents with the phrase, found once per segment: later deletions only ever remove documents,
        and those are masked by the view's live bitmap."""

        def make():
            return _ids_to_bits(query.Phrase(fieldname, list(words)).docs(searcher), self.size)

        return self.terms.get_or(("\x00phrase", fieldname, words), make)

    def field_values(self, reader, fieldname: str) -> list[str]:
        if fieldname not in self.values:
            fieldobj = reader.schema[fieldname]
            self.values[fieldname] = [fieldobj.from_bytes(b) for b in reader.lexicon(fieldname)]
        return self.values[fieldname]

    def column(self, reader, fieldname: str) -> list[int]:
        if fieldname not in self.columns:
            if reader.has_column(fieldname):
                self.columns[fieldname] = _read_numbers(
                    reader.column_reader(fieldname, translate=False), self.size
                )
            else:
                self.columns[fieldname] = [0] * self.size
        return self.columns[fieldname]


class _View:
    """One searcher generation: its segments with offsets, live documents, and combined bitmaps."""

    def __init__(self, searcher, segment_caches: dict[str, _SegmentCache]):
        self.searcher = searcher
        self.leaves = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if not isinstance(reader, SegmentReader):
                continue  # an empty index
            seg_id = reader.segment().segment_id()
            cache = segment_caches.get(seg_id)
            if cache is None:
                cache = segment_caches[seg_id] = _SegmentCache(reader)
            self.leaves.append((reader, offset, cache, sub))
        self.size = searcher.doc_count_all()
        live = 0
        for reader, offset, cache, _ in self.leaves:
            seg = (1 << cache.size) - 1
            if reader.has_deletions():
                seg &= ~_ids_to_bits(reader.deleted_docs_set, cache.size)
            live |= seg << offset
        self.live = live
        self.terms = _LRU(TERM_CACHE_SIZE)
        self.phrases = _LRU(PHRASE_CACHE_SIZE)
        self.value_cache: dict[str, list[str]] = {}
        self.sort_cache: dict[str, list[int]] = {}

    def term(self, fieldname: str, text: str) -> int:
        def make():
            bits = 0
            for reader, offset, cache, _ in self.leaves:
                seg = cache.term_bits(reader, fieldname, text)
                if seg:
                    bits |= seg << offset
            return bits & self.live

        return self.terms.get_or((fieldname, text), make)

    def phrase(self, fieldname: str, words: tuple[str, ...]) -> int:
        def make():
            bits = 0
            for _, offset, cache, sub in self.leaves:
                seg = cache.phrase_bits(sub, fieldname, words)
                if seg:
                    bits |= seg << offset
            return bits & self.live

        return self.phrases.get_or((fieldname, words), make)

    def values(self, name: str) -> list[str]:
        """The values of a facet present in the index."""
        if not self.value_cache:
            found: dict[str, set[str]] = {}
            for reader, _, cache, _ in self.leaves:
                for word in cache.field_values(reader, "facet"):
                    facet, _, value = word.partition(":")
                    found.setdefault(facet, set()).add(value)
            self.value_cache = {facet: sorted(values) for facet, values in found.items()}
        return self.value_cache.get(name, [])

    def facet(self, name: str, value: str) -> int:
        return self.term("facet", f"{name}:{value}")

    def any_of(self, name: str, values: Iterable[str]) -> int:
        bits = 0
        for value in values:
            bits |= self.facet(name, value)
        return bits

    def sort_values(self, fieldname: str) -> list[int]:
        if fieldname not in self.sort_cache:
            values: list[int] = []
            for reader, _, cache, _ in self.leaves:
                values.extend(cache.column(reader, fieldname))
            self.sort_cache[fieldname] = values
        return self.sort_cache[fieldname]


# ------------------------------------------------------------------------------------------------ search


@dataclass
class Visibility:
    """Which drafts the searcher may see besides everything published (archived items are never indexed)."""

    all_drafts: bool = False
    draft_regions: Sequence[int] = ()
    coached: Sequence[tuple[int, int]] = ()  # (region id, theme id)


@dataclass
class SearchSpec:
    """A search as the engine understands it.

    `clauses`: all must match; each clause is a list of alternatives, each alternative a tuple of index
    terms (one term, or several for a phrase). The first alternative is what the user typed; the others
    (synonyms) weigh a little less. `filters`: index field -> allowed values (OR within, AND across).
    """

    clauses: list[list[tuple[str, ...]]] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    visibility: Visibility = field(default_factory=Visibility)
    sort: str = "relevance"  # relevance | date | updated
    offset: int = 0
    limit: int = 10
    facets: Sequence[str] = FACET_FIELDS
    exclude: Sequence[str] = ()  # keys never to return


@dataclass
class EngineResult:
    total: int
    hits: list[tuple[str, float]]
    facets: dict[str, dict[str, int]]
    terms: set[str]
    took_ms: float = 0.0


def _clause_bits(view: _View, alternatives: list[tuple[str, ...]]) -> int:
    bits = 0
    for alt in alternatives:
        bits |= view.term("text", alt[0]) if len(alt) == 1 else view.phrase("text", alt)
    return bits


def _hidden_bits(view: _View, visibility: Visibility) -> int:
    if visibility.all_drafts:
        return 0
    drafts = view.facet("status", "draft")
    if not drafts:
        return 0
    allowed = view.any_of("region", (str(r) for r in visibility.draft_regions))
    allowed |= view.any_of("coach", (f"{r}:{t}" for r, t in visibility.coached))
    return drafts & ~allowed


def _rank(
    view: _View, clauses: list[list[tuple[str, ...]]], allowed: int, want: int
) -> list[tuple[int, float]]:
    """The `want` best documents of `allowed` by BM25 over the query's words, best first.

    Score = sum over the query's words (synonyms weighted SYNONYM_BOOST, phrase words counted as words) of
    idf x the term's BM25 weight in the document. Per segment, a threshold algorithm walks each word's
    postings best-weight-first and stops once no unseen document can still enter the top; when few
    documents are allowed it scores them directly. Exact either way. Results (measurements) weigh
    RESULT_WEIGHT: short as they are, BM25 would otherwise rank them above the practices they belong to.
    """
    searcher = view.searcher
    n_docs = max(1, searcher.doc_count_all())
    weighted: dict[str, float] = {}
    for clause in clauses:
        for i, alt in enumerate(clause):
            boost = 1.0 if i == 0 else SYNONYM_BOOST
            for term in alt:
                df = searcher.doc_frequency("text", term)
                if df:
                    idf = math.log(n_docs / (df + 1)) + 1
                    weighted[term] = max(weighted.get(term, 0.0), idf * boost)
    if not weighted:
        return []
    raw = allowed.to_bytes((view.size >> 3) + 1, "little")
    damped = view.facet("type", "result").to_bytes((view.size >> 3) + 1, "little")
    best: list[tuple[float, int]] = []
    for reader, offset, cache, _ in view.leaves:
        seg_allowed = (allowed >> offset) & ((1 << cache.size) - 1)
        if not seg_allowed:
            continue
        lists = [(w, cache.term_impacts(reader, term)) for term, w in weighted.items()]
        lists = [(w, imp) for w, imp in lists if len(imp.docs)]
        if not lists:
            continue
        count = seg_allowed.bit_count()
        if count * len(lists) <= 8 * want + 2000:
            found = _score_directly(lists, bits_to_ids(seg_allowed), want, damped, offset)
        else:
            found = _threshold_top(lists, raw, offset, want, damped)
        best.extend((score, offset + d) for score, d in found)
    best.sort(key=lambda item: (-item[0], item[1]))
    return [(d, score) for score, d in best[:want]]


def _weight(damped: bytes | None, g: int) -> float:
    return RESULT_WEIGHT if damped is not None and damped[g >> 3] >> (g & 7) & 1 else 1.0


def _score_directly(lists, docs: list[int], want: int, damped: bytes | None = None, offset: int = 0):
    scored = [(sum(w * imp.score_of(d) for w, imp in lists) * _weight(damped, d + offset), d) for d in docs]
    return heapq.nlargest(want, scored, key=lambda item: (item[0], -item[1]))


def _threshold_top(
    lists, raw: bytes, offset: int, want: int, damped: bytes | None = None
) -> list[tuple[float, int]]:
    heap: list[tuple[float, int]] = []
    seen: set[int] = set()
    longest = max(len(imp.order) for _, imp in lists)
    for depth in range(longest):
        threshold = 0.0
        for w, imp in lists:
            if depth >= len(imp.order):
                continue
            i = imp.order[depth]
            threshold += w * imp.scores[i]
            d = imp.docs[i]
            if d in seen:
                continue
            seen.add(d)
            g = d + offset
            if not raw[g >> 3] >> (g & 7) & 1:
                continue
            # The threshold stays an upper bound: weights are at most 1.
            score = sum(w2 * imp2.score_of(d) for w2, imp2 in lists) * _weight(damped, g)
            item = (score, -d)
            if len(heap) < want:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        if len(heap) >= want and heap[0][0] >= threshold:
            break
    return [(score, -neg) for score, neg in heap]


class _Lengths:
    """A segment's field lengths read once per field, for Whoosh's posting writer.

    Whoosh 2.7 looks up the field length of every posting through the column file while flushing a
    segment; over 100k documents that is a fifth of the build time. This serves the same numbers from lists.
    """

    def __init__(self, perdoc):
        self._perdoc = perdoc
        self._columns: dict[str, list[int]] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        column = self._columns.get(fieldname)
        if column is None:
            length = self._perdoc.doc_field_length
            column = [length(d, fieldname, 0) for d in range(self._perdoc.doc_count_all())]
            self._columns[fieldname] = column
        return column[docnum]

    def __getattr__(self, name):
        return getattr(self._perdoc, name)


# Posting blocks uncompressed (faster to write and to read; the index is about a third larger), and segment
# files left as they are instead of being copied into one compound file.
CODEC = W3Codec(compression=0)


class _FastWriter(SegmentWriter):
    """Whoosh's segment writer with our codec, no compound files, and cached field lengths (see _Lengths)."""

    def __init__(self, ix, **kwargs):
        kwargs.setdefault("codec", CODEC)
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        # Whoosh gives every writer the same temporary folder ("<index>.tmp"); writers building segments in
        # parallel get their own, so one finishing never deletes another's spilled runs.
        self._tempstorage = self.storage.temp_storage(f"{self.indexname}.{uuid.uuid4().hex[:10]}.tmp")
        self.pool = PostingPool(self._tempstorage, self.newsegment, limitmb=kwargs.get("limitmb", 128))

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()


def _segment_worker(path: str, jobs, results) -> None:
    """An indexing process: every batch of prepared documents becomes one new segment of the staging index."""
    try:
        ix = index.open_dir(path, indexname=INDEX_NAME)
        while True:
            batch = jobs.get()
            if batch is None:
                break
            writer = _FastWriter(ix, _lk=False, limitmb=SEGMENT_MEMORY_MB)
            for doc in batch:
                writer.add_document(**doc)
            results.put(("ok", writer._finalize_segment()))
            writer._tempstorage.destroy()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the rebuild
        results.put(("error", f"{exc.__class__.__name__}: {exc}"))


def _build_segments(ix, documents: Iterable[dict], procs: int, progress, chunk: int = SEGMENT_DOCS) -> int:
    """Index `documents` into `ix` (a fresh staging index) in `procs` processes, `chunk` per segment.

    Whoosh's own MpWriter puts each process's whole share into one segment, whose posting pool then spills
    to disk and is merged in pure Python; at 100k documents that tripled the build time. Segments of a
    bounded size sort in memory. The parent reads the database and renders Markdown meanwhile.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    jobs = context.Queue(maxsize=procs * 2)
    results = context.Queue()
    workers = [
        context.Process(target=_segment_worker, args=(str(ix.storage.folder), jobs, results), daemon=True)
        for _ in range(procs)
    ]
    for worker in workers:
        worker.start()
    sent = count = 0
    segments = []
    try:
        batch: list[dict] = []
        for doc in documents:
            batch.append(_prepare(doc))
            count += 1
            if progress is not None:
                progress(1)
            if len(batch) >= chunk:
                jobs.put(batch)
                sent += 1
                batch = []
        if batch:
            jobs.put(batch)
            sent += 1
        for _ in workers:
            jobs.put(None)
        for _ in range(sent):
            status, value = results.get(timeout=3600)
            if status != "ok":
                raise RuntimeError(f"an indexing process failed: {value}")
            segments.append(value)
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.terminate()
    writer = _FastWriter(ix)
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()
    return count


class _Writes:
    """What a batch may do with its writer."""

    def __init__(self, writer):
        self._writer = writer
        self.count = 0

    def upsert(self, doc: dict) -> None:
        self._writer.update_document(**_prepare(doc))
        self.count += 1

    def delete(self, key: str) -> None:
        self._writer.delete_by_term("key", key)
        self.count += 1

    def delete_children(self, parent: str) -> None:
        self._writer.delete_by_term("parent", parent)
        self.count += 1


class SearchIndex:
    """The index in one directory, with this process's long-lived searcher and caches.

    Get it with `get_index(path)`; one instance per process and directory. Searching and refreshing hold a
    lock, because Whoosh searchers are not meant to be shared between threads.
    """

    def __init__(self, path: Path, writer_timeout: float = 2.0):
        self.path = Path(path)
        self.writer_timeout = writer_timeout
        self._lock = threading.RLock()
        self._ix = None
        self._searcher = None
        self._readers: dict[str, object] = {}
        self._similar: dict[tuple, list[tuple[str, float]]] = {}
        self._generation = -1
        self._build: str | None = None
        self._view: _View | None = None
        self._segments: dict[str, _SegmentCache] = {}

    # -- files and opening

    @property
    def rebuild_marker(self) -> Path:
        return self.path.with_name(self.path.name + ".rebuilding")

    def exists(self) -> bool:
        return self.path.exists() and index.exists_in(str(self.path), indexname=INDEX_NAME)

    def _read_build(self) -> str | None:
        try:
            return (self.path / BUILD_FILE).read_text().strip()
        except OSError:
            return None

    @contextmanager
    def _create_lock(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path.with_name(self.path.name + ".create.lock")))
        lock.acquire(blocking=True)
        try:
            yield
        finally:
            lock.release()

    def ensure(self) -> None:
        """Create an empty index when there is none yet (safe when several processes try at once)."""
        if self.exists():
            return
        with self._create_lock():
            if self.exists():
                return
            self.path.mkdir(parents=True, exist_ok=True)
            index.create_in(str(self.path), build_schema(), indexname=INDEX_NAME)
            (self.path / BUILD_FILE).write_text(uuid.uuid4().hex)

    def _open_searcher(self):
        """A searcher for the latest generation, reusing this process's readers of unchanged segments.

        Whoosh's own `Searcher.refresh()` reuses a segment's reader even when documents were deleted from
        that segment since, so replaced documents would show twice; here a segment's reader is reused only
        while its deletion count is unchanged.
        """
        toc = index.TOC.read(self._ix.storage, INDEX_NAME)
        readers = []
        fresh: dict[str, object] = {}
        for segment in toc.segments:
            seg_id = segment.segment_id()
            reader = self._readers.get(seg_id)
            if reader is None or reader.segment().deleted_count() != segment.deleted_count():
                reader = SegmentReader(self._ix.storage, toc.schema, segment, generation=toc.generation)
            fresh[seg_id] = reader
            readers.append(reader)
        for seg_id, reader in self._readers.items():
            if fresh.get(seg_id) is not reader:
                reader.close()
        self._readers = fresh
        self._generation = toc.generation
        if not readers:
            top = EmptyReader(toc.schema)
        elif len(readers) == 1:
            top = readers[0]
        else:
            top = MultiReader(readers, generation=toc.generation)
        return Searcher(top, fromindex=self._ix, closereader=False)

    def _current_view(self) -> _View:
        """The up-to-date view for this process: reopened after a swap, refreshed after a commit."""
        build = self._read_build()
        if self._ix is None or build != self._build:
            if not self.exists():
                self._drop_readers()
                self._ix = None
                raise IndexMissing(str(self.path))
            self._drop_readers()
            build = self._read_build()
            self._ix = index.open_dir(str(self.path), indexname=INDEX_NAME)
            self._build = build
            self._segments = {}
            self._view = None
            self._searcher = self._open_searcher()
        elif self._ix.latest_generation() != self._generation:
            self._searcher = self._open_searcher()
            self._view = None
        if self._view is None:
            self._view = _View(self._searcher, self._segments)
            used = {id(leaf[2]) for leaf in self._view.leaves}
            self._segments = {k: v for k, v in self._segments.items() if id(v) in used}
        return self._view

    def _view_or_none(self) -> _View | None:
        try:
            return self._current_view()
        except IndexMissing:
            return None

    def _drop_readers(self) -> None:
        for reader in self._readers.values():
            try:
                reader.close()
            except Exception:
                log.debug("closing a search reader failed", exc_info=True)
        self._readers = {}
        self._searcher = self._view = None

    def close(self) -> None:
        with self._lock:
            self._drop_readers()
            self._ix = None
            self._build = None
            self._segments = {}

    # -- status

    def generation(self) -> int:
        """The index's commit generation (grows by one per committed writer)."""
        if not self.exists():
            raise IndexMissing(str(self.path))
        return index.open_dir(str(self.path), indexname=INDEX_NAME).latest_generation()

    def status(self) -> dict:
        """Whether the index can be searched, and how many documents it holds (never creates anything)."""
        if not self.exists():
            return {"ok": False, "error": "missing", "hint": "flask search reindex"}
        try:
            with self._lock:
                view = self._current_view()
                return {"ok": True, "documents": view.searcher.doc_count()}
        except (EmptyIndexError, OSError, ValueError) as exc:
            return {"ok": False, "error": exc.__class__.__name__}

    # -- writing

    def _writer(self, timeout: float | None = None):
        if not self.exists():
            raise IndexMissing(str(self.path))
        if self.rebuild_marker.exists():
            # A rebuild holds the lock for minutes: do not make the request wait for it.
            timeout = 0.0
        ix = index.open_dir(str(self.path), indexname=INDEX_NAME)
        try:
            return _FastWriter(ix, timeout=self.writer_timeout if timeout is None else timeout, delay=0.05)
        except LockError as exc:
            raise IndexBusy(str(self.path)) from exc

    @contextmanager
    def writing(self, timeout: float | None = None):
        """One writer for a batch of changes, committed at the end (cancelled on error).

        Raises IndexBusy when the writer lock cannot be had within the timeout (default: writer_timeout).
        """
        writer = self._writer(timeout)
        writes = _Writes(writer)
        try:
            yield writes
        except BaseException:
            writer.cancel()
            raise
        if writes.count:
            writer.commit()
        else:
            writer.cancel()

    def apply(
        self,
        upserts: Iterable[dict] = (),
        deletes: Iterable[str] = (),
        delete_children: Iterable[str] = (),
        timeout: float | None = None,
    ) -> int:
        """Delete keys, delete documents whose parent is listed, then add/replace documents, in one writer."""
        with self.writing(timeout) as writes:
            for key in deletes:
                writes.delete(key)
            for parent in delete_children:
                writes.delete_children(parent)
            for doc in upserts:
                writes.upsert(doc)
        return writes.count

    @contextmanager
    def locked(self, timeout: float = 0.0):
        """Hold the writer lock (tests use it to play a busy index). Raises IndexBusy."""
        self.ensure()
        ix = index.open_dir(str(self.path), indexname=INDEX_NAME)
        lock = ix.lock("WRITELOCK")
        deadline = time.monotonic() + timeout
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise IndexBusy(str(self.path))
            time.sleep(0.05)
        try:
            yield
        finally:
            lock.release()

    def rebuild(
        self,
        documents: Iterable[dict],
        progress: Callable[[int], None] | None = None,
        procs: int = 1,
        lock_timeout: float = 600.0,
        expected: int | None = None,
    ) -> int:
        """Build a complete new index aside and swap it in; searches keep working on the old one meanwhile.

        While building, the live index's writer lock is held, so changes committed meanwhile stay in the
        outbox (their writers give up at once, seeing the rebuild marker) and are applied to the new index
        by the caller afterwards (`sync`). With procs > 1 that many processes index, a segment per
        SEGMENT_DOCS documents.
        """
        target = self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        self.ensure()
        self.rebuild_marker.write_text(f"{os.getpid()} {time.time()}")
        staging = target.with_name(f".{target.name}-build-{uuid.uuid4().hex[:8]}")
        count = 0
        try:
            with self.locked(timeout=lock_timeout):
                staging.mkdir()
                ix = index.create_in(str(staging), build_schema(), indexname=INDEX_NAME)
                if procs > 1:
                    # Enough segments to keep every process busy, none larger than SEGMENT_DOCS.
                    chunk = (
                        SEGMENT_DOCS
                        if not expected
                        else max(1000, min(SEGMENT_DOCS, -(-expected // (2 * procs))))
                    )
                    count = _build_segments(ix, documents, procs, progress, chunk)
                else:
                    writer = _FastWriter(ix, limitmb=SEGMENT_MEMORY_MB)
                    try:
                        for doc in documents:
                            writer.add_document(**_prepare(doc))
                            count += 1
                            if progress is not None:
                                progress(1)
                    except BaseException:
                        writer.cancel()
                        raise
                    writer.commit()
                ix.close()
                (staging / BUILD_FILE).write_text(uuid.uuid4().hex)
                old = target.with_name(f".{target.name}-old-{uuid.uuid4().hex[:8]}")
                target.rename(old)
                staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            self.rebuild_marker.unlink(missing_ok=True)
        return count

    # -- reading

    def signatures(self) -> dict[str, str]:
        """key -> stored signature of every live document (for `flask search check`)."""
        with self._lock:
            view = self._current_view()
            reader = view.searcher.reader()
            return {fields["key"]: fields.get("sig", "") for _, fields in reader.iter_docs()}

    def search(self, spec: SearchSpec) -> EngineResult:
        """Run a search: the exact total, facet counts over the filtered match set, and one page of keys."""
        started = time.perf_counter()
        with self._lock:
            view = self._view_or_none()
            if view is None:
                result = EngineResult(total=0, hits=[], facets={}, terms=set())
            else:
                result = self._search(view, spec)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _search(self, view: _View, spec: SearchSpec) -> EngineResult:
        terms = {t for clause in spec.clauses for alt in clause for t in alt}
        matched = view.live
        for clause in spec.clauses:
            matched &= _clause_bits(view, clause)
            if not matched:
                break
        matched &= ~_hidden_bits(view, spec.visibility)
        for key in spec.exclude:
            matched &= ~view.term("key", key)
        filters = {name: view.any_of(name, values) for name, values in spec.filters.items() if values}
        everything = matched
        for bits in filters.values():
            everything &= bits
        facets = {}
        for name in spec.facets:
            base = matched
            for other, bits in filters.items():
                if other != name:
                    base &= bits
            counts = {}
            if base:
                for value in view.values(name):
                    n = (base & view.facet(name, value)).bit_count()
                    if n:
                        counts[value] = n
            facets[name] = counts
        total = everything.bit_count()
        hits = self._page(view, spec, everything, total) if total and spec.limit else []
        return EngineResult(total=total, hits=hits, facets=facets, terms=terms)

    def _page(self, view: _View, spec: SearchSpec, bits: int, total: int) -> list[tuple[str, float]]:
        want = spec.offset + spec.limit
        if spec.sort == "relevance" and spec.clauses:
            ranked = _rank(view, spec.clauses, bits, want)
        else:
            values = view.sort_values("updated" if spec.sort == "updated" else "date")
            ranked = self._top_by_value(view, bits, total, values, want)
        stored = view.searcher.stored_fields
        return [(stored(d)["key"], score) for d, score in ranked[spec.offset : want]]

    @staticmethod
    def _top_by_value(view: _View, bits: int, total: int, values: list[int], want: int):
        key = values.__getitem__
        if total <= max(want * 50, view.size // 20):
            docs = bits_to_ids(bits)
            top = heapq.nlargest(want, docs, key=lambda d: (key(d), -d))
            return [(d, float(key(d))) for d in top]
        order = view.sort_cache.get("order:" + str(id(values)))
        if order is None:
            order = sorted(range(len(values)), key=lambda d: (-values[d], d))
            view.sort_cache["order:" + str(id(values))] = order
        raw = bits.to_bytes((view.size >> 3) + 1, "little")
        out = []
        for d in order:
            if raw[d >> 3] >> (d & 7) & 1:
                out.append((d, float(values[d])))
                if len(out) >= want:
                    break
        return out

    def similar(
        self,
        key: str,
        text: str,
        boosts: dict[str, list[str]],
        exclude_filters: dict[str, list[str]],
        require: dict[str, list[str]],
        limit: int = 5,
    ) -> list[tuple[str, float]]:
        """Documents like `text`: BM25 over its SIMILAR_TERMS key terms (any of them), times 2 for a shared value of the
        first facet in `boosts` and 1.5 for the second (theme, phase).

        Documents matching any of `exclude_filters`, drafts and `key` itself are left out; `require` keeps
        documents with one of the listed values per facet. Ranked with the same threshold algorithm as
        searches (Whoosh would score every document sharing any key term, on every practice page).
        """
        with self._lock:
            view = self._view_or_none()
            if view is None or not text:
                return []
            # A practice page asks again and again; the answer only changes with the index.
            cache_key = (
                self._build,
                self._generation,
                key,
                hash(text),
                repr(boosts),
                repr(exclude_filters),
                repr(require),
                limit,
            )
            cached = self._similar.get(cache_key)
            if cached is not None:
                return cached
            found = self._similar_uncached(view, key, text, boosts, exclude_filters, require, limit)
            self._similar[cache_key] = found
            if len(self._similar) > 2000:
                self._similar.pop(next(iter(self._similar)))
            return found

    def _similar_uncached(self, view, key, text, boosts, exclude_filters, require, limit):
        searcher = view.searcher
        key_terms = searcher.key_terms_from_text("text", text, numterms=SIMILAR_TERMS)
        if not key_terms:
            return []
        mask = view.term("key", key) | view.facet("status", "draft")
        for name, values in exclude_filters.items():
            mask |= view.any_of(name, values)
        allowed = view.live & ~mask
        for name, values in require.items():
            allowed &= view.any_of(name, values)
        matching = 0
        for term, _ in key_terms:
            matching |= view.term("text", term)
        allowed &= matching
        if not allowed:
            return []
        factors = [
            (view.any_of(name, values), factor) for (name, values), factor in zip(boosts.items(), (2.0, 1.5))
        ]
        raw = allowed.to_bytes((view.size >> 3) + 1, "little")
        # Re-ranked after the theme/phase factors (at most x3): a pool a few times the limit is plenty.
        pool = limit * 6
        candidates: list[tuple[float, int]] = []
        for reader, offset, cache, _ in view.leaves:
            if not (allowed >> offset) & ((1 << cache.size) - 1):
                continue
            lists = [(float(w), cache.term_impacts(reader, t)) for t, w in key_terms]
            lists = [(w, imp) for w, imp in lists if len(imp.docs)]
            if lists:
                candidates.extend(
                    (score, offset + d) for score, d in _threshold_top(lists, raw, offset, pool)
                )
        scored = []
        for score, d in candidates:
            for bits, factor in factors:
                if bits >> d & 1:
                    score *= factor
            scored.append((score, d))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(searcher.stored_fields(d)["key"], score) for score, d in scored[:limit]]

    def whoosh_ranking(self, terms: Sequence[str], limit: int | None = 10) -> list[tuple[str, float]]:
        """Whoosh's own BM25F ranking of an AND of index terms (the reference the tests hold ours to)."""
        with self._lock:
            searcher = self._current_view().searcher
            q = query.And([query.Term("text", t) for t in terms])
            return [
                (searcher.stored_fields(h.docnum)["key"], h.score) for h in searcher.search(q, limit=limit)
            ]

    def has_terms(self, terms: Iterable[str]) -> bool:
        """Whether any of these index terms occurs in a live document."""
        with self._lock:
            view = self._view_or_none()
            return view is not None and any(view.term("text", t) for t in terms)

    def known_words(self, words: Iterable[str]) -> set[str]:
        """Which folded words occur in titles, themes or region names (the spelling field)."""
        with self._lock:
            view = self._view_or_none()
            return set() if view is None else {w for w in words if view.term("spell", w)}

    def corrections(self, word: str, extra: Iterable[str] = (), maxdist: int = 2) -> str | None:
        """The closest known word to a (folded) misspelt word: fewest edits first, then the most frequent.

        Looks in the spelling field (titles, themes, regions) and in `extra` (the curated vocabulary).
        """
        with self._lock:
            view = self._view_or_none()
            if view is None:
                return None
            for dist in range(1, maxdist + 1):
                candidates: dict[str, int] = {}
                for reader, _, _, _ in view.leaves:
                    for found in reader.terms_within("spell", word, dist, prefix=1):
                        candidates[found] = candidates.get(found, 0) + reader.doc_frequency("spell", found)
                for candidate in extra:
                    if candidate not in candidates and _within(candidate, word, dist):
                        candidates[candidate] = 1
                candidates.pop(word, None)
                if candidates:
                    return max(candidates, key=lambda w: (candidates[w], -abs(len(w) - len(word)), w))
        return None


def _within(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance of a and b is at most `limit` (small words only)."""
    if abs(len(a) - len(b)) > limit or a[:1] != b[:1]:
        return False
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


# -------------------------------------------------------------------------------------------- highlight


_HIGHLIGHT_LIMIT = 20_000
_SURROUND = 60


def html_escape(text: str) -> str:
    return _escape(text, quote=False)


def highlight_text(text: str, terms: Iterable[str], max_chars: int = 240, fragments: int = 2) -> str:
    """HTML snippet of plain `text`: the best passages (most distinct matched words), matches in <mark>.

    Words are matched the way the index matched them (folded, stemmed, compound parts), so "jeugdhulp"
    marks "jeugdhulpverleners". All text is HTML-escaped here. Returns '' when no term occurs. (Whoosh's own
    highlighter re-tokenises the whole text through its fragmenter and took 75% of a search's time.)
    """
    termset = frozenset(terms)
    if not text or not termset:
        return ""
    text = text[:_HIGHLIGHT_LIMIT]
    spans: list[tuple[int, int, str]] = []
    for match in _WORD.finditer(text):
        forms = word_forms(match.group(), True)
        if forms and not termset.isdisjoint(forms):
            spans.append((match.start(), match.end(), forms[0]))
    if not spans:
        return ""
    if len(text) <= max_chars:
        windows = [(0, len(text))]
    else:
        windows = _best_windows(text, spans, max_chars, fragments)
    parts = []
    for start, end in windows:
        out = ["…" if start > 0 else ""]
        pos = start
        for s_start, s_end, _ in spans:
            if s_start < start or s_end > end:
                continue
            out.append(html_escape(text[pos:s_start]))
            out.append(f'<mark class="search-match">{html_escape(text[s_start:s_end])}</mark>')
            pos = s_end
        out.append(html_escape(text[pos:end]))
        out.append("…" if end < len(text) else "")
        parts.append("".join(out))
    return " ".join(parts)


def _best_windows(
    text: str, spans: list[tuple[int, int, str]], size: int, count: int
) -> list[tuple[int, int]]:
    candidates = []
    for i, (s_start, _, _) in enumerate(spans):
        start = max(0, s_start - _SURROUND)
        if start:
            space = text.find(" ", start, s_start)
            start = space + 1 if space != -1 else s_start
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > spans[i][1] else end
        words = set()
        for _, b, form in spans[i:]:
            if b > end:
                break
            words.add(form)
        candidates.append((len(words), -start, start, end))
        if len(candidates) >= 24:
            break
    chosen: list[tuple[int, int]] = []
    for _, _, start, end in sorted(candidates, reverse=True):
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
            if len(chosen) == count:
                break
    return sorted(chosen)


# ------------------------------------------------------------------------------------------ per process


def index_status() -> dict:
    """For /healthz: whether the configured index can be searched (never creates anything)."""
    from flask import current_app

    return get_index(current_app.config["SEARCH_INDEX_DIR"]).status()


_INDEXES: dict[str, SearchIndex] = {}
_INDEXES_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    for ix in list(_INDEXES.values()):
        ix.close()
    _INDEXES.clear()


def get_index(path: str | Path, writer_timeout: float = 2.0) -> SearchIndex:
    """This process's SearchIndex for a directory (created on first use, then kept)."""
    key = str(Path(path).resolve())
    with _INDEXES_LOCK:
        ix = _INDEXES.get(key)
        if ix is None:
            if len(_INDEXES) >= 8:
                # Tests create many apps with their own directories; keep memory bounded.
                _, oldest = next(iter(_INDEXES.items()))
                oldest.close()
                _INDEXES.pop(next(iter(_INDEXES)))
            ix = _INDEXES[key] = SearchIndex(Path(path), writer_timeout)
        ix.writer_timeout = writer_timeout
        return ix
