"""Every use of Whoosh internals, each behind one small function (tests/search/test_whoosh_internals.py).

Whoosh (`whoosh-reloaded` 2.7.5, pinned exactly) is frozen, so relying on its private parts is a known, fixed
risk; keeping them here means an upgrade has one file to read, and the tests fail loudly when one changes.
Everything else in the engine uses Whoosh's documented API only.
"""

from __future__ import annotations

import logging
import os
import struct
import time
import uuid
from array import array
from collections.abc import Iterable

from whoosh import index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import EmptyReader, MultiReader, SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

WRITELOCK = "WRITELOCK"

# ------------------------------------------------------------------------------------------------ reading


def raw_postings(reader, fieldname: str, text: str):
    """The leaf postings matcher of a term in one segment, deleted documents included; None if absent.

    Why: `reader.postings()` wraps the matcher in a FilterMatcher that skips deleted documents one by one.
    Our bitmaps are built once per immutable segment (deleted documents included, masked later with the
    live bitmap), and `leaf_ids`/`leaf_postings` need the leaf matcher's blocks. Uses `SegmentReader._terms`
    and, for Whoosh's own codec, its `_codec.postings_reader` and `_postfile`.
    """
    fieldobj = reader.schema[fieldname]
    btext = fieldobj.to_bytes(text)
    terms = reader._terms
    postings_reader = getattr(getattr(terms, "_codec", None), "postings_reader", None)
    if postings_reader is None or not hasattr(terms, "_postfile"):
        if (fieldname, btext) not in terms:
            return None
        return terms.matcher(fieldname, btext, fieldobj.format)
    # One look-up in the term table (`in` and then `matcher` read it twice): `W3TermsReader.matcher` without
    # its own `term_info` call.
    try:
        info = terms.term_info(fieldname, btext)
    except TermNotFound:
        return None
    return postings_reader(terms._postfile, info, fieldobj.format, term=(fieldname, btext))


def leaf_ids(matcher) -> Iterable[int]:
    """All ids of a leaf postings matcher, a block at a time.

    Why: `matcher.all_ids()` yields id by id through Python method calls; reading the decoded block arrays
    (`_read_ids`, `_ids`, `_i`, `_lastblock`, `_next_block` of W3LeafMatcher) is several times faster.
    Falls back to `all_ids()` for a matcher without blocks.
    """
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


def leaf_postings(matcher) -> tuple[array, array]:
    """All (ids, weights) of a leaf postings matcher, a block at a time (the same internals as `leaf_ids`).

    Why: BM25 term weights are computed once per term and segment over every posting; Whoosh's public
    `id()`/`weight()` calls per posting would cost as much as the scoring we avoid. (Reading a term's bytes in
    one piece and unpickling its blocks ourselves was measured: no faster, the unpickling is the cost; the
    impact files of impacts.py are what avoids it.)
    """
    ids = array("i")
    weights = array("f")
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids[matcher._i :])
        weights.extend(matcher._weights[matcher._i :])
        if matcher._lastblock:
            break
        matcher._next_block()
    return ids, weights


def leaf_values(matcher) -> list[bytes]:
    """All encoded values (for the text field: positions) of a leaf postings matcher, in posting order.

    Why: phrases are checked against the positions of candidate documents only, and Whoosh's public
    `value()` per posting walks the matcher one posting at a time; the block's decoded values (`_read_values`,
    `_values`, with `_i`, `_lastblock`, `_next_block`) come a block at a time.
    """
    values: list[bytes] = []
    while matcher.is_active():
        matcher._read_values()
        values.extend(matcher._values[matcher._i :])
        if matcher._lastblock:
            break
        matcher._next_block()
    return values


def read_numbers(column, size: int) -> list[int]:
    """All values of a fixed-width numeric column in one read.

    Why: Whoosh's column reader unpacks values one by one (`column[d]`); the fixed-length reader's file,
    base position, count, struct typecode and default (`_dbfile`, `_basepos`, `_count`, `_fixedlen`,
    `_typecode`, `_default`) allow one read and one `struct.unpack`. Falls back to the public way.
    """
    fixed = getattr(column, "_fixedlen", None)
    typecode = getattr(column, "_typecode", None)
    if fixed and typecode and hasattr(column, "_dbfile"):
        count = min(column._count, size)
        raw = column._dbfile.get(column._basepos, fixed * count)
        values = list(struct.unpack(f"!{count}{typecode}", raw)) if count else []
        return values + [column._default] * (size - count)
    return [column[d] for d in range(size)]


