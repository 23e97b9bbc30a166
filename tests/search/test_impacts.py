"""Impact files next to segments (exchange/search/engine/impacts.py): written with every segment our writer
finishes (builds, commits, merges), deleted with it, read instead of Whoosh's postings with exactly the same
numbers, and ignored when missing or damaged."""

from __future__ import annotations

import pickle
import random
import sys
import zlib

import pytest

from exchange.search.engine import SearchSpec, impacts, searchindex
from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.caches import SegmentCache

WORDS = ["jeugdhulp", "wachtlijst", "pleegzorg", "thuiszitters", "school", "ouders", "wijkteam", "gemeente"]
TERMS = [
    "jeugdhulp",
    "wachtlijst",
    "pleegzorg",
    "thuiszitter",
    "schol",
    "ouder",
    "wijkteam",
    "gemeent",
]  # analysed


def docs(count: int, start: int = 1, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(start, start + count):
        body = " ".join(rng.choice(WORDS[: rng.randint(2, len(WORDS))]) for _ in range(rng.randint(5, 40)))
        out.append(
            {
                "key": f"practice:{i}",
                "type": "practice",
                "status": "published",
                "title": f"Titel {i}",
                "body": body,
            }
        )
    return out


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch):
    # The real thresholds (2000 documents, 128 postings) keep small segments out; tests use small indexes.
    monkeypatch.setattr(impacts, "MIN_DOCS", 20)
    monkeypatch.setattr(impacts, "MIN_DF", 3)


@pytest.fixture
def index(tmp_path):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(docs(300))
    yield ix
    ix.close()


def impact_files(ix) -> set[str]:
    return {p.name for p in ix.path.iterdir() if p.name.endswith(impacts.SUFFIX)}


def segment_files(ix) -> set[str]:
    with ix._lock:
        view = ix._current_view()
        return {leaf[0].segment().make_filename(impacts.SUFFIX) for leaf in view.leaves}


def leaves(ix):
    with ix._lock:
        return list(ix._current_view().leaves)


def test_a_built_segment_has_an_impact_file_equal_to_decoding_whoosh_s_postings(index):
    assert impact_files(index) == segment_files(index) != set()
    for reader, _, _, _ in leaves(index):
        stored = impacts.open_for(reader)
        assert stored is not None
        from_file, decoded = SegmentCache(reader), SegmentCache(reader)
        decoded._impact_file = None  # as a segment without a file: Whoosh's postings
        for word in TERMS:
            assert word in stored
            a, b = from_file.term_impacts(reader, word), decoded.term_impacts(reader, word)
            assert len(a.docs) > 50
            assert (a.docs, a.scores, a.bits, list(a.order)) == (b.docs, b.scores, b.bits, list(b.order))


def test_rare_terms_and_small_segments_are_left_to_whoosh(index, monkeypatch):
    index.apply(upserts=[dict(docs(1, start=900)[0], body="zeldzaamwoord jeugdhulp")])
    small = [leaf[0] for leaf in leaves(index) if leaf[0].doc_count_all() == 1]
    assert len(small) == 1 and impacts.open_for(small[0]) is None  # under MIN_DOCS: no file
    big = next(leaf for leaf in leaves(index) if leaf[0].doc_count_all() >= 300)
    reader, cache = big[0], big[2]
    assert "titel" in impacts.open_for(reader)  # in every document
    assert "300" not in impacts.open_for(reader)  # in one document: under MIN_DF
    assert cache.term_impacts(reader, "300").docs.tolist() == [299]


def test_commits_and_merges_write_files_for_new_segments_and_delete_those_of_merged_ones(index):
    before = impact_files(index)
    for n in range(12):  # small commits: Whoosh merges small segments as they pile up
        index.apply(upserts=docs(25, start=1000 + 25 * n, seed=n))
    after = impact_files(index)
    assert after == segment_files(index)
    assert len(after) >= 2 and before <= after  # the big built segment is kept, merged ones have files
    index.apply(upserts=docs(25, start=5000), timeout=5)
    index._writer().commit(optimize=True)  # a full merge: one segment, one file
    assert impact_files(index) == segment_files(index)
    assert len(segment_files(index)) == 1


def search_all(ix) -> list:
    out = []
    for words in (["jeugdhulp"], ["wachtlijst", "schol"], ["pleegzorg", "ouder", "gemeent"]):
        spec = SearchSpec(clauses=[[(w,)] for w in words], limit=10)
        result = ix.search(spec)
        out.append((result.total, result.hits, result.facets))
    return out


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",  # empty
        lambda raw: raw[: len(raw) // 2],  # cut short
        lambda raw: b"NOTANIMP" + raw[8:],  # another format
        lambda raw: raw[:40] + bytes(len(raw) - 40),  # zeroed header and data
        lambda raw: raw[: len(raw) - 400] + b"\xff" * 400,  # garbage in the arrays
    ],
)
def test_a_damaged_or_missing_file_falls_back_to_whoosh_with_the_same_results(tmp_path, damage):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(docs(300))
    expected = search_all(ix)
    ix.close()
    (name,) = impact_files(ix)
    path = ix.path / name
    path.write_bytes(damage(path.read_bytes()))
    fresh = searchindex.SearchIndex(tmp_path / "ix")  # a new process
    assert search_all(fresh) == expected
    fresh.close()
    path.unlink()
    fresh = searchindex.SearchIndex(tmp_path / "ix")
    assert search_all(fresh) == expected
    fresh.close()


