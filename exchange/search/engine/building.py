"""Building a whole index: documents into bounded segments, in several processes when asked."""

from __future__ import annotations

from collections.abc import Iterable

from whoosh import index

from exchange.search.engine import impacts  # noqa: F401  (registers the impact-file writer for every segment)
from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.schema import INDEX_NAME, PAIRS_FIELD, prepare

# A rebuild writes a segment per SEGMENT_DOCS documents, whose postings sort in memory (about 0.3 GB).
SEGMENT_DOCS = 10_000
SEGMENT_MEMORY_MB = 1024


def _segment_worker(path: str, jobs, results) -> None:
    """An indexing process: every batch of prepared documents becomes one new segment of the staging index."""
    try:
        ix = index.open_dir(path, indexname=INDEX_NAME)
        while True:
            batch = jobs.get()
            if batch is None:
                break
            writer = internals.unlocked_writer(ix, limitmb=SEGMENT_MEMORY_MB)
            for doc in batch:
                writer.add_document(**doc)
            results.put(("ok", internals.finish_segment(writer)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the rebuild
        results.put(("error", f"{exc.__class__.__name__}: {exc}"))


def build_segments(
    ix, path: str, documents: Iterable[dict], procs: int, progress, chunk: int = SEGMENT_DOCS
) -> int:
    """Index `documents` into `ix` (a fresh staging index in `path`) in `procs` processes, `chunk` per segment.

    Whoosh's own MpWriter puts each process's whole share into one segment, whose posting pool then spills
    to disk and is merged in pure Python; at 100k documents that tripled the build time. Segments of a
    bounded size sort in memory. The parent reads the database and renders Markdown meanwhile.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    jobs = context.Queue(maxsize=procs * 2)
    results = context.Queue()
    workers = [
        context.Process(target=_segment_worker, args=(path, jobs, results), daemon=True) for _ in range(procs)
    ]
    for worker in workers:
        worker.start()
    sent = count = 0
    segments = []
    pairs = PAIRS_FIELD in ix.schema
    try:
        batch: list[dict] = []
        for doc in documents:
            batch.append(prepare(doc, pairs))
            count += 1
            if progress is not None:
                progress(1)
            if len(batch) >= chunk:
                jobs.put(batch)
                sent += 1
                batch = []
        if batch:
            jobs.put(batch)
            sent += 1
        for _ in workers:
            jobs.put(None)
        for _ in range(sent):
            status, value = results.get(timeout=3600)
            if status != "ok":
                raise RuntimeError(f"an indexing process failed: {value}")
            segments.append(value)
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.terminate()
    internals.commit_segments(ix, segments)
    return count


def build_in_process(ix, documents: Iterable[dict], progress) -> int:
    """Index `documents` into `ix` (a fresh staging index) in this process, with one writer."""
    count = 0
    pairs = PAIRS_FIELD in ix.schema
    writer = internals.FastWriter(ix, limitmb=SEGMENT_MEMORY_MB)
    try:
        for doc in documents:
            writer.add_document(**prepare(doc, pairs))
            count += 1
            if progress is not None:
                progress(1)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count