def field_lengths(reader, fieldname: str, size: int) -> list[int]:
    """Every document's length of a field (Whoosh's one-byte approximation, as its BM25 uses).

    Why: the public `doc_field_length(docnum, field)` reads one value per call; the per-document reader's
    cached lengths column (`_perdoc._cached_reader("_<field>_len", LENGTHS_COLUMN)`, decoded with
    `byte_to_length`) gives them all at once. Falls back to the public way.
    """
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    except AttributeError:
        column = None
    if column is None:
        length = reader.doc_field_length
        return [length(d, fieldname, 0) for d in range(size)]
    return [byte_to_length(b) for b in read_numbers(column, size)]


def segment_id(reader) -> str | None:
    """The id of the one segment a leaf reader reads, or None for a reader of an empty index.

    Why: per-segment caches live as long as the segment; `SegmentReader.segment().segment_id()` is the only
    stable name of a segment, and it is not in the documented API.
    """
    if not isinstance(reader, SegmentReader):
        return None
    return reader.segment().segment_id()


def segment_file(reader, suffix: str) -> str | None:
    """The path of a file named after a segment reader's segment with `suffix` (None: not a file segment).

    Why: files we write next to a segment (impacts.py) are found through the reader's storage folder
    (`SegmentReader._storage`, `FileStorage.folder`) and `Segment.make_filename`.
    """
    if not isinstance(reader, SegmentReader):
        return None
    folder = storage_folder(getattr(reader, "_storage", None))
    return os.path.join(folder, reader.segment().make_filename(suffix)) if folder else None


def storage_folder(storage) -> str | None:
    """The directory of a file storage (`FileStorage.folder`), or None for another kind of storage."""
    return getattr(storage, "folder", None) if isinstance(storage, FileStorage) else None


def segment_reader(storage, schema, segment) -> SegmentReader:
    """A reader of one finished segment that is not in any TOC yet (a writer's new segment)."""
    return SegmentReader(storage, schema, segment)


def deleted_docs(reader) -> frozenset[int]:
    """The deleted document numbers of a segment reader (`SegmentReader.deleted_docs_set`, undocumented).

    Why: the live bitmap of a view is built from them once per searcher generation.
    """
    return reader.deleted_docs_set


def pin_segment_files(reader) -> None:
    """Open every column file of a new segment reader now, and answer `has_column` from what was opened.

    Why: Whoosh opens a segment's column files (stored fields, field lengths, sort columns) lazily, on first
    use, and asks the file system whether they exist each time (`W3PerDocReader.has_column`). Another process
    committing a merge deletes the merged segments' files (`index.clean_files`), so a long-lived searcher
    that first reads stored fields of such a segment while paging got None from `_cached_reader("_stored")`
    and failed with a TypeError (or FileNotFoundError): 1-2% of searches under load. An open file stays
    readable after it is deleted, so opening them all with the reader closes the window. Uses
    `SegmentReader._perdoc` and `W3PerDocReader._colfiles/_cached_reader/_get_column_file`.
    """
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_colfiles"):
        return
    schema = reader.schema
    wanted = {"_stored": STORED_COLUMN}
    wanted.update({f"_{name}_len": LENGTHS_COLUMN for name in schema.scorable_names()})
    wanted.update({name: field.column_type for name, field in schema.items() if field.column_type})
    present = {name for name in wanted if perdoc.has_column(name)}
    for name in present:
        if name.startswith("_"):
            perdoc._cached_reader(name, wanted[name])
        elif name not in perdoc._colfiles:
            perdoc._colfiles[name] = perdoc._get_column_file(name)
    perdoc.has_column = present.__contains__


class _Storage(FileStorage):
    """A FileStorage that can close the files opened while reading a TOC (see `read_toc`)."""

    _tracked: list | None = None

    def open_file(self, name, **kwargs):
        f = super().open_file(name, **kwargs)
        if self._tracked is not None:
            self._tracked.append(f)
        return f


