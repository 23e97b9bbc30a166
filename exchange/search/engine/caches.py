"""Bitmaps, BM25 term weights and sort values cached per immutable segment, and per searcher generation."""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from functools import reduce
from itertools import pairwise
from operator import and_

from whoosh import query

from exchange.search.engine import impacts
from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.bitmaps import LRU, bits_to_ids, ids_to_bits
from exchange.search.engine.schema import PAIRS_FIELD

# Caches of bitmaps per segment and per searcher generation (each bitmap is doc_count/8 bytes).
TERM_CACHE_SIZE = 1500
PHRASE_CACHE_SIZE = 500
IMPACT_CACHE_SIZE = 1500
FREQUENCY_CACHE_SIZE = 4096  # per segment: the words of the practice pages asked most (similar practices)
SORT_FIELDS = ("date", "updated")
# The most frequent words of a segment read at warm-up: a bitmap each (1.25 KB per 10,000 documents).
WARM_TERMS = 300


class Impacts:
    """One term's postings in a segment, decoded once: the documents, their BM25 term weights, the documents
    as a bitmap (for matching) and, when ranking first walks them, the order of best weight first."""

    __slots__ = ("_order", "bits", "docs", "scores")

    def __init__(self, docs, scores, bits: int):
        self.docs = docs
        self.scores = scores
        self.bits = bits
        self._order = None

    @property
    def order(self):
        if self._order is None:
            self._order = impacts.best_first(self.scores)
        return self._order

    def score_of(self, doc: int) -> float:
        docs = self.docs
        i = bisect_left(docs, doc)
        return self.scores[i] if i < len(docs) and docs[i] == doc else 0.0


NO_IMPACTS = Impacts(array("i"), array("f"), 0)