def test_a_term_whose_bytes_changed_is_decoded_from_whoosh(index):
    reader, _, cache, _ = max(leaves(index), key=lambda leaf: leaf[0].doc_count_all())
    expected = SegmentCache(reader)
    expected._impact_file = None
    stored = impacts.open_for(reader)
    offset, count, _ = stored._terms["jeugdhulp"]
    data = bytearray(stored._data)
    at = stored._start + offset + 8 * count  # its best-first order
    data[at : at + 8] = data[at + 4 : at + 8] + data[at : at + 4]  # two positions swapped
    stored._data = bytes(data)
    assert stored.get("jeugdhulp") is None and stored.get("wachtlijst") is not None
    cache._impact_file = stored
    cache.impacts.clear()
    got, want = cache.term_impacts(reader, "jeugdhulp"), expected.term_impacts(reader, "jeugdhulp")
    assert (got.docs, got.scores, list(got.order)) == (want.docs, want.scores, list(want.order))


def test_another_segment_s_file_is_ignored(tmp_path):
    a = searchindex.SearchIndex(tmp_path / "a")
    a.rebuild(docs(300))
    b = searchindex.SearchIndex(tmp_path / "b")
    b.rebuild(docs(300, seed=9))
    expected = search_all(b)
    (mine,) = impact_files(b)
    (theirs,) = impact_files(a)
    (b.path / mine).write_bytes((a.path / theirs).read_bytes())
    a.close()
    b.close()
    fresh = searchindex.SearchIndex(tmp_path / "b")
    reader = leaves(fresh)[0][0]
    assert impacts.open_for(reader) is None
    assert search_all(fresh) == expected
    fresh.close()


def test_a_phrase_finds_the_same_documents_with_and_without_impact_files(tmp_path):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(docs(300))
    spec = SearchSpec(clauses=[[("wachtlijst", "pleegzorg")], [("jeugdhulp",)]], limit=10)
    expected = ix.search(spec)
    ix.close()
    for name in impact_files(ix):
        (ix.path / name).unlink()
    fresh = searchindex.SearchIndex(tmp_path / "ix")
    got = fresh.search(spec)
    fresh.close()
    assert (got.total, got.hits) == (expected.total, expected.hits) and expected.total > 0


def test_segment_file_names_a_file_next_to_the_segment(index):
    reader = leaves(index)[0][0]
    path = internals.segment_file(reader, impacts.SUFFIX)
    assert path == str(index.path / reader.segment().make_filename(impacts.SUFFIX))
    assert internals.storage_folder(object()) is None
    assert internals.segment_file(object(), impacts.SUFFIX) is None  # not a segment reader


def test_a_file_written_before_bitmaps_were_stored_gives_the_same_numbers(tmp_path):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(docs(300))
    expected = search_all(ix)
    reader = leaves(ix)[0][0]
    stored = impacts.open_for(reader)
    assert stored._bits == (stored._size + 7) // 8  # this version stores them
    # The previous layout: ids, weights and order per term, no "bits" in the header.
    terms, chunks, offset = {}, [], 0
    for text in stored._terms:
        ids, scores, order, _ = stored.get(text)
        data = ids.tobytes() + scores.tobytes() + order.tobytes()
        terms[text] = (offset, len(ids), zlib.crc32(data))
        chunks.append(data)
        offset += len(data)
    header = {"segment": internals.segment_id(reader), "size": stored._size, "byteorder": sys.byteorder}
    header = pickle.dumps({**header, "terms": terms})
    ix.close()
    (name,) = impact_files(ix)
    (ix.path / name).write_bytes(
        impacts.MAGIC + impacts._HEAD.pack(len(header), stored._size) + header + b"".join(chunks)
    )
    fresh = searchindex.SearchIndex(tmp_path / "ix")
    old = impacts.open_for(leaves(fresh)[0][0])
    assert old is not None and old._bits == 0 and old.get("jeugdhulp")[3] is None
    assert search_all(fresh) == expected
    fresh.close()


def test_frequent_word_pairs_are_stored_as_the_bitmaps_whoosh_s_postings_give(index):
    from exchange.search.engine.bitmaps import ids_to_bits
    from exchange.search.engine.schema import PAIRS_FIELD

    reader, _, cache, _ = max(leaves(index), key=lambda leaf: leaf[0].doc_count_all())
    stored = impacts.open_for(reader)
    assert len(stored._pairs) > 10 and "jeugdhulp wachtlijst" in stored._pairs
    size = reader.doc_count_all()
    for pair in stored._pairs:
        decoded = ids_to_bits(internals.leaf_ids(internals.raw_postings(reader, PAIRS_FIELD, pair)), size)
        assert stored.pair_bits(pair) == decoded != 0
    assert stored.pair_bits("jeugdhulp onbekend") is None
    # A damaged pair is read from Whoosh's postings, with the same documents.
    offset = stored._pairs["jeugdhulp wachtlijst"][0]
    data = bytearray(stored._data)
    data[stored._start + offset] ^= 0xFF
    stored._data = bytes(data)
    assert stored.pair_bits("jeugdhulp wachtlijst") is None
    cache._impact_file = stored
    cache.terms.clear()
    expected = ids_to_bits(
        internals.leaf_ids(internals.raw_postings(reader, PAIRS_FIELD, "jeugdhulp wachtlijst")), size
    )
    assert cache.term_bits(reader, PAIRS_FIELD, "jeugdhulp wachtlijst") == expected