def _closing_on_error(storage: _Storage, read):
    """`read()`, closing every file it opened when it fails.

    Why: Whoosh's `TOC.read` leaves the TOC file open when unpickling a damaged one fails.
    """
    storage._tracked = []
    try:
        return read()
    except BaseException:
        for f in storage._tracked:
            if not f.is_closed:
                f.close()
        raise
    finally:
        storage._tracked = None


def open_index(path: str, indexname: str):
    """`index.open_dir`, on a storage that closes what it opened when the TOC turns out damaged."""
    storage = _Storage(path)
    return _closing_on_error(storage, lambda: index.FileIndex(storage, indexname=indexname))


def read_toc(storage, indexname: str):
    """The newest TOC of a storage (`index.TOC.read`), closing its file when it is damaged."""
    if not isinstance(storage, _Storage):
        return index.TOC.read(storage, indexname)
    return _closing_on_error(storage, lambda: index.TOC.read(storage, indexname))


def toc_generation(path: str, indexname: str) -> int:
    """The newest TOC generation in a directory by its file names only (-1: none); reads no index file.

    Why: `index.exists_in` opens the index, which raises on a damaged TOC; the TOC file name pattern
    (`TOC._pattern`) tells whether there is one at all without reading it.
    """
    pattern = index.TOC._pattern(indexname)
    try:
        names = FileStorage(path).list()
    except OSError:
        return -1
    found = [int(m.group(1)) for m in map(pattern.match, names) if m]
    return max(found, default=-1)


def check_files(path: str, indexname: str) -> str | None:
    """What is wrong with the index files in `path`, read fresh from disk: None when the TOC reads and every
    segment it lists has its postings, terms and stored-fields files (not empty); else a short reason.

    Why: a searcher that is already open keeps working on files it holds open, so /healthz must look at the
    disk as a new process would (`TOC.read`, `Segment.segment_id`, the W3 file extensions).
    """
    storage = _Storage(path)
    try:
        toc = read_toc(storage, indexname)
    except Exception as exc:  # noqa: BLE001 - any failure to read the TOC means the index is damaged
        return f"corrupt: the table of contents cannot be read ({exc.__class__.__name__})"
    for segment in toc.segments:
        for ext in (W3Codec.TERMS_EXT, W3Codec.POSTS_EXT, "._stored" + W3Codec.COLUMN_EXT):
            name = segment.make_filename(ext)
            if not storage.file_exists(name) or storage.file_length(name) == 0:
                return f"partial: segment file {name} is missing or empty"
    return None


def open_searcher(ix, readers: dict[str, object], attempts: int = 5):
    """`_open_searcher` retried when a concurrent commit deleted a TOC or segment file between listing and
    opening it (a new TOC is then there to read)."""
    for attempt in range(attempts):
        try:
            return _open_searcher(ix, readers)
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _open_searcher(ix, readers: dict[str, object]):
    """A searcher over the latest generation of `ix`, reusing readers of unchanged segments.

    Returns (searcher, readers by segment id, generation); readers no longer used are closed. Why: Whoosh's
    own `Searcher.refresh()` reuses a segment's reader even when documents were deleted from that segment
    since, so replaced documents would show twice. Reading the TOC (`index.TOC.read`), comparing each
    segment's `deleted_count()` and building SegmentReader/MultiReader/Searcher by hand reuses a reader
    only while its deletion count is unchanged.
    """
    toc = read_toc(ix.storage, ix.indexname)
    fresh: dict[str, object] = {}
    ordered = []
    opened = []
    try:
        for segment in toc.segments:
            seg_id = segment.segment_id()
            reader = readers.get(seg_id)
            if reader is None or reader.segment().deleted_count() != segment.deleted_count():
                reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
                opened.append(reader)
                pin_segment_files(reader)
            fresh[seg_id] = reader
            ordered.append(reader)
    except BaseException:
        for reader in opened:
            reader.close()
        raise
    for seg_id, reader in readers.items():
        if fresh.get(seg_id) is not reader:
            reader.close()
    if not ordered:
        top = EmptyReader(toc.schema)
    elif len(ordered) == 1:
        top = ordered[0]
    else:
        top = MultiReader(ordered, generation=toc.generation)
    return Searcher(top, fromindex=ix, closereader=False), fresh, toc.generation