class SegmentCache:
    """Bitmaps, term weights and sort values of one immutable segment (deleted documents included)."""

    def __init__(self, reader):
        self.size = reader.doc_count_all()
        self.terms = LRU(TERM_CACHE_SIZE)
        self.impacts = LRU(IMPACT_CACHE_SIZE)
        self.frequencies = LRU(FREQUENCY_CACHE_SIZE)
        self.facets: dict[str, int] = {}
        self.values: dict[str, list[str]] = {}
        self.columns: dict[str, list[int]] = {}
        self.orders: dict[str, list[int]] = {}
        self._norms: list[float] | None = None
        self._impact_file: impacts.ImpactFile | None | bool = False
        self.warmed = False

    def norms(self, reader) -> list[float]:
        """BM25's length normalisation k1 * (1 - b + b * length / average length) of every document."""
        if self._norms is None:
            self._norms = impacts.segment_norms(reader, self.size)
        return self._norms

    def impact_file(self, reader) -> impacts.ImpactFile | None:
        """The segment's impact file (impacts.py), opened once; None when it has none or it is damaged."""
        if self._impact_file is False:
            self._impact_file = impacts.open_for(reader)
        return self._impact_file

    def term_impacts(self, reader, text: str) -> Impacts:
        """A text term's postings, decoded once for matching (bits) and ranking (BM25's saturated,
        length-normalised term frequency per document; the idf is applied per query): from the segment's
        impact file when the term is in it, else from Whoosh's postings (the same numbers)."""

        def make():
            stored = self.impact_file(reader)
            found = stored.get(text) if stored is not None else None
            if found is not None:
                ids, scores, order, bits = found
                made = Impacts(ids, scores, ids_to_bits(ids, self.size) if bits is None else bits)
                made._order = order
                return made
            matcher = internals.raw_postings(reader, "text", text)
            if matcher is None:
                return NO_IMPACTS
            ids, weights = internals.leaf_postings(matcher)
            return Impacts(
                ids, impacts.term_scores(ids, weights, self.norms(reader)), ids_to_bits(ids, self.size)
            )

        return self.impacts.get_or(text, make)

    def frequency(self, reader, fieldname: str, text: str) -> float:
        """A term's summed weight in this segment (Whoosh's `frequency`, deleted documents included), looked up
        once: a segment never changes, so after a commit only the new segments are asked."""
        return self.frequencies.get_or((fieldname, text), lambda: reader.frequency(fieldname, text))

    def term_bits(self, reader, fieldname: str, text: str) -> int:
        if fieldname == "text":
            return self.term_impacts(reader, text).bits
        if fieldname == PAIRS_FIELD:
            return self.terms.get_or((fieldname, text), lambda: self._pair_bits(reader, text))
        if fieldname == "facet":
            bits = self.facets.get(text)
            if bits is None:
                bits = self.facets[text] = self._decode_bits(reader, fieldname, text)
            return bits
        return self.terms.get_or((fieldname, text), lambda: self._decode_bits(reader, fieldname, text))

    def _pair_bits(self, reader, text: str) -> int:
        stored = self.impact_file(reader)
        bits = stored.pair_bits(text) if stored is not None else None
        return self._decode_bits(reader, PAIRS_FIELD, text) if bits is None else bits

    def _decode_bits(self, reader, fieldname: str, text: str) -> int:
        matcher = internals.raw_postings(reader, fieldname, text)
        if matcher is None:
            return 0
        return ids_to_bits(internals.leaf_ids(matcher), self.size)

    def warm(self, reader) -> None:
        """Read what every search needs from this segment: lengths, every facet value's bitmap, sort columns,
        and the WARM_TERMS most frequent words (most searches have one; only their bitmaps take memory, the
        rest are views of the impact file). Once per segment: a segment never changes, and every view after a
        commit shares the caches of the segments it kept (re-warming 65 of them took 35 ms of each refresh at
        100k, paid by the first request after a change)."""
        if self.warmed:
            return
        self.norms(reader)
        for word in self.field_values(reader, "facet"):
            self.term_bits(reader, "facet", word)
        for name in SORT_FIELDS:
            self.order(reader, name)
        stored = self.impact_file(reader)
        if stored is not None:
            for text in stored.most_frequent(WARM_TERMS):
                self.term_impacts(reader, text)
        self.warmed = True

    def phrase_bits(self, reader, searcher, fieldname: str, words: tuple[str, ...]) -> int:
        """Documents with the phrase, found once per segment: later deletions only ever remove documents,
        and those are masked by the view's live bitmap.

        In the text field: the documents with every adjacent pair of the phrase (the pairs field, see
        schema.WordPairs; in an index built before it, the documents with every word), then, for a phrase of
        three or more words, each candidate's positions of the words, consecutive as in Whoosh's Phrase (slop
        1; compound parts share their word's position). Whoosh's own Phrase builds span objects per posting
        and took seconds for two common words at 100k documents; reading positions per candidate still took
        0.1-0.4 s for two common words at 100k, a pair's postings take a millisecond or two.
        """

        def make():
            if fieldname != "text":
                return ids_to_bits(query.Phrase(fieldname, list(words)).docs(searcher), self.size)
            if PAIRS_FIELD in reader.schema:
                # The documents with every adjacent pair of the phrase: exact for two words, and for more
                # the only ones whose positions need reading.
                candidates = reduce(
                    and_, (self.term_bits(reader, PAIRS_FIELD, f"{a} {b}") for a, b in pairwise(words))
                )
                if len(words) == 2:
                    return candidates
            else:
                candidates = reduce(and_, (self.term_bits(reader, "text", word) for word in words))
            if not candidates:
                return 0
            impacts = [self.term_impacts(reader, word) for word in words]
            decode = reader.schema[fieldname].format.decode_positions
            values = [internals.leaf_values(internals.raw_postings(reader, fieldname, w)) for w in words]
            found = []
            for d in bits_to_ids(candidates):
                starts = None
                for k, (imp, vals) in enumerate(zip(impacts, values)):
                    at = {p - k for p in decode(vals[bisect_left(imp.docs, d)])}
                    starts = at if starts is None else starts & at
                    if not starts:
                        break
                if starts:
                    found.append(d)
            return ids_to_bits(found, self.size)

        return self.terms.get_or(("\x00phrase", fieldname, words), make)

    def field_values(self, reader, fieldname: str) -> list[str]:
        if fieldname not in self.values:
            fieldobj = reader.schema[fieldname]
            self.values[fieldname] = [fieldobj.from_bytes(b) for b in reader.lexicon(fieldname)]
        return self.values[fieldname]

    def order(self, reader, fieldname: str) -> list[int]:
        """This segment's documents, highest sort value first (ties by document number); kept as long as the
        segment, so a commit elsewhere never sorts the whole index again."""
        order = self.orders.get(fieldname)
        if order is None:
            values = self.column(reader, fieldname)
            order = self.orders[fieldname] = sorted(range(self.size), key=lambda d: (-values[d], d))
        return order

    def column(self, reader, fieldname: str) -> list[int]:
        if fieldname not in self.columns:
            if reader.has_column(fieldname):
                self.columns[fieldname] = internals.read_numbers(
                    reader.column_reader(fieldname, translate=False), self.size
                )
            else:
                self.columns[fieldname] = [0] * self.size
        return self.columns[fieldname]


