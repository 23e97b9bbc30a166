"""Each wrapper of a Whoosh internal (exchange/search/engine/whoosh_internals.py) on a tiny real index.

These fail loudly when a Whoosh upgrade renames, removes or changes an internal we rely on: each test checks
that the internal is there (no silent fallback to the slow public path) and that the wrapper gives the same
answer as Whoosh's public API.
"""

from __future__ import annotations

import inspect
import re

import pytest

from exchange.search.engine import schema, searchindex
from exchange.search.engine import whoosh_internals as internals

DOCS = [
    {"key": "practice:1", "title": "Thuiszitters", "body": "thuiszitters en wachtlijst", "date": 3},
    {"key": "practice:2", "title": "Wachtlijst", "body": "de wachtlijst jeugdhulp wachtlijst", "date": 1},
    {"key": "practice:3", "title": "Pleegzorg", "body": "pleegzorg thuiszitters", "date": 2},
]
BLOCK_ATTRIBUTES = ("_read_ids", "_read_weights", "_next_block", "_ids", "_weights", "_i", "_lastblock")
COLUMN_ATTRIBUTES = ("_fixedlen", "_typecode", "_dbfile", "_basepos", "_count", "_default")


@pytest.fixture
def tiny(tmp_path):
    """A built index of three documents plus a second segment, with practice:2 deleted (replaced)."""
    index = searchindex.SearchIndex(tmp_path / "ix")
    index.rebuild([dict(d, type="practice", status="published") for d in DOCS])
    index.apply(upserts=[dict(DOCS[1], type="practice", status="published", title="Wachtlijst twee")])
    yield index
    index.close()


@pytest.fixture
def first_segment(tiny):
    """The reader of the first (rebuilt) segment, which has one deleted document."""
    with tiny._lock:
        view = tiny._current_view()
        readers = [leaf[0] for leaf in view.leaves if leaf[0].doc_count_all() == len(DOCS)]
        assert len(readers) == 1
        yield readers[0]


def public_postings(reader, fieldname: str, text: str) -> list[tuple[int, float]]:
    matcher = reader.postings(fieldname, text)
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight()))
        matcher.next()
    return out


def close(readers: dict) -> None:
    for reader in readers.values():
        reader.close()


def test_raw_postings_gives_a_leaf_matcher_that_includes_deleted_documents(first_segment):
    reader = first_segment
    deleted = {d for d in range(reader.doc_count_all()) if reader.is_deleted(d)}
    matcher = internals.raw_postings(reader, "text", "wachtlijst")

    assert hasattr(reader, "_terms")
    assert [name for name in BLOCK_ATTRIBUTES if not hasattr(matcher, name)] == []
    assert (
        set(internals.leaf_ids(matcher))
        == {d for d, _ in public_postings(reader, "text", "wachtlijst")} | deleted
    )
    assert internals.raw_postings(reader, "text", "onbekendwoord") is None


def test_leaf_ids_reads_blocks_and_agrees_with_all_ids(first_segment):
    blocks = internals.raw_postings(first_segment, "text", "thuiszitter")
    public = internals.raw_postings(first_segment, "text", "thuiszitter")

    assert hasattr(blocks, "_read_ids") and hasattr(blocks, "_lastblock")  # else the slow fallback runs
    assert list(internals.leaf_ids(blocks)) == list(public.all_ids()) == [0, 2]


def test_leaf_postings_agrees_with_the_public_matcher(first_segment):
    ids, weights = internals.leaf_postings(internals.raw_postings(first_segment, "text", "thuiszitter"))

    assert list(zip(ids, weights)) == public_postings(first_segment, "text", "thuiszitter")


def test_leaf_values_agree_with_the_public_matcher(first_segment):
    blocks = internals.raw_postings(first_segment, "text", "wachtlijst")
    public = internals.raw_postings(first_segment, "text", "wachtlijst")

    assert hasattr(blocks, "_read_values") and hasattr(blocks, "_values")
    expected = []
    while public.is_active():
        expected.append(public.value())
        public.next()
    values = internals.leaf_values(blocks)
    assert values == expected and len(values) == 2
    decode = first_segment.schema["text"].format.decode_positions
    assert [len(decode(v)) for v in values] == [1, 5]  # practice:1 once; practice:2 three titles + twice


