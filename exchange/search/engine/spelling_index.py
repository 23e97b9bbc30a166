"""Spelling for one index: Whoosh's corrections over the spelling field, and the whole published vocabulary's
symmetric-delete tables (engine/vocabulary.py), one per build (a mixin of SearchIndex; it provides
_reading_or and _build)."""

from __future__ import annotations

from collections.abc import Iterable

from exchange.search.engine import searching


class Spelling:
    def corrections(self, word: str, extra: Iterable[str] = (), maxdist: int = 2) -> str | None:
        """The closest known word to a (folded) misspelt word: fewest edits first, then the most frequent.

        Looks in the spelling field (titles, themes, regions) and in `extra` (the curated vocabulary).
        """
        extra = list(extra)
        return self._reading_or(None, lambda view: searching.correction(view, word, extra, maxdist))

    # -- the spelling vocabulary (engine/vocabulary.py), one per build

    def _vocabulary_for_build(self, build: str | None = None):
        """The spelling tables of `build` (default: the published one). The watcher stages a swapped-in
        build's tables (`staged_vocabulary`) and publishes them with the build, so a search never builds
        them and never uses one build's tables with another build's view."""
        from exchange.search.engine import vocabulary

        build = self._build if build is None else build
        held = getattr(self, "_spelling", None)
        if held is None or held[0] != build:
            held = self._spelling = (build, vocabulary.Vocabulary())
        return held[1]

    def staged_vocabulary(self, view):
        """New spelling tables built over a staged view (a build not yet published); the curated table (the
        suggestions' words and synonyms, the same for every build) is carried over from the published one."""
        from exchange.search.engine import vocabulary

        fresh = vocabulary.Vocabulary()
        held = getattr(self, "_spelling", None)
        if held is not None:
            fresh.curated = held[1].curated
        warm_view_extras(view, fresh)
        return fresh

    def correct(
        self, word: str, extra: Iterable[str] = (), more_than: int = 0
    ) -> tuple[str, float, int] | None:
        """The best correction of a folded word from the whole published vocabulary (see vocabulary.correct):
        (word, Dutch distance, published documents holding it, more than `more_than`), or None."""
        from exchange.search.engine import vocabulary

        extra = tuple(extra)
        return self._reading_or(
            None,
            lambda view: vocabulary.correct(view, self._vocabulary_for_build(), word, extra, more_than),
        )

    def public_count(self, word: str, enough: int | None = None) -> int:
        """In how many published documents the spelling field holds this folded word (counted until past
        `enough`)."""
        from exchange.search.engine import vocabulary

        return self._reading_or(0, lambda view: vocabulary.public_count(view, word, enough))

    def warm_vocabulary(self) -> None:
        """Build the spelling tables now, and what a correction reads per view (call when an index is opened
        or refreshed; a swapped-in build gets them before it is published, see Watching)."""
        self._reading_or(None, lambda view: warm_view_extras(view, self._vocabulary_for_build()))


def warm_view_extras(view, tables) -> None:
    """What a correction computes per view: the spelling tables of its segments, and the published documents
    per segment (vocabulary.public_count)."""
    from exchange.search.engine import vocabulary

    tables.warm(view)
    vocabulary.public_count(view, "", 0)