class View:
    """One searcher generation: its segments with offsets, live documents, and combined bitmaps."""

    def __init__(self, searcher, segment_caches: dict[str, SegmentCache]):
        self.searcher = searcher
        self.leaves = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            seg_id = internals.segment_id(reader)
            if seg_id is None:
                continue  # an empty index
            cache = segment_caches.get(seg_id)
            if cache is None:
                cache = segment_caches[seg_id] = SegmentCache(reader)
            self.leaves.append((reader, offset, cache, sub))
        self.size = searcher.doc_count_all()
        live = 0
        for reader, offset, cache, _ in self.leaves:
            seg = (1 << cache.size) - 1
            if reader.has_deletions():
                seg &= ~ids_to_bits(internals.deleted_docs(reader), cache.size)
            live |= seg << offset
        self.live = live
        self.terms = LRU(TERM_CACHE_SIZE)
        self.facets: dict[str, int] = {}
        self.phrases = LRU(PHRASE_CACHE_SIZE)
        self.value_cache: dict[str, list[str]] = {}
        self.sort_cache: dict[str, list[int]] = {}
        self.doc_freqs = LRU(TERM_CACHE_SIZE)

    def doc_frequency(self, text: str) -> int:
        """Whoosh's document frequency of a text term (deleted documents included, as its BM25 counts
        them), asked once per view: a grouped search ranks every hit's results with the same words. Counted
        from the term's postings per segment, which ranking reads anyway (Whoosh's own count looks the term
        up in every segment's term table once more)."""
        return self.doc_freqs.get_or(
            text,
            lambda: sum(len(cache.term_impacts(reader, text).docs) for reader, _, cache, _ in self.leaves),
        )

    def frequency(self, fieldname: str, text: str) -> float:
        """A term's summed weight over the index (Whoosh's `frequency`), from each segment's cache."""
        return sum(cache.frequency(reader, fieldname, text) for reader, _, cache, _ in self.leaves)

    def warm(self) -> None:
        """Fill what every search reads before the view serves: per segment (lengths, facet bitmaps, sort
        columns) and combined (live documents, every facet value, sort values and their order)."""
        for reader, _, cache, _ in self.leaves:
            cache.warm(reader)
        self.values("type")
        for facet, values in self.value_cache.items():
            if facet == "coach":
                continue  # only functionaries' searches read these (hundreds of region:theme pairs)
            for value in values:
                self.facet(facet, value)
        for name in SORT_FIELDS:
            self.sort_values(name)

    def _combined(self, fieldname: str, text: str) -> int:
        bits = 0
        for reader, offset, cache, _ in self.leaves:
            seg = cache.term_bits(reader, fieldname, text)
            if seg:
                bits |= seg << offset
        return bits & self.live

    def term(self, fieldname: str, text: str) -> int:
        if fieldname == "facet":
            bits = self.facets.get(text)
            if bits is None:
                bits = self.facets[text] = self._combined(fieldname, text)
            return bits
        return self.terms.get_or((fieldname, text), lambda: self._combined(fieldname, text))

    def phrase(self, fieldname: str, words: tuple[str, ...]) -> int:
        def make():
            bits = 0
            for reader, offset, cache, sub in self.leaves:
                seg = cache.phrase_bits(reader, sub, fieldname, words)
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

    def sort_order(self, fieldname: str) -> Iterator[int]:
        """Every document number, highest sort value first (ties by document number): the segments' own
        orders merged lazily (the caller stops after a page)."""
        values = self.sort_values(fieldname)

        def run(order: list[int], offset: int) -> Iterator[tuple[int, int]]:
            for d in order:
                g = offset + d
                yield -values[g], g

        runs = [run(cache.order(reader, fieldname), offset) for reader, offset, cache, _ in self.leaves]
        return (d for _, d in heapq.merge(*runs))