# ------------------------------------------------------------------------------------------------ locking


def writer_lock(ix):
    """The lock a writer of `ix` takes (tests and `rebuild` hold it to keep writers out).

    Why: `FileIndex.lock(name)` is public, but the name writers use ("WRITELOCK") is Whoosh's convention.
    """
    return ix.lock(WRITELOCK)


def storage_writer_lock(path: str, indexname: str):
    """The writer lock of the index in `path`, taken without opening (reading) the index.

    Why: a rebuild must hold the lock whatever state the old index is in; `FileIndex.lock` would first read
    its TOC. Whoosh names the lock file `<indexname>_WRITELOCK` (`FileIndex.lock`, `Storage.lock`).
    """
    return FileStorage(path).lock(f"{indexname}_{WRITELOCK}")


def file_lock(path: str):
    """An inter-process lock on a file (`whoosh.util.filelock.FileLock`, an undocumented utility).

    Why: creating an index is guarded so that two processes never create it at once.
    """
    return FileLock(path)


# ------------------------------------------------------------------------------------------------ writing

# Posting blocks uncompressed (faster to write and to read; the index is about a third larger), and segment
# files left as they are instead of being copied into one compound file.
CODEC = W3Codec(compression=0)


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


# Called with (storage, schema, segment) for every segment a FastWriter finishes (a build process's segment, a
# commit, a merge). impacts.py registers the impact-file writer here when it is imported (engine/caches.py
# imports it), so this module does not import impacts.py, which imports this one.
SEGMENT_HOOKS: list = []


class FastWriter(SegmentWriter):
    """Whoosh's segment writer with our codec, no compound files, and cached field lengths (see _Lengths).

    Why internals: it replaces the writer's temporary storage and posting pool (`_tempstorage`, `pool`,
    `PostingPool`) and overrides the private `_flush_segment`, whose body is Whoosh's own with `_Lengths`.
    """

    def __init__(self, ix, **kwargs):
        kwargs.setdefault("codec", CODEC)
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        # Whoosh gives every writer the same temporary folder ("<index>.tmp"); writers building segments in
        # parallel get their own, so one finishing never deletes another's spilled runs.
        self._tempstorage = self.storage.temp_storage(f"{self.indexname}.{uuid.uuid4().hex[:10]}.tmp")
        self.pool = PostingPool(self._tempstorage, self.newsegment, limitmb=kwargs.get("limitmb", 128))

    def _finalize_segment(self):
        """Whoosh's own, then the segment's impact file (impacts.py; a failure only costs speed)."""
        segment = super()._finalize_segment()
        if segment.doc_count_all():
            for hook in SEGMENT_HOOKS:
                try:
                    hook(self.storage, self.schema, segment)
                except Exception:  # searches decode Whoosh's postings without it
                    logging.getLogger(__name__).warning("search: no impact file for a segment", exc_info=True)
        return segment

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()


def unlocked_writer(ix, limitmb: int) -> FastWriter:
    """A writer that does not take the writer lock (`_lk=False`), for the processes of a parallel build.

    Why: each process writes its own segments into the staging index; the parent holds the lock and alone
    commits their TOC (`commit_segments`).
    """
    return FastWriter(ix, _lk=False, limitmb=limitmb)


def finish_segment(writer: FastWriter):
    """Write the writer's documents as one segment without committing it; returns the segment object.

    Why: `_finalize_segment` is how Whoosh's own MpWriter collects its sub-writers' segments; the writer's
    temporary storage is then removed (`_tempstorage.destroy`).
    """
    segment = writer._finalize_segment()
    writer._tempstorage.destroy()
    return segment


def commit_segments(ix, segments: list) -> None:
    """Commit segments written by `finish_segment` in other processes as the index's next generation.

    Why: the same private steps (`_close_segment`, `_commit_toc`, `_finish`) as Whoosh's MpWriter.commit.
    """
    writer = FastWriter(ix)
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()
