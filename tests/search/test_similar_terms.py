"""Key terms of a practice for "similar practices" (engine/searching.key_terms_of): the same terms and weights
as Whoosh's `key_terms_from_text`, with each word's frequency looked up once per segment, so that after a
commit only the new segment is asked."""

from __future__ import annotations

import random

from exchange.search.engine import searchindex
from exchange.search.engine.searching import SIMILAR_TERMS, key_terms_of
from exchange.search.engine.tokenizer import word_forms

WORDS = [
    "jeugdhulp", "wachtlijst", "pleegzorg", "thuiszitters", "school", "ouders", "wijkteam", "gemeente",
    "jongvolwassenen", "zelfstandig", "wonen", "inkoop", "regio", "huisarts", "gezin", "veiligheid",
]  # fmt: skip


def docs(count: int, start: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "key": f"practice:{i}",
            "type": "practice",
            "status": "published",
            "title": f"Titel {i}",
            "body": " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60))),
        }
        for i in range(start, start + count)
    ]


TEXT = "Jongvolwassenen wonen zelfstandig met hulp van het wijkteam, de huisarts en de gemeente; geen wachtlijst."


def test_the_same_key_terms_as_whoosh(tmp_path):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(docs(200, 1, seed=1))
    for n in range(3):  # several segments
        ix.apply(upserts=docs(40, 1000 + 40 * n, seed=n + 2))
    view = ix._current_view()
    assert len(view.leaves) >= 2
    ours = key_terms_of(view, TEXT, SIMILAR_TERMS)
    assert ours == view.searcher.key_terms_from_text("text", TEXT, numterms=SIMILAR_TERMS)
    assert len(ours) == SIMILAR_TERMS
    ix.close()


def test_after_a_commit_only_the_new_segment_is_asked(tmp_path, monkeypatch):
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(docs(200, 1, seed=1))
    ix.apply(upserts=docs(40, 1000, seed=2))
    with ix._lock:
        key_terms_of(ix._current_view(), TEXT, SIMILAR_TERMS)  # every segment asked once
        reader_type = type(ix._current_view().leaves[0][0])
        old = {reader.segment().segment_id() for reader, _, _, _ in ix._current_view().leaves}
    asked = []
    original = reader_type.frequency

    def counting(reader, fieldname, text):
        asked.append(reader.segment().segment_id())
        return original(reader, fieldname, text)

    monkeypatch.setattr(reader_type, "frequency", counting)
    ix.apply(upserts=docs(10, 2000, seed=3))  # one more segment
    with ix._lock:
        view = ix._current_view()
        segments = [reader.segment().segment_id() for reader, _, _, _ in view.leaves]
        ours = key_terms_of(view, TEXT, SIMILAR_TERMS)
        ours_asked = set(asked)
        assert ours == view.searcher.key_terms_from_text("text", TEXT, numterms=SIMILAR_TERMS)
    new = set(segments) - old
    assert len(segments) == 3 and len(new) == 1
    assert ours_asked == new  # the two older segments answered from their caches
    ix.close()


def test_a_view_counts_documents_as_whoosh_does_deletions_included(tmp_path):
    # View.doc_frequency sums the postings ranking reads; BM25's idf needs Whoosh's count (deleted
    # documents included), so both must agree after replacements and deletions across segments.
    ix = searchindex.SearchIndex(tmp_path / "ix")
    ix.rebuild(docs(200, 1, seed=1))
    ix.apply(upserts=docs(40, 1000, seed=2))
    ix.apply(upserts=docs(30, 1, seed=5), deletes=["practice:150", "practice:1010"])  # replace and delete
    with ix._lock:
        view = ix._current_view()
        assert len(view.leaves) >= 2
        for word in [*WORDS, "nergens"]:
            term = word_forms(word, False)[0]
            assert view.doc_frequency(term) == view.searcher.doc_frequency("text", term), word
    ix.close()
