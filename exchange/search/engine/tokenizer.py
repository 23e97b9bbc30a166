"""The Dutch analyzer as Whoosh sees it: one tokenizer that folds, drops stop words, lemmatises, stems and
splits compounds (the word lists live in exchange.search.analysis and .compounds, in plain Python)."""

from __future__ import annotations

import re

from whoosh.analysis import Filter, RegexTokenizer, Token, Tokenizer
from whoosh.lang import stemmer_for_language

from exchange.search import analysis, compounds

COMPOUND_PART_BOOST = 0.5

_stem = stemmer_for_language("nl")
_FORMS_CACHE: dict[tuple[str, bool], tuple[str, ...]] = {}
_FORMS_CACHE_MAX = 300_000
# The same forms in index mode keyed by the word alone: the highlighter looks up every word of a text.
INDEX_FORMS: dict[str, tuple[str, ...]] = {}


def _stem_word(word: str) -> str:
    if analysis.is_abbreviation(word) or not word.isalpha() or len(word) < 4:
        return word
    return _stem(word)


def word_forms(raw: str, index_mode: bool) -> tuple[str, ...]:
    """Index terms for one word as typed: its base form first, then (when indexing) the parts of a compound.

    Cached per spelling as typed, so folding and stemming run once per distinct word, not per occurrence.
    """
    key = (raw, index_mode)
    forms = _FORMS_CACHE.get(key)
    if forms is not None:
        return forms
    word = analysis.fold(raw)
    if word in analysis.STOPWORDS or (len(word) < 2 and not word.isdigit()):
        forms = ()
    else:
        main = _stem_word(compounds.lemma(word))
        out = [main]
        if index_mode:
            for span in compounds.compound_spans(word):
                term = _stem_word(span)
                if term not in out:
                    out.append(term)
        forms = tuple(out)
    if len(_FORMS_CACHE) >= _FORMS_CACHE_MAX:
        _FORMS_CACHE.clear()
        INDEX_FORMS.clear()
    _FORMS_CACHE[key] = forms
    if index_mode:
        INDEX_FORMS[raw] = forms
    return forms


WORD = re.compile(r"\w+(?:\.?\w+)*")


class DutchTokenizer(Tokenizer):
    """Words of Dutch text as index terms, in one pass (this is the whole analyzer).

    Per word: fold case and accents, drop stop words, map irregular plurals, stem, and (at index time) add
    the parts of compounds at the same position, so phrases keep working. Positions skip stop words, the
    same at index and at query time. One tokenizer instead of a chain of filters roughly halves the cost of
    analysis, which is most of the indexing time.
    """

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        index_mode = mode == "index"
        forms_of = word_forms
        pos = start_pos
        matches = WORD.finditer(value) if tokenize else [re.match(r"(?s).*", value)]
        for match in matches:
            word = match.group()
            forms = forms_of(word, index_mode)
            if keeporiginal:
                t.original = word
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            t.boost = 1.0
            if not forms:
                if removestops:
                    continue
                t.stopped = True
                t.text = word
                yield t
                t.stopped = False
                continue
            if positions:
                t.pos = pos
                pos += 1
            t.text = forms[0]
            yield t
            # The parts of a compound count half: "gezin" matters more in "gezinnen" than in "gezinshuizen".
            for form in forms[1:]:
                t.text = form
                t.boost = COMPOUND_PART_BOOST
                yield t


class FoldFilter(Filter):
    """Fold and drop stop words, without stemming: the surface words offered as spelling suggestions."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for t in tokens:
            word = analysis.fold(t.text)
            if len(word) < 3 or word in analysis.STOPWORDS or not word.isalpha():
                continue
            t.text = word
            yield t


def dutch_analyzer():
    return DutchTokenizer()


def spelling_analyzer():
    return RegexTokenizer() | FoldFilter()


def analyze_query(text: str) -> list[str]:
    """The index terms a piece of user text stands for (query mode: no compound parts)."""
    return [t.text for t in dutch_analyzer()(text, mode="query")]


def fold_words(text: str) -> list[str]:
    """Folded surface words of `text`, as the spelling field holds them."""
    return [t.text for t in spelling_analyzer()(text)]
