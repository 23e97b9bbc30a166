"""Highlighting: HTML snippets of plain text with the words the index matched marked."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape as _escape

from exchange.search.engine.tokenizer import INDEX_FORMS, WORD, word_forms

_HIGHLIGHT_LIMIT = 20_000
_SURROUND = 60


def html_escape(text: str) -> str:
    return _escape(text, quote=False)


def highlight_text(text: str, terms: Iterable[str], max_chars: int = 240, fragments: int = 2) -> str:
    """HTML snippet of plain `text`: the best passages (most distinct matched words), matches in <mark>.

    Words are matched the way the index matched them (folded, stemmed, compound parts), so "jeugdhulp"
    marks "jeugdhulpverleners". All text is HTML-escaped here. Returns '' when no term occurs. (Whoosh's own
    highlighter re-tokenises the whole text through its fragmenter and took 75% of a search's time.)
    """
    termset = frozenset(terms)
    if not text or not termset:
        return ""
    text = text[:_HIGHLIGHT_LIMIT]
    spans: list[tuple[int, int, str]] = []
    known = INDEX_FORMS.get
    for match in WORD.finditer(text):
        word = match.group()
        forms = known(word)
        if forms is None:
            forms = word_forms(word, True)
        if forms and not termset.isdisjoint(forms):
            spans.append((match.start(), match.end(), forms[0]))
    if not spans:
        return ""
    if len(text) <= max_chars:
        windows = [(0, len(text))]
    else:
        windows = _best_windows(text, spans, max_chars, fragments)
    parts = []
    for start, end in windows:
        out = ["…" if start > 0 else ""]
        pos = start
        for s_start, s_end, _ in spans:
            if s_start < start or s_end > end:
                continue
            out.append(html_escape(text[pos:s_start]))
            out.append(f'<mark class="search-match">{html_escape(text[s_start:s_end])}</mark>')
            pos = s_end
        out.append(html_escape(text[pos:end]))
        out.append("…" if end < len(text) else "")
        parts.append("".join(out))
    return " ".join(parts)


def _best_windows(
    text: str, spans: list[tuple[int, int, str]], size: int, count: int
) -> list[tuple[int, int]]:
    candidates = []
    for i, (s_start, _, _) in enumerate(spans):
        start = max(0, s_start - _SURROUND)
        if start:
            space = text.find(" ", start, s_start)
            start = space + 1 if space != -1 else s_start
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > spans[i][1] else end
        words = set()
        for _, b, form in spans[i:]:
            if b > end:
                break
            words.add(form)
        candidates.append((len(words), -start, start, end))
        if len(candidates) >= 24:
            break
    chosen: list[tuple[int, int]] = []
    for _, _, start, end in sorted(candidates, reverse=True):
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
            if len(chosen) == count:
                break
    return sorted(chosen)
