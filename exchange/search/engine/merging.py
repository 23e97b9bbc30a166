"""Which segments a commit of our writer merges: small ones only, in a bounded amount of work.

Whoosh's default policy (`writing.MERGE_SMALL`) merges every segment up to the first point where the running
total of documents is below a Fibonacci number. A parallel build leaves some 30 segments of 10,000 documents
at 100,000 practices; the next commit after it, the first save of a practice, then merged 26 of them: 260,000
documents in pure Python, 298 s inside the request that saved (bench/search.py, "a save visible in search").
gunicorn stops such a worker after its timeout, and the next save starts the same merge again.

So a commit merges by tiers of size (fewer than 10, 100, 1,000, ... documents): when a tier holds MERGE_FROM
segments or more, they become one, provided that is at most MAX_MERGE_DOCS documents. Each document is merged
about once per tier. Saves of a practice with two measurements (3 documents) merge 24 documents every 8th save,
about 200 every 64th and about 1,600 every 512th (a few seconds at the 1.1 ms per document the large merge
took); segments too large to merge that way (one per some 1,600 documents saved) stay as they are until
`flask search reindex` builds the index again.
"""

from __future__ import annotations

from whoosh.reading import SegmentReader

MERGE_FROM = 8  # segments of one tier before they are merged
MAX_MERGE_DOCS = 5_000  # the most documents one commit merges


def tier(docs: int) -> int:
    """0 for fewer than 10 documents, 1 for fewer than 100, and so on."""
    return len(str(max(docs, 1))) - 1


def chosen_for_merge(sizes: list[int]) -> list[int]:
    """The positions (in `sizes`, documents per segment) of the segments one commit merges: the smallest tier
    with MERGE_FROM segments or more whose total stays within MAX_MERGE_DOCS (the tiers below it, too few to
    merge on their own, join it); [] when none qualifies."""
    by_tier: dict[int, list[int]] = {}
    for position, docs in enumerate(sizes):
        by_tier.setdefault(tier(docs), []).append(position)
    below: list[int] = []
    for level in sorted(by_tier):
        members = below + by_tier[level]
        if sum(sizes[p] for p in members) > MAX_MERGE_DOCS:
            return []
        if len(by_tier[level]) >= MERGE_FROM:
            return sorted(members)
        below = members
    return []


def merge_small_segments(writer, segments):
    """A Whoosh merge policy (`writer.commit(mergetype=...)`): add the chosen segments to the new one, keep the
    others."""
    segments = list(segments)
    chosen = set(chosen_for_merge([segment.doc_count_all() for segment in segments]))
    if len(chosen) < 2:
        return segments
    for position in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[position])
        writer.add_reader(reader)
        reader.close()
    return [segment for position, segment in enumerate(segments) if position not in chosen]
