"""What is derived from an index build's vocabulary and kept in this process (learned compounds: learned.py),
computed off the request path: when the index is opened, for a swapped-in build before it is published (the
watcher stages it), and again when the index has grown (a mixin of SearchIndex, which provides _reading,
_lock, _build, _per_build, _makers, _staging and _watching)."""

from __future__ import annotations

from collections.abc import Callable

from exchange.search.engine.caches import View
from exchange.search.engine.spec import IndexUnavailable

# What is derived from the vocabulary (from_vocabulary) is derived again when the index grew.
REVOCABULARY_DOCS = 5000
GROWTH = 1.05


class Derived:
    def from_vocabulary(
        self,
        name: str,
        make: Callable[[list[tuple[str, int]]], object],
        default=None,
        view: View | None = None,
        *,
        by_watcher: bool = False,
    ):
        """`make(vocabulary)` over the text field's terms and document frequencies, kept in this process.

        Computed when the index is opened or rebuilt, and again only when it has grown: at any change while
        it is small (under REVOCABULARY_DOCS documents), else after GROWTH more documents. So it never runs
        per query. `default` when the index cannot be read.

        Each `name` is remembered: the watcher computes it for a swapped-in build on the staged `view`
        (before that build is published, see Watching._stage) and again when the index has grown
        (`by_watcher`); while a watcher runs, a search keeps the value of its own build meanwhile.
        """
        self._makers[name] = make
        if view is not None:
            return self._staged_value(name, make, view)

        def read(view: View):
            count = view.searcher.doc_count_all()
            cached = self._per_build.get(name)
            if cached is not None:
                (build, learned_at), value = cached
                grown = (
                    count != learned_at if learned_at < REVOCABULARY_DOCS else count >= learned_at * GROWTH
                )
                if build == self._build and (not grown or (not by_watcher and self._watching())):
                    return value, None
            return None, (self._build, count, _terms(view))

        try:
            value, todo = self._reading(read)
        except IndexUnavailable:
            return default
        if todo is None:
            return value
        build, count, terms = todo
        value = make(terms)  # outside the read lock: a mistake here is not a damaged index
        with self._lock:
            self._per_build[name] = ((build, count), value)
        return value

    def _staged_value(self, name: str, make: Callable[[list[tuple[str, int]]], object], view: View):
        """`from_vocabulary` for the build the watcher is staging (its view is not published yet)."""
        staging = self._staging
        if staging is None or staging[1] is not view:
            raise ValueError("from_vocabulary(view=...) takes the view of the build being staged")
        build, _, values = staging
        if name not in values:
            values[name] = ((build, view.searcher.doc_count_all()), make(_terms(view)))
        return values[name][1]

    def relearn(self) -> None:
        """Derive again what has grown out of date (the watcher, after another process committed)."""
        for name, make in list(self._makers.items()):
            self.from_vocabulary(name, make, by_watcher=True)


def _terms(view: View) -> list[tuple[str, int]]:
    """The text field's terms and their document frequencies, summed segment by segment (Whoosh's merged
    iterator over a multi-segment reader took seconds at 10 000 practices; this, a fraction of that)."""
    frequency: dict[str, int] = {}
    get = frequency.get
    for reader, _, _, _ in view.leaves:
        for text, info in reader.iter_field("text"):
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            frequency[word] = get(word, 0) + info.doc_frequency()
    return sorted(frequency.items())
