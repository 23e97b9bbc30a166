"""The index in one directory: this process's long-lived searcher and caches, writing, rebuilding, reading."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

from whoosh import index, query
from whoosh.index import LockError

from exchange.search.engine import building, merging, searching
from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.caches import SegmentCache, View
from exchange.search.engine.derived import Derived
from exchange.search.engine.schema import BUILD_FILE, INDEX_NAME, PAIRS_FIELD, build_schema, prepare
from exchange.search.engine.spec import EngineResult, IndexBusy, IndexMissing, IndexUnavailable, SearchSpec
from exchange.search.engine.spelling_index import Spelling
from exchange.search.engine.watching import Watching

log = logging.getLogger(__name__)

# What reading damaged or vanished index files raises: Whoosh's TOC check (its IndexError), short reads,
# unpickling errors, the None a deleted column file gave `stored_fields` (TypeError), and bare Exceptions
# ("Block tag error" from an emptied postings file). So any Exception: a read that fails is retried once on
# a freshly opened searcher, and a second failure is logged with its traceback and reported as
# IndexUnavailable (search answers "temporarily unavailable": never a 500, never "0 results").
READ_ERRORS = Exception
# With a watcher, a swapped-in build is warmed in the background while searches use the previous one; if it
# is not ready after this many seconds, a search opens it itself.
STALE_SECONDS = 30.0


class _Writes:
    """What a batch may do with its writer."""

    def __init__(self, writer):
        self._writer = writer
        self.count = 0
        # An index built before the pairs field existed keeps working (its phrases read positions).
        self._pairs = PAIRS_FIELD in writer.schema

    def upsert(self, doc: dict) -> None:
        self._writer.update_document(**prepare(doc, self._pairs))
        self.count += 1

    def delete(self, key: str) -> None:
        self._writer.delete_by_term("key", key)
        self.count += 1

    def delete_children(self, parent: str) -> None:
        self._writer.delete_by_term("parent", parent)
        self.count += 1


class SearchIndex(Watching, Spelling, Derived):
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
        self._view: View | None = None
        self._segments: dict[str, SegmentCache] = {}
        self._per_build: dict[str, tuple[tuple[str | None, int], object]] = {}
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        # Called as hook(index, view) with the staged view of a swapped-in build, before it is published.
        self.swap_hooks: list = []
        self._makers: dict[str, Callable] = {}  # from_vocabulary's names, computed again for each new build
        self._staging: tuple[str, View, dict] | None = None  # the build the watcher is warming (Watching)
        self._spelling = None  # (build, its spelling tables: engine/vocabulary.py)
        self._stale_since = 0.0

    # -- files and opening

    @property
    def rebuild_marker(self) -> Path:
        return self.path.with_name(self.path.name + ".rebuilding")

    def exists(self) -> bool:
        """Whether the directory holds an index (a TOC file); reads no index file, so damage never raises."""
        return self.path.is_dir() and internals.toc_generation(str(self.path), INDEX_NAME) > -1

    def _read_build(self) -> str | None:
        try:
            return (self.path / BUILD_FILE).read_text().strip()
        except OSError:
            return None

    @contextmanager
    def _create_lock(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = internals.file_lock(str(self.path.with_name(self.path.name + ".create.lock")))
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
        """A searcher for the latest generation, reusing this process's readers of unchanged segments."""
        searcher, self._readers, self._generation = internals.open_searcher(self._ix, self._readers)
        return searcher

    def _current_view(self) -> View:
        """The up-to-date view for this process: reopened after a swap, refreshed after a commit; a new view
        is warmed (see View.warm) before it serves.

        With a watcher running (`watch`), a swapped-in build is opened and warmed by the watcher while this
        process keeps answering from the build it has (it stays readable: its files are open).
        """
        build = self._read_build()
        if self._ix is None or build != self._build:
            if self._watching() and self._view is not None and build is not None:
                now = time.monotonic()
                self._stale_since = self._stale_since or now
                if now - self._stale_since < STALE_SECONDS:
                    return self._view
            self._stale_since = 0.0
            if not self.exists():
                self._drop_readers()
                self._ix = None
                raise IndexMissing(str(self.path))
            self._drop_readers()
            build = self._read_build()
            self._ix = self._open_dir()
            self._build = build
            self._segments = {}
            self._view = None
            self._searcher = self._open_searcher()
        elif self._ix.latest_generation() != self._generation:
            self._searcher = self._open_searcher()
            self._view = None
        if self._view is None:
            view = View(self._searcher, self._segments)
            view.warm()
            self._view = view
            used = {id(leaf[2]) for leaf in self._view.leaves}
            self._segments = {k: v for k, v in self._segments.items() if id(v) in used}
        return self._view

    # -- warming

    def warm(self) -> float:
        """Open this process's searcher and warm its caches now (a worker calls it before it serves).

        Returns the seconds it took. Raises IndexUnavailable (IndexMissing) when there is no readable index.
        """
        started = time.perf_counter()
        self._reading(lambda view: view.size)
        return time.perf_counter() - started

    def _open_dir(self):
        """Open the index for reading or writing; damage raises IndexUnavailable naming it."""
        try:
            return internals.open_index(str(self.path), INDEX_NAME)
        except READ_ERRORS as exc:
            if not self.exists():
                raise IndexMissing(str(self.path)) from exc
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: BaseException) -> IndexUnavailable:
        problem = internals.check_files(str(self.path), INDEX_NAME)
        if problem is None:
            return IndexUnavailable(str(self.path), "corrupt", f"reading failed: {exc.__class__.__name__}")
        reason, _, detail = problem.partition(": ")
        return IndexUnavailable(str(self.path), reason, detail)

    def _forget(self) -> None:
        self._drop_readers()
        self._ix = None
        self._build = None
        self._segments = {}

    def _reading(self, read: Callable[[View], object]):
        """`read(view)` on this process's view; a read error is retried once on a freshly opened searcher
        (a concurrent commit may have deleted merged segment files), then raises IndexUnavailable."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    return read(self._current_view())
                except IndexUnavailable:
                    self._forget()
                    if attempt == 1 and self.rebuild_marker.exists():
                        time.sleep(0.2)  # a rebuild is swapping directories: the new index is a moment away
                        continue
                    raise
                except READ_ERRORS as exc:
                    self._forget()
                    if attempt == 2:
                        log.exception("The search index cannot be read")
                        raise self._unavailable(exc) from exc
                    log.warning(
                        "Reading the search index failed; retrying on a fresh searcher", exc_info=True
                    )
        raise AssertionError("unreachable")

    def _reading_or(self, default, read: Callable[[View], object]):
        """`_reading`, with `default` when the index is unavailable (for extras such as similar practices)."""
        try:
            return self._reading(read)
        except IndexUnavailable:
            return default

    def _drop_readers(self) -> None:
        for reader in self._readers.values():
            try:
                reader.close()
            except Exception:
                log.debug("closing a search reader failed", exc_info=True)
        self._readers = {}
        self._searcher = self._view = None

    def close(self) -> None:
        self.stop_watching()
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
        return self._open_dir().latest_generation()

    def status(self) -> dict:
        """Whether the index can be searched, and how many documents it holds (never creates anything).

        Looks at the files on disk as a new process would (a TOC that reads, every segment's files present),
        then reads through this process's searcher: the first and last stored document of every segment.
        """
        hint = "flask search reindex"
        if not self.exists():
            return {"ok": False, "error": "missing", "detail": "no index has been built", "hint": hint}
        problem = internals.check_files(str(self.path), INDEX_NAME)
        if problem is not None:
            reason, _, detail = problem.partition(": ")
            return {"ok": False, "error": reason, "detail": detail, "hint": hint}
        try:
            documents = self._reading(_probe)
        except IndexUnavailable as exc:
            return {"ok": False, "error": exc.reason, "detail": exc.detail, "hint": hint}
        return {"ok": True, "documents": documents}

    # -- writing

    def _writer(self, timeout: float | None = None):
        if not self.exists():
            raise IndexMissing(str(self.path))
        if self.rebuild_marker.exists():
            # A rebuild holds the lock for minutes: do not make the request wait for it.
            timeout = 0.0
        timeout = self.writer_timeout if timeout is None else timeout
        for attempt in range(5):
            ix = self._open_dir()
            try:
                return internals.FastWriter(ix, timeout=timeout, delay=0.05)
            except LockError as exc:
                raise IndexBusy(str(self.path)) from exc
            except FileNotFoundError:
                # Another writer committed between our reading its TOC and taking the lock: read again.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def writing(self, timeout: float | None = None):
        """One writer for a batch of changes, committed at the end (cancelled on error).

        Raises IndexBusy when the writer lock cannot be had within the timeout (default: writer_timeout),
        IndexMissing/IndexUnavailable when there is no readable index.
        """
        writer = self._writer(timeout)
        writes = _Writes(writer)
        try:
            yield writes
        except BaseException:
            writer.cancel()
            raise
        if writes.count:
            writer.commit(mergetype=merging.merge_small_segments)  # never a large merge inside a save
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
        # Whoosh's update_document replaces a key in committed segments only: the same key twice in one
        # writer would be indexed twice. The last document of a key wins.
        unique = {doc["key"]: doc for doc in upserts}
        with self.writing(timeout) as writes:
            for key in deletes:
                writes.delete(key)
            for parent in delete_children:
                writes.delete_children(parent)
            for doc in unique.values():
                writes.upsert(doc)
        return writes.count

    @contextmanager
    def locked(self, timeout: float = 0.0):
        """Hold the writer lock (tests use it to play a busy index). Raises IndexBusy.

        Never reads the index, so a rebuild can hold it whatever state the old index is in.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        lock = internals.storage_writer_lock(str(self.path), INDEX_NAME)
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
        files: dict[str, str] | None = None,
    ) -> int:
        """Build a complete new index aside and swap it in; searches keep working on the old one meanwhile.

        While building, the live index's writer lock is held, so changes committed meanwhile stay in the
        outbox (their writers give up at once, seeing the rebuild marker) and are applied to the new index
        by the caller afterwards (`sync`). `files` are written into the new index directory before the swap
        (the change log position: changelog.rebuild). With procs > 1 that many processes index, a segment per
        building.SEGMENT_DOCS documents.
        """
        target = self.path
        target.parent.mkdir(parents=True, exist_ok=True)
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
                        building.SEGMENT_DOCS
                        if not expected
                        else max(1000, min(building.SEGMENT_DOCS, -(-expected // (2 * procs))))
                    )
                    count = building.build_segments(ix, str(staging), documents, procs, progress, chunk)
                else:
                    count = building.build_in_process(ix, documents, progress)
                ix.close()
                (staging / BUILD_FILE).write_text(uuid.uuid4().hex)
                for name, text in (files or {}).items():
                    (staging / name).write_text(text)
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

        def read(view: View) -> dict[str, str]:
            reader = view.searcher.reader()
            return {fields["key"]: fields.get("sig", "") for _, fields in reader.iter_docs()}

        return self._reading(read)

    def search(self, spec: SearchSpec) -> EngineResult:
        """Run a search: the exact total, facet counts over the filtered match set, and one page of keys.

        Raises IndexUnavailable when there is no readable index (never an empty result for it).
        """
        started = time.perf_counter()
        result = self._reading(lambda view: searching.run_search(view, spec))
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def search_grouped(self, spec: SearchSpec, related_limit: int = 5) -> EngineResult:
        """`search`, one hit per practice (see grouping.run_grouped)."""
        from exchange.search.engine import grouping

        started = time.perf_counter()
        result = self._reading(lambda view: grouping.run_grouped(view, spec, related_limit))
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

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
        An unavailable index gives no similar documents (the page itself still works).
        """
        if not text:
            return []

        def read(view: View) -> list[tuple[str, float]]:
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
            found = searching.similar_top(view, key, text, boosts, exclude_filters, require, limit)
            self._similar[cache_key] = found
            if len(self._similar) > 2000:
                self._similar.pop(next(iter(self._similar)))
            return found

        return self._reading_or([], read)

    def whoosh_ranking(self, terms: Sequence[str], limit: int | None = 10) -> list[tuple[str, float]]:
        """Whoosh's own BM25F ranking of an AND of index terms (the reference the tests hold ours to)."""

        def read(view: View) -> list[tuple[str, float]]:
            searcher = view.searcher
            q = query.And([query.Term("text", t) for t in terms])
            return [
                (searcher.stored_fields(h.docnum)["key"], h.score) for h in searcher.search(q, limit=limit)
            ]

        return self._reading(read)

    def has_terms(self, terms: Iterable[str]) -> bool:
        """Whether any of these index terms occurs in a live document."""
        terms = list(terms)
        return self._reading_or(False, lambda view: any(view.term("text", t) for t in terms))

    def known_words(self, words: Iterable[str]) -> set[str]:
        """Which folded words occur in titles, themes or region names (the spelling field)."""
        words = list(words)
        return self._reading_or(set(), lambda view: {w for w in words if view.term("spell", w)})


def _probe(view: View) -> int:
    """Read a little of every segment (first and last stored document, one term): the live document count."""
    for reader, _, cache, _ in view.leaves:
        if cache.size:
            reader.stored_fields(0)
            reader.stored_fields(cache.size - 1)
        reader.doc_frequency("facet", "status:published")
    return view.searcher.doc_count()


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
