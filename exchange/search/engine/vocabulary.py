"""The spelling vocabulary: every folded word of the `spell` field (titles, summaries, bodies and indicators of
published documents; titles of drafts), with its document frequency, and a symmetric-delete table for fast
corrections.

Whoosh's own `terms_within` walks an automaton over the whole lexicon (about 0.5 s over a body vocabulary);
here a correction is a few hundred dictionary lookups. The table is built when a view first needs it: one
*base* table over the segments of that moment, plus a small table per segment written later (a save adds a
segment; rebuilding the base on every save would cost every worker a second). When the later segments grow
past a quarter of the base, the base is rebuilt. A new `reindex` build starts a new base (SearchIndex keeps one
`Vocabulary` per build).

Words of deleted documents and of drafts may linger in a table: every candidate is checked against the live,
published documents (`View` bitmaps) before it is offered, so a draft's words never come out.
"""

from __future__ import annotations

import math
import threading

from exchange.search import spelling
from exchange.search.engine import whoosh_internals as internals

MIN_WORD = 4
FIELD = "spell"
REBUILD_SHARE = 0.25
CHECKED = 6  # best candidates checked against the published documents, best first


class Table:
    """word -> document frequency, and deletion -> word numbers."""

    def __init__(self, readers=(), words=()) -> None:
        freq: dict[str, int] = dict.fromkeys((w for w in words if len(w) >= MIN_WORD), 0)
        for reader in readers:
            for text, info in reader.iter_field(FIELD):
                word = text.decode("utf-8") if isinstance(text, bytes) else text
                if len(word) >= MIN_WORD:
                    freq[word] = freq.get(word, 0) + info.doc_frequency()
        self.words = list(freq)
        self.freq = freq
        index: dict[str, int | tuple[int, ...]] = {}
        for number, word in enumerate(self.words):
            for key in (word, *spelling.deletions(word)):
                found = index.get(key)
                if found is None:
                    index[key] = number
                elif isinstance(found, int):
                    if found != number:
                        index[key] = (found, number)
                elif number not in found:
                    index[key] = (*found, number)
        self.index = index

    def candidates(self, keys: set[str], out: dict[str, int]) -> None:
        """Add the words reachable from any of `keys` (the variants and their deletions) with frequencies."""
        index, words, freq = self.index, self.words, self.freq
        for key in keys:
            found = index.get(key)
            if found is None:
                continue
            for number in (found,) if isinstance(found, int) else found:
                word = words[number]
                out[word] = out.get(word, 0) + freq[word]


class Vocabulary:
    """The tables of one index build (see the module docstring)."""

    def __init__(self) -> None:
        self.base: Table | None = None
        self.base_segments: frozenset[str] = frozenset()
        self.base_docs = 0
        self.extra: dict[str, Table] = {}
        self.curated: tuple[tuple[str, ...], Table] | None = None
        self._lock = threading.Lock()

    def curated_table(self, words: tuple[str, ...]) -> Table:
        """A table of curated words (vocabulary, synonyms), rebuilt when the list changes."""
        with self._lock:
            if self.curated is None or self.curated[0] != words:
                self.curated = (words, Table(words=words))
            return self.curated[1]

    def tables(self, view) -> list[Table]:
        leaves = [(internals.segment_id(reader), reader, cache.size) for reader, _, cache, _ in view.leaves]
        with self._lock:
            newer = [(seg, reader, size) for seg, reader, size in leaves if seg not in self.base_segments]
            if self.base is None or sum(size for _, _, size in newer) > max(
                5000, REBUILD_SHARE * self.base_docs
            ):
                self.base = Table([reader for _, reader, _ in leaves])
                self.base_segments = frozenset(seg for seg, _, _ in leaves)
                self.base_docs = sum(size for _, _, size in leaves)
                self.extra = {}
                newer = []
            current = {seg for seg, _, _ in newer}
            self.extra = {seg: table for seg, table in self.extra.items() if seg in current}
            for seg, reader, _ in newer:
                if seg not in self.extra:
                    self.extra[seg] = Table([reader])
            return [self.base, *(self.extra[seg] for seg, _, _ in newer)]

    def warm(self, view) -> None:
        """Build the tables now (when an index is opened or swapped), not on a user's request."""
        self.tables(view)


def public_count(view, word: str, enough: int | None = None) -> int:
    """In how many live, published documents the spelling field holds `word`; with `enough`, counting stops
    once the count passes it (segment by segment, on the per-segment postings bitmaps that outlive a save:
    a frequent word is settled by its first segment instead of a bitmap over the whole index)."""
    slices = getattr(view, "_public_slices", None)
    if slices is None:
        # Per segment: its live, published documents (once per view, i.e. per index generation).
        public = view.live & ~view.facet("status", "draft")
        slices = view._public_slices = [
            (public >> offset) & ((1 << cache.size) - 1) for _, offset, cache, _ in view.leaves
        ]
    total = 0
    for (reader, _, cache, _), segment_public in zip(view.leaves, slices):
        seg = cache.term_bits(reader, FIELD, word)
        if seg:
            total += (seg & segment_public).bit_count()
            if enough is not None and total > enough:
                break
    return total


def correct(
    view, vocabulary: Vocabulary, word: str, extra=(), more_than: int = 0
) -> tuple[str, float, int] | None:
    """The best correction of a folded word: (word, Dutch distance, published documents, counted until past
    `more_than`), or None.

    Candidates: the words one deletion away (symmetric delete) from any Dutch variant of `word`, within
    `spelling.max_distance`; ranked by distance less a little for frequency (a tenfold more frequent word may be
    0.15 further away); the best few are checked against the published documents, which must be more than
    `more_than`. `extra` (curated words: the suggestions' vocabulary and synonyms) count as rare and need no
    document (unless `more_than` asks for some).
    """
    limit = spelling.max_distance(word)
    if not limit:
        return None
    keys: set[str] = set()
    for variant in spelling.variants(word):
        keys.add(variant)
        keys.update(spelling.deletions(variant))
    found: dict[str, int] = {}
    for table in vocabulary.tables(view):
        table.candidates(keys, found)
    curated: dict[str, int] = {}
    if extra:
        vocabulary.curated_table(tuple(sorted(set(extra)))).candidates(keys, curated)
        for candidate in curated:
            found.setdefault(candidate, 0)
    found.pop(word, None)
    scored = []
    for candidate, freq in found.items():
        distance = spelling.dutch_distance(word, candidate)
        if distance <= limit:
            scored.append((distance - 0.15 * math.log10(1 + freq), distance, candidate))
    scored.sort()
    for _, distance, candidate in scored[:CHECKED]:
        count = public_count(view, candidate, enough=more_than)
        if count > more_than or (not more_than and candidate in curated):
            return candidate, distance, count
    return None