def test_read_numbers_reads_a_fixed_width_column_at_once(first_segment):
    column = first_segment.column_reader("date", translate=False)
    size = first_segment.doc_count_all()

    assert [name for name in COLUMN_ATTRIBUTES if not hasattr(column, name)] == []
    assert internals.read_numbers(column, size) == [column[d] for d in range(size)] == [3, 1, 2]
    assert internals.read_numbers(column, size + 2) == [3, 1, 2, 0, 0]


def test_field_lengths_read_the_lengths_column_as_whoosh_does(first_segment):
    reader = first_segment
    size = reader.doc_count_all()
    cached_reader = reader._perdoc._cached_reader

    assert list(inspect.signature(cached_reader).parameters) == ["fieldname", "column"]
    assert cached_reader("_text_len", internals.LENGTHS_COLUMN) is not None
    assert internals.field_lengths(reader, "text", size) == [
        reader.doc_field_length(d, "text", 0) for d in range(size)
    ]


def test_segment_id_and_deleted_docs_describe_the_segment(tiny, first_segment):
    with tiny._lock:
        ids = [internals.segment_id(leaf[0]) for leaf in tiny._current_view().leaves]

    assert len(ids) == 2 and len(set(ids)) == 2 and all(isinstance(i, str) for i in ids)
    assert internals.deleted_docs(first_segment) == frozenset({1})
    assert [first_segment.is_deleted(d) for d in range(3)] == [False, True, False]


def test_open_searcher_reuses_only_readers_of_unchanged_segments(tiny):
    ix = searchindex.index.open_dir(str(tiny.path), indexname=schema.INDEX_NAME)
    searcher, readers, generation = internals.open_searcher(ix, {})
    assert searcher.doc_count() == 3 and len(readers) == 2
    before = dict(readers)

    tiny.apply(deletes=["practice:1"])  # a deletion in the first segment only
    searcher, readers, later = internals.open_searcher(ix, readers)

    assert later == generation + 1
    assert searcher.doc_count() == 2
    assert sorted(readers) == sorted(before)
    kept = [seg for seg in readers if readers[seg] is before[seg]]
    replaced = [seg for seg in readers if readers[seg] is not before[seg]]
    assert len(kept) == 1 and readers[kept[0]].doc_count_all() == 1  # the second segment, unchanged
    assert len(replaced) == 1 and before[replaced[0]].is_closed
    close(readers)


def test_writer_lock_is_the_lock_whoosh_writers_take(tiny):
    ix = searchindex.index.open_dir(str(tiny.path), indexname=schema.INDEX_NAME)
    lock = internals.writer_lock(ix)
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(Exception) as caught:
            ix.writer(timeout=0.0)
    finally:
        lock.release()

    assert caught.type.__name__ == "LockError"
    ix.writer().cancel()  # free again once released


def test_file_lock_excludes_a_second_holder(tmp_path):
    first = internals.file_lock(str(tmp_path / "x.lock"))
    second = internals.file_lock(str(tmp_path / "x.lock"))

    assert first.acquire(blocking=False)
    try:
        assert not second.acquire(blocking=False)
    finally:
        first.release()
    assert second.acquire(blocking=False)
    second.release()


def test_fast_writer_copies_whoosh_s_own_segment_flush():
    base = internals.FastWriter.__mro__[1]
    body = re.sub(r"\s+", " ", inspect.getsource(base._flush_segment)).strip()

    # Our _flush_segment is this body with the per-document reader wrapped in _Lengths; if Whoosh changes
    # it, change ours the same way.
    assert body == (
        "def _flush_segment(self): self.perdocwriter.close() if self.codec.length_stats: "
        "pdr = self.per_document_reader() else: pdr = None postings = self.pool.iter_postings() "
        "self.fieldwriter.add_postings(self.schema, pdr, postings) self.fieldwriter.close() "
        "if pdr: pdr.close()"
    )
    params = inspect.signature(base.__init__).parameters
    assert {"ix", "codec", "compound", "limitmb", "_lk"} <= set(params)


