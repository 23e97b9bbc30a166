"""A practice is found through the text of its attached documents, and the hit says where: "in X, p. 3"."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from exchange.documents import services
from exchange.search import parsing, queries
from tests.documents import files
from tests.web import text


@pytest.fixture
def indexed(app, runner, cast):
    """Build the (empty) index first, as a deployment does; later saves reach it through the outbox."""
    result = runner.invoke(args=["search", "reindex", "--procs", "1"])
    assert result.exit_code == 0, result.output


def search(app, q, user=None, soort=None):
    args = MultiDict([("q", q)] + ([("soort", soort)] if soort else []))
    with app.test_request_context("/zoeken"):
        return queries.search(user, parsing.read_request(args))


def test_a_practice_is_found_through_its_evaluation_report(app, db, cast, make_practice, attach, indexed):
    practice = make_practice("Wachtlijstaanpak", publish=True)
    attach(
        practice,
        files.pdf("Inleiding", "Aanpak", "De gezinshuizen in Zuidwijk halveerden de wachttijd."),
        title="Evaluatie 2021",
    )
    outcome = search(app, "gezinshuizen zuidwijk")
    hits = [h for h in outcome.hits if h.kind == "document"]
    assert len(hits) == 1
    hit = hits[0]
    assert hit.title == "Wachtlijstaanpak"
    assert "in <a" in hit.source and "<em>Evaluatie 2021</em></a>, p. 3" in hit.source
    assert "#page=3" in hit.source
    assert '<mark class="search-match">gezinshuizen</mark>' in hit.snippet


def test_the_search_page_shows_where_the_words_were_found(
    app, client, db, cast, make_practice, attach, indexed
):
    practice = make_practice("Wachtlijstaanpak", publish=True)
    attach(
        practice,
        files.docx("Voorwoord", "Zuidwijk werkt met gezinshuizen."),
        filename="plan.docx",
        title="Plan 2020",
    )
    page = text(client.get("/zoeken?q=gezinshuizen"))
    assert "<em>Plan 2020</em></a>, p. 2" in page


def test_a_drafts_documents_are_not_found_by_visitors(app, db, cast, make_practice, attach, indexed):
    practice = make_practice("Concept", publish=False)
    attach(practice, files.pdf("Geheime tussenstand over gezinshuizen"))
    assert [h for h in search(app, "gezinshuizen").hits if h.kind == "document"] == []
    staff_hits = [h for h in search(app, "gezinshuizen", user=cast.staff).hits if h.kind == "document"]
    assert [h.title for h in staff_hits] == ["Concept"]


def test_deleting_a_document_takes_it_out_of_the_index(app, db, cast, make_practice, attach, indexed):
    practice = make_practice("Wachtlijstaanpak", publish=True)
    document = attach(practice, files.pdf("Over gezinshuizen"))
    assert len(search(app, "gezinshuizen", soort="document").hits) == 1
    services.delete_document(cast.staff, document)
    db.session.commit()
    assert search(app, "gezinshuizen", soort="document").hits == []


def test_a_spreadsheet_hit_names_the_document_without_a_page(app, db, cast, make_practice, attach, indexed):
    practice = make_practice("Cijfers", publish=True)
    attach(practice, files.xlsx([["Zuidwijk", "gezinshuizen"]]), filename="c.xlsx", title="Cijfers 2022")
    hit = search(app, "gezinshuizen", soort="document").hits[0]
    assert hit.source.endswith("<em>Cijfers 2022</em></a>")


def test_a_full_rebuild_indexes_documents_too(app, db, cast, make_practice, attach, runner, indexed):
    practice = make_practice("Wachtlijstaanpak", publish=True)
    attach(practice, files.pdf("Over gezinshuizen"))
    result = runner.invoke(args=["search", "reindex", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert len(search(app, "gezinshuizen", soort="document").hits) == 1
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 0, check.output
