"""Impact files: every frequent text term's postings of a segment, ready to rank, written next to the segment.

Decoding a common word's postings from Whoosh's blocks (a pickle per block of 128 postings, positions
included) and computing its BM25 term weights costs milliseconds per ten thousand postings, and a process
pays it the first time a search meets the word. So whenever our writer finishes a segment (a build process's
segment, a commit, a merge: `whoosh_internals.FastWriter._finalize_segment`), the segment's frequent terms
(in at least MIN_DF documents; segments of MIN_DOCS documents or more) are written to `<segment>.imp`:

    MAGIC, header length and segment size ("<QQ"), a pickled header {segment id, size, byte order, term ->
    (offset, count, CRC-32 of its bytes), "bits": bitmap bytes}, then per term: document numbers (array "i"),
    BM25 term weights (array "f", exactly the floats `term_scores` computes on the fly), their best-first order
    (array "i") and the documents as a bitmap (`bits` bytes, little-endian: the int `ids_to_bits` makes);
    then the bitmap of every word pair (schema.WordPairs) in at least MIN_DF documents, listed in the header's
    "pairs" (a phrase such as `jonge volwassenen` is one such bitmap).

A search then reads a term as three views of a memory map (no copy) and one `int.from_bytes` for its bitmap.
Building the bitmap from the ids took half a millisecond per term and segment, most of what a fresh worker's
first searches paid more than later ones; a file without "bits" in its header (written before) still works.
Warm-up reads the most frequent terms of every segment (`SegmentCache.warm`): only their bitmaps take memory.

The file is part of the segment for Whoosh (`<index>_<segment id>.imp` matches its segment file pattern, so
`clean_files` deletes it with its segment). Missing, foreign or damaged files are ignored: the terms are
decoded from Whoosh's postings as before, with the same result.
"""

from __future__ import annotations

import heapq
import logging
import mmap
import os
import pickle
import struct
import sys
import zlib
from array import array
from pathlib import Path

from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.bitmaps import ids_to_bits
from exchange.search.engine.schema import PAIRS_FIELD

log = logging.getLogger(__name__)

MAGIC = b"JKIMP02\n"
SUFFIX = ".imp"
MIN_DOCS = 2000  # smaller segments decode quickly on the fly
MIN_DF = 128  # a term in fewer documents is one posting block
BM25_K1 = 1.2
BM25_B = 0.75
_HEAD = struct.Struct("<QQ")


def segment_norms(reader, size: int) -> list[float]:
    """BM25's length normalisation k1 * (1 - b + b * length / average length) of every document."""
    lengths = internals.field_lengths(reader, "text", size)
    avg = (reader.field_length("text") / size) if size else 1.0
    base, per = BM25_K1 * (1 - BM25_B), BM25_K1 * BM25_B / (avg or 1.0)
    return [base + per * length for length in lengths]


def term_scores(ids, weights, norms: list[float]) -> array:
    """BM25's saturated, length-normalised term frequency per posting (the idf is applied per query)."""
    k1p = BM25_K1 + 1
    return array("f", [w * k1p / (w + n) for w, n in zip(weights, map(norms.__getitem__, ids))])


def best_first(scores) -> array:
    """Positions of the postings, highest weight first (ties in posting order)."""
    return array("i", sorted(range(len(scores)), key=scores.__getitem__, reverse=True))


def write(storage, schema, segment) -> Path | None:
    """Write the impact file of a finished segment (None when the segment is too small to need one)."""
    if segment.doc_count_all() < MIN_DOCS:
        return None  # a small commit's segment: not even a reader opened (saves stay fast)
    reader = internals.segment_reader(storage, schema, segment)
    try:
        size = reader.doc_count_all()
        nbytes = (size + 7) // 8
        norms = segment_norms(reader, size)
        terms: dict[str, tuple[int, int, int]] = {}
        chunks: list[bytes] = []
        offset = 0
        frequent = [text for text, info in reader.iter_field("text") if info.doc_frequency() >= MIN_DF]
        for text in frequent:  # after the walk over the lexicon: the term index file is read again below
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            ids, weights = internals.leaf_postings(internals.raw_postings(reader, "text", text))
            scores = term_scores(ids, weights, norms)
            bits = ids_to_bits(ids, size).to_bytes(nbytes, "little")
            data = ids.tobytes() + scores.tobytes() + best_first(scores).tobytes() + bits
            chunks.append(data)
            terms[text] = (offset, len(ids), zlib.crc32(data))
            offset += len(data)
        pairs: dict[str, tuple[int, int, int]] = {}
        if PAIRS_FIELD in reader.schema:
            frequent = [t for t, info in reader.iter_field(PAIRS_FIELD) if info.doc_frequency() >= MIN_DF]
            for text in frequent:
                text = text.decode("utf-8") if isinstance(text, bytes) else text
                ids = internals.leaf_ids(internals.raw_postings(reader, PAIRS_FIELD, text))
                data = ids_to_bits(ids, size).to_bytes(nbytes, "little")
                chunks.append(data)
                pairs[text] = (offset, 0, zlib.crc32(data))
                offset += len(data)
    finally:
        reader.close()
    header = pickle.dumps(
        {
            "segment": segment.segment_id(),
            "size": size,
            "byteorder": sys.byteorder,
            "terms": terms,
            "bits": nbytes,
            "pairs": pairs,
        },
        4,
    )
    folder = Path(internals.storage_folder(storage))
    path = folder / segment.make_filename(SUFFIX)
    temp = folder / f".{path.name}.{os.getpid()}.tmp"  # a dot file: Whoosh's clean_files leaves it alone
    with open(temp, "wb") as f:
        f.write(MAGIC + _HEAD.pack(len(header), size) + header)
        f.writelines(chunks)
    os.replace(temp, path)
    return path


