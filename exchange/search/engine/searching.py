"""Searching a view: match sets from clauses, visibility and filters, facet counts, a page of keys, similar
documents and spelling corrections."""

from __future__ import annotations

from whoosh import classify

from exchange.search.engine.caches import View
from exchange.search.engine.ranking import rank, threshold_top, top_by_value
from exchange.search.engine.spec import EngineResult, SearchSpec, Visibility

SIMILAR_TERMS = 8


def clause_bits(view: View, alternatives: list[tuple[str, ...]]) -> int:
    bits = 0
    for alt in alternatives:
        bits |= view.term("text", alt[0]) if len(alt) == 1 else view.phrase("text", alt)
    return bits


def at_least(view: View, clauses: list[list[tuple[str, ...]]], m: int) -> int:
    """Documents matching at least `m` of the clauses (a bitwise counter, one `&`/`|` per clause and level)."""
    reached = [view.live] + [0] * m  # reached[k]: documents matching at least k clauses so far
    for clause in clauses:
        bits = clause_bits(view, clause)
        for k in range(m, 0, -1):
            reached[k] |= reached[k - 1] & bits
    return reached[m]


def hidden_bits(view: View, visibility: Visibility) -> int:
    if visibility.all_drafts:
        return 0
    drafts = view.facet("status", "draft")
    if not drafts:
        return 0
    allowed = view.any_of("region", (str(r) for r in visibility.draft_regions))
    allowed |= view.any_of("coach", (f"{r}:{t}" for r, t in visibility.coached))
    return drafts & ~allowed


def run_search(view: View, spec: SearchSpec) -> EngineResult:
    """The exact total, facet counts over the filtered match set, and one page of keys."""
    terms = {t for clause in spec.clauses for alt in clause for t in alt}
    matched = view.live
    if 0 < spec.min_match < len(spec.clauses):
        matched &= at_least(view, spec.clauses, spec.min_match)
    else:
        for clause in spec.clauses:
            matched &= clause_bits(view, clause)
            if not matched:
                break
    matched &= ~hidden_bits(view, spec.visibility)
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
    hits = _page(view, spec, everything, total) if total and spec.limit else []
    return EngineResult(total=total, hits=hits, facets=facets, terms=terms)


def _page(view: View, spec: SearchSpec, bits: int, total: int) -> list[tuple[str, float]]:
    want = spec.offset + spec.limit
    if spec.sort == "relevance" and spec.clauses:
        ranked = rank(view, spec.clauses, bits, want, spec.weights)
    else:
        ranked = top_by_value(view, bits, total, "updated" if spec.sort == "updated" else "date", want)
    stored = view.searcher.stored_fields
    return [(stored(d)["key"], score) for d, score in ranked[spec.offset : want]]


class _CachedFrequencies:
    """What Whoosh's `classify.Expander` reads of an index reader, with a word's collection frequency from the
    view's per-segment caches. `Searcher.key_terms_from_text` looked every word of the text up in every
    segment twice on each call (`in`, then `frequency`): 65 words x 67 segments of a bench index at 100k,
    80 ms (profiled) of a practice page's first answer after any commit, as the similar practices are cached
    per index generation."""

    def __init__(self, view: View) -> None:
        reader = view.searcher.reader()
        self.schema = reader.schema
        self.doc_count_all = reader.doc_count_all
        self.field_length = reader.field_length
        self.frequency = view.frequency

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        # Whoosh's `in` looks the term up in every segment again; a term's weight is positive where it occurs.
        return self.frequency(*term) > 0


def key_terms_of(view: View, text: str, number: int) -> list[tuple[str, float]]:
    """The `number` key terms of `text` (Whoosh's `Searcher.key_terms_from_text` with its Bo1 model: the same
    terms and weights)."""
    expander = classify.Expander(_CachedFrequencies(view), "text", model=classify.Bo1Model)
    expander.add_text(text)
    return expander.expanded_terms(number, normalize=True)


def similar_top(view: View, key, text, boosts, exclude_filters, require, limit) -> list[tuple[str, float]]:
    """The `limit` documents most like `text` (see SearchIndex.similar)."""
    searcher = view.searcher
    key_terms = key_terms_of(view, text, SIMILAR_TERMS)
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
            candidates.extend((score, offset + d) for score, d in threshold_top(lists, raw, offset, pool))
    scored = []
    for score, d in candidates:
        for bits, factor in factors:
            if bits >> d & 1:
                score *= factor
        scored.append((score, d))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(searcher.stored_fields(d)["key"], score) for score, d in scored[:limit]]


def correction(view: View, word: str, extra, maxdist: int) -> str | None:
    """The closest known word to a (folded) misspelt word (see SearchIndex.corrections)."""
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
