"""The index watcher of one process: a daemon thread that warms a swapped-in build, or a new generation, before
the process serves from it (a mixin of SearchIndex; its state lives on the index).

A swapped-in build is staged off the lock: its view warmed, its spelling tables built, its `from_vocabulary`
values (learned compounds) derived and the swap hooks run on the staged view; then it is published with all of
them in one pointer swap under the lock. A search running meanwhile keeps the old build and the old build's
tables and compounds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from exchange.search.engine import whoosh_internals as internals
from exchange.search.engine.caches import SegmentCache, View

log = logging.getLogger("exchange.search.engine.searchindex")


class Watching:
    """watch(), stop_watching() and the loop; SearchIndex provides _read_build, _open_dir, _lock and the rest."""

    def watch(self, interval: float = 0.5) -> None:
        """Start a daemon thread that opens and warms a swapped-in build (`rebuild` in any process) before this
        process serves from it, and warms a refreshed view after another process committed. Idempotent; call
        it in each worker after forking (threads do not survive a fork)."""
        if self._watching():
            return
        self._stop.clear()
        self._watcher = threading.Thread(
            target=self._watch_loop, args=(interval,), name="search-index-warmer", daemon=True
        )
        self._watcher.start()

    def every(self, name: str, seconds: float, job: Callable[[], None]) -> None:
        """Also run `job` on the watcher thread every `seconds` (the change log catch-up: warmup.py); a job of
        the same name is replaced."""
        jobs = self.__dict__.setdefault("_jobs", {})
        jobs[name] = [seconds, 0.0, job]

    def _run_jobs(self) -> None:
        now = time.monotonic()
        for name, entry in list(self.__dict__.get("_jobs", {}).items()):
            seconds, last, job = entry
            if now - last < seconds:
                continue
            entry[1] = now
            try:
                job()
            except Exception:
                log.warning("The search index job %s failed", name, exc_info=True)

    def stop_watching(self) -> None:
        self._stop.set()
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout=5)

    def _watching(self) -> bool:
        return self._watcher is not None and self._watcher.is_alive() and not self._stop.is_set()

    def _watch_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self._follow()
            except Exception:
                log.warning("Warming the search index failed; searches open it themselves", exc_info=True)
            self._run_jobs()

    def _follow(self) -> None:
        """One look of the watcher: stage a swapped-in build and publish it ready, or refresh and warm a new
        generation under the lock."""
        build = self._read_build()
        if build is None or not self.exists():
            return
        if build != self._build:
            staged = self._stage(build)
            if staged is not None:
                self._publish(build, *staged)
            return
        if self._ix is not None and self._ix.latest_generation() != self._generation:
            # Refreshed, its view warmed and its new segments' spelling tables built in one hold of the lock:
            # no search sees the new generation before they are ready.
            self.warm_vocabulary()
            self.relearn()  # what has grown out of date (searches keep the current value meanwhile)

    def _stage(self, build: str):
        """Open a swapped-in build and compute everything a search needs from it, off the lock: the view's
        caches, the spelling tables, every `from_vocabulary` value and the swap hooks (hook(index, view))."""
        ix = self._open_dir()
        searcher, readers, generation = internals.open_searcher(ix, {})
        segments: dict[str, SegmentCache] = {}
        view = View(searcher, segments)
        try:
            view.warm()
            vocabulary = self.staged_vocabulary(view)
            self._staging = (build, view, {})
            for name, make in list(self._makers.items()):
                self.from_vocabulary(name, make, view=view)
            for hook in list(self.swap_hooks):  # with the staged view, before a search can use the build
                hook(self, view)
            values = self._staging[2]
        except BaseException:
            _close(readers)
            raise
        finally:
            self._staging = None
        return ix, searcher, readers, generation, segments, view, vocabulary, values

    def _publish(self, build: str, ix, searcher, readers, generation, segments, view, vocabulary, values):
        """Swap the staged build in: pointers only, under the lock, so a search sees the old set or the new
        one, never a mix."""
        with self._lock:
            if self._read_build() != build or self._stop.is_set():
                _close(readers)
                return
            if self._build != build:
                self._drop_readers()
                self._ix, self._build, self._readers, self._generation = ix, build, readers, generation
                self._searcher, self._segments, self._view = searcher, segments, view
                self._stale_since = 0.0
            else:  # a search opened this build itself meanwhile (STALE_SECONDS): keep its view
                _close(readers)
            self._spelling = (build, vocabulary)
            self._per_build.update(values)


def _close(readers: dict) -> None:
    for reader in readers.values():
        try:
            reader.close()
        except Exception:
            log.debug("closing a search reader failed", exc_info=True)