class ImpactFile:
    """A segment's impact file, memory-mapped: `get(term)` gives (ids, weights, order, bitmap) or None,
    `pair_bits(pair)` a frequent word pair's bitmap or None."""

    def __init__(
        self,
        data,
        size: int,
        terms: dict[str, tuple[int, int, int]],
        start: int,
        bits: int = 0,
        pairs: dict[str, tuple[int, int, int]] | None = None,
    ):
        self._data = data
        self._size = size
        self._terms = terms
        self._start = start
        self._bits = bits  # bitmap bytes per term (0: a file written before bitmaps were stored)
        self._pairs = pairs or {}  # frequent word pairs (schema.WordPairs) -> (offset, 0, CRC-32)

    def pair_bits(self, text: str) -> int | None:
        """The bitmap of a frequent word pair's documents; None when the file does not have it (or it is
        damaged): decoded from Whoosh's postings instead."""
        entry = self._pairs.get(text)
        if entry is None or not self._bits:
            return None
        begin = self._start + entry[0]
        raw = self._data[begin : begin + self._bits]
        if len(raw) != self._bits or zlib.crc32(raw) != entry[2]:
            return None
        return int.from_bytes(raw, "little")

    def __contains__(self, text: str) -> bool:
        return text in self._terms

    def get(self, text: str) -> tuple[memoryview, memoryview, memoryview, int | None] | None:
        """(document numbers, term weights, best-first order, bitmap or None when the file has none).

        The three arrays are views of the memory map ("i", "f", "i"), not copies: a term costs a process only
        its bitmap, so the most frequent terms can be read at warm-up for a few MB (`most_frequent`)."""
        entry = self._terms.get(text)
        if entry is None:
            return None
        offset, count, crc = entry
        begin = self._start + offset
        length = 12 * count + self._bits
        raw = memoryview(self._data)[begin : begin + length]
        if count <= 0 or len(raw) != length or zlib.crc32(raw) != crc:
            return None  # damaged: decoded from Whoosh's postings instead
        ids = raw[: 4 * count].cast("i")
        if ids[0] < 0 or ids[-1] >= self._size:
            return None
        scores = raw[4 * count : 8 * count].cast("f")
        order = raw[8 * count : 12 * count].cast("i")
        bits = int.from_bytes(raw[12 * count :], "little") if self._bits else None
        return ids, scores, order, bits

    def most_frequent(self, count: int) -> list[str]:
        """The `count` terms of the file in the most documents."""
        return heapq.nlargest(count, self._terms, key=lambda text: self._terms[text][1])


def open_for(reader) -> ImpactFile | None:
    """The impact file of a segment reader's segment, or None (missing, another segment's, damaged)."""
    path = internals.segment_file(reader, SUFFIX)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None  # missing (an older build, a small segment) or empty
    try:
        if data[: len(MAGIC)] != MAGIC:
            raise ValueError("magic")
        head_len, size = _HEAD.unpack_from(data, len(MAGIC))
        start = len(MAGIC) + _HEAD.size
        header = pickle.loads(data[start : start + head_len])
        if (
            header["segment"] != internals.segment_id(reader)
            or header["size"] != size
            or size != reader.doc_count_all()
            or header["byteorder"] != sys.byteorder
        ):
            raise ValueError("another segment's file")
        bits = header.get("bits", 0)
        if bits not in (0, (size + 7) // 8):
            raise ValueError("bitmap size")
        return ImpactFile(data, size, header["terms"], start + head_len, bits, header.get("pairs"))
    except Exception as exc:  # noqa: BLE001 - a damaged file is never worse than no file
        log.warning("search: ignoring impact file %s (%s)", path, exc)
        data.close()
        return None


if write not in internals.SEGMENT_HOOKS:  # every segment a FastWriter finishes gets its impact file
    internals.SEGMENT_HOOKS.append(write)
