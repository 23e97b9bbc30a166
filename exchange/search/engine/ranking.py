"""Ranking: BM25 over the per-segment term weights with a threshold algorithm, and ordering by a sort value."""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left

from exchange.search.engine.bitmaps import bits_to_ids
from exchange.search.engine.caches import View

SYNONYM_BOOST = 0.8
RESULT_WEIGHT = 0.3


def rank(
    view: View,
    clauses: list[list[tuple[str, ...]]],
    allowed: int,
    want: int,
    weights: dict[tuple[str, ...], float] | None = None,
) -> list[tuple[int, float]]:
    """The `want` best documents of `allowed` by BM25 over the query's words, best first.

    Score = sum over the query's words (synonyms weighted SYNONYM_BOOST or their own weight in `weights`,
    phrase words counted as words) of
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
            boost = 1.0 if i == 0 else weights.get(alt, SYNONYM_BOOST) if weights else SYNONYM_BOOST
            for term in alt:
                df = view.doc_frequency(term)
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
            found = score_directly(lists, bits_to_ids(seg_allowed), want, damped, offset)
        else:
            found = threshold_top(lists, raw, offset, want, damped)
        best.extend((score, offset + d) for score, d in found)
    best.sort(key=lambda item: (-item[0], item[1]))
    return [(d, score) for score, d in best[:want]]


def score_directly(lists, docs: list[int], want: int, damped: bytes | None = None, offset: int = 0):
    """The `want` best of `docs` (ascending), each scored from every list (exactly sum(w x term weight))."""
    prepared = [(w, imp.docs, imp.scores, len(imp.docs), [0]) for w, imp in lists]
    scored = []
    append = scored.append
    for d in docs:
        score = 0.0
        for w, ids, scores, n, lo in prepared:
            i = bisect_left(ids, d, lo[0])
            lo[0] = i  # docs ascend: the next one is never before this position
            if i < n and ids[i] == d:
                score += w * scores[i]
        if damped is not None:
            g = d + offset
            if damped[g >> 3] >> (g & 7) & 1:
                score *= RESULT_WEIGHT
        append((score, d))
    return heapq.nlargest(want, scored, key=lambda item: (item[0], -item[1]))


def threshold_top(
    lists, raw: bytes, offset: int, want: int, damped: bytes | None = None
) -> list[tuple[float, int]]:
    heap: list[tuple[float, int]] = []
    seen: set[int] = set()
    prepared = [(w, imp.order, imp.docs, imp.scores, len(imp.docs)) for w, imp in lists]
    longest = max(n for *_, n in prepared)
    for depth in range(longest):
        threshold = 0.0
        for w, order, docs, scores, n in prepared:
            if depth >= n:
                continue
            i = order[depth]
            threshold += w * scores[i]
            d = docs[i]
            if d in seen:
                continue
            seen.add(d)
            g = d + offset
            if not raw[g >> 3] >> (g & 7) & 1:
                continue
            # The threshold stays an upper bound: weights are at most 1.
            score = 0.0
            for w2, _, docs2, scores2, n2 in prepared:
                j = bisect_left(docs2, d)
                if j < n2 and docs2[j] == d:
                    score += w2 * scores2[j]
            if damped is not None and damped[g >> 3] >> (g & 7) & 1:
                score *= RESULT_WEIGHT
            item = (score, -d)
            if len(heap) < want:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        if len(heap) >= want and heap[0][0] >= threshold:
            break
    return [(score, -neg) for score, neg in heap]


def top_by_value(view: View, bits: int, total: int, fieldname: str, want: int) -> list[tuple[int, float]]:
    """The `want` documents of `bits` with the highest sort value (newest first), ties by document number."""
    values = view.sort_values(fieldname)
    key = values.__getitem__
    if total <= max(want * 50, view.size // 20):
        docs = bits_to_ids(bits)
        top = heapq.nlargest(want, docs, key=lambda d: (key(d), -d))
        return [(d, float(key(d))) for d in top]
    order = view.sort_order(fieldname)
    raw = bits.to_bytes((view.size >> 3) + 1, "little")
    out = []
    for d in order:
        if raw[d >> 3] >> (d & 7) & 1:
            out.append((d, float(values[d])))
            if len(out) >= want:
                break
    return out