def test_segments_written_apart_commit_as_one_generation(tmp_path):
    index = searchindex.SearchIndex(tmp_path / "ix")
    index.ensure()
    ix = searchindex.index.open_dir(str(index.path), indexname=schema.INDEX_NAME)
    segments = []
    lock = internals.writer_lock(ix)
    assert lock.acquire(blocking=False)  # the parent of a parallel build holds it meanwhile
    try:
        for doc in DOCS:
            writer = internals.unlocked_writer(ix, limitmb=16)
            writer.add_document(**schema.prepare(dict(doc, type="practice", status="published")))
            segments.append(internals.finish_segment(writer))
    finally:
        lock.release()
    internals.commit_segments(ix, segments)

    # Each writer's own temporary folder is gone (Whoosh's shared "<index>.tmp" may stay, as it always did).
    assert [p.name for p in index.path.iterdir() if re.fullmatch(r"\w+\.[0-9a-f]{10}\.tmp", p.name)] == []
    searcher, readers, _ = internals.open_searcher(ix, {})
    keys = sorted(fields["key"] for fields in searcher.all_stored_fields())
    close(readers)

    assert len(readers) == 3
    assert keys == [d["key"] for d in DOCS]


def test_dutch_text_indexes_exactly_what_whoosh_s_own_text_field_makes():
    field = schema.build_schema()["text"]
    whoosh_text = type(field).__mro__[1]
    text = "De jeugdhulpverleners en gezinnen; jeugdhulp, jeugdhulp. Kinderen van 12 jaar." * 3

    assert whoosh_text.__name__ == "TEXT"
    assert list(field.index(text)) == list(whoosh_text.index(field, text, start_pos=0, mode="index"))


def test_pin_segment_files_opens_every_column_and_answers_has_column_from_them(tiny):
    ix = internals.open_index(str(tiny.path), schema.INDEX_NAME)
    searcher, readers, _ = internals.open_searcher(ix, {})  # pins every new segment reader
    try:
        seg_id, reader = next(iter(readers.items()))
        perdoc = reader._perdoc
        assert {"_stored", "_text_len", "date", "updated"} <= set(perdoc._colfiles)
        assert perdoc.has_column("date") and not perdoc.has_column("no_such_column")
        for path in tiny.path.glob(f"*{seg_id}*"):
            path.unlink()  # what a merge in another process does
        assert reader.stored_fields(0)["key"].startswith("practice:")
        assert reader.has_column("date")
    finally:
        searcher.close()
        for reader in readers.values():
            reader.close()


def test_toc_generation_and_check_files_read_names_and_sizes_only(tiny):
    path = str(tiny.path)
    assert internals.toc_generation(path, schema.INDEX_NAME) >= 1
    assert internals.check_files(path, schema.INDEX_NAME) is None
    assert internals.toc_generation(str(tiny.path / "absent"), schema.INDEX_NAME) == -1

    next(tiny.path.glob("*.trm")).write_bytes(b"")
    assert internals.check_files(path, schema.INDEX_NAME).startswith("partial: ")
    next(tiny.path.glob("*.toc")).write_bytes(b"not a table of contents")
    assert internals.check_files(path, schema.INDEX_NAME).startswith("corrupt: ")


def test_storage_writer_lock_is_the_lock_writers_take(tiny):
    lock = internals.storage_writer_lock(str(tiny.path), schema.INDEX_NAME)
    assert lock.acquire(blocking=False)
    try:
        ix = internals.open_index(str(tiny.path), schema.INDEX_NAME)
        assert not internals.writer_lock(ix).acquire(blocking=False)
    finally:
        lock.release()
