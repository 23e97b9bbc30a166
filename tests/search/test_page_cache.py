"""The search page in the visitor cache: keyed on the index state as well as the data version, never stale after
the change log is applied, never for signed-in people, and every search without results still counted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.practices import services
from exchange.search import misses, outbox, page_cache
from exchange.search.models import SearchMiss
from exchange.search.queries import current_index
from tests.web import csrf_token_from, login, text


@pytest.fixture
def cached(app):
    app.config["VISITOR_CACHE_ENTRIES"] = 100
    return app


def _counts(db) -> dict[str, int]:
    db.session.expire_all()
    return {m.query: m.count for m in db.session.scalars(select(SearchMiss))}


def _data(world, title: str, body: str) -> services.PracticeData:
    return services.PracticeData(
        title=title,
        summary="Een aanpak uit de praktijk.",
        body=body,
        themes=[world.theme],
        phase=world.phases[0],
    )


def test_a_second_visitor_gets_the_stored_search_page_with_one_query(
    cached, world, make_practice, query_counter
):
    make_practice("Thuiszitterstafel", body="Samen met de school.")
    first = cached.test_client().get("/zoeken?q=thuiszitterstafel")
    with query_counter() as counter:
        second = cached.test_client().get("/zoeken?q=thuiszitterstafel")
    assert second.status_code == 200
    assert counter.count == 1  # the data version; the index state is read from its directory
    assert "Thuiszitterstafel" in text(second)
    assert text(first) == text(second)


def test_a_save_shows_on_the_same_visitor_url_once_the_change_log_is_applied(
    cached, app, world, make_practice, people, db
):
    practice = make_practice("Wachtlijstaanpak", body="Over de wachtlijst.")
    url = "/zoeken?q=kraanvogelmethode"
    visitor = cached.test_client()
    assert "Wachtlijstaanpak" not in text(visitor.get(url))

    # A regional staff member saves; this server has not applied the change log yet.
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    services.update_practice(
        people["staff"],
        practice,
        _data(world, "Wachtlijstaanpak", "Kortere wachttijden met de kraanvogelmethode."),
        expected_revision=None,
    )
    db.session.commit()
    before = text(visitor.get(url))  # the new data version, the old index: rendered and stored
    assert "Wachtlijstaanpak" not in before
    assert text(visitor.get(url)) == before  # stored under the index state it was rendered from

    outbox.apply_pending()  # the watcher's timer applies the change log: no data version change
    after = text(visitor.get(url))
    assert "Wachtlijstaanpak" in after and "Kortere wachttijden met de" in after


def test_the_key_holds_the_index_build_and_generation(cached, app, world, make_practice):
    make_practice("Pleegzorgtafel")
    with app.test_request_context("/zoeken?q=pleegzorg"):
        build, generation = page_cache.disk_state()
        assert page_cache.key_extra() == ("search-index", build, generation)
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    make_practice("Pleegzorgtafel twee")
    outbox.apply_pending()
    with app.test_request_context("/zoeken?q=pleegzorg"):
        assert page_cache.disk_state() == (build, generation + 1)


def test_a_page_rendered_from_an_older_index_state_is_not_stored(cached, app, world, make_practice):
    make_practice("Gezinshuistafel")
    cached.test_client().get("/zoeken?q=gezinshuistafel")  # this process's searcher is now current
    app.config["SEARCH_APPLY_ON_COMMIT"] = False
    make_practice("Gezinshuistafel twee")
    outbox.apply_pending()  # committed on disk; this process's searcher has not moved yet
    with app.test_request_context("/zoeken?q=gezinshuistafel"):
        from flask import g

        page_cache.key_extra()
        assert page_cache.served_state() != page_cache.disk_state()
        page_cache.check_rendered()
        assert g.get("visitor_cache_skip") is True
    with app.test_request_context("/zoeken?q=gezinshuistafel"):
        from flask import g

        from exchange.search.parsing import SearchRequest
        from exchange.search.queries import search

        g.pop("visitor_cache_skip", None)  # the fixtures' outer app context shares g between requests
        page_cache.key_extra()
        search(None, SearchRequest(q="gezinshuistafel"))  # the searcher follows the disk
        page_cache.check_rendered()
        assert not g.get("visitor_cache_skip")


def test_signed_in_staff_never_get_the_visitors_search_page(cached, world, make_practice, people):
    make_practice("Thuiszitters concept", status="draft")
    url = "/zoeken?q=thuiszitters"
    visitor_page = text(cached.test_client().get(url))
    assert "Thuiszitters concept" not in visitor_page
    staff = cached.test_client()
    login(staff, people["staff"])
    assert "concept — niet openbaar" in text(staff.get(url))
    assert "Thuiszitters concept" not in text(cached.test_client().get(url))


def test_a_synonym_saved_by_an_administrator_shows_at_once(cached, world, make_practice, people, db):
    from exchange.search import synonyms

    make_practice("Kraanvogelaanpak", body="Een aanpak met de kraanvogel.")
    url = "/zoeken?q=zwaluwstaart"
    assert "Kraanvogelaanpak" not in text(cached.test_client().get(url))
    synonyms.add_synonym(people["admin"], "zwaluwstaart, kraanvogel", "")
    db.session.commit()
    assert "Kraanvogelaanpak" in text(cached.test_client().get(url))


def test_the_language_is_part_of_the_key(cached, world, make_practice):
    import flask_babel

    make_practice("Taalaanpak")
    assert '<html lang="nl"' in text(cached.test_client().get("/zoeken?q=taalaanpak"))
    flask_babel.refresh()
    english = cached.test_client()
    english.get("/zoeken?lang=en")  # the choice is remembered in the session
    flask_babel.refresh()  # the fixtures' outer app context would keep the first request's locale
    assert '<html lang="en"' in text(english.get("/zoeken?q=taalaanpak"))


def test_stored_pages_still_count_every_search_without_results(cached, world, make_practice, db):
    make_practice("Samen wonen", body="Veel jongvolwassenen zoeken een eigen plek.")
    for _ in range(3):
        cached.test_client().get("/zoeken?q=zwaluwnest")  # found nothing
        cached.test_client().get("/zoeken?q=jongvolwasenen")  # ran its correction: what was typed counts
        cached.test_client().get("/zoeken?q=jongvolwassenen")  # found something: not counted
        cached.test_client().get("/zoeken?q=zwaluwnest&soort=praktijk")  # filtered: not a signal
    assert len(misses.buffer_of(cached) or ()) == 0  # no watcher here: written at once
    assert _counts(db) == {"zwaluwnest": 3, "jongvolwasenen": 3}


def test_a_worker_with_a_watcher_buffers_and_writes_on_its_timer(app, cached, world, db, query_counter):
    app.config["SEARCH_MISS_FLUSH_SECONDS"] = 3600
    index = current_index()
    buffer = misses.start_buffering(app, index)
    try:
        cached.test_client().get("/zoeken?q=zwaluwnest")
        with query_counter() as counter:
            cached.test_client().get("/zoeken?q=zwaluwnest")
        assert counter.count == 1  # the data version only: no write on the page's path
        assert _counts(db) == {}
        assert len(buffer) == 1

        index.__dict__["_jobs"]["search-misses"][2]()  # the watcher's timer job
        assert _counts(db) == {"zwaluwnest": 2}
        cached.test_client().get("/zoeken?q=zwaluwnest")
        assert misses.flush_app(app) == 1
        assert _counts(db) == {"zwaluwnest": 3}
        assert misses.flush_app(app) == 0
    finally:
        index.__dict__.get("_jobs", {}).clear()


def test_the_buffer_is_written_every_n_searches(app, world, db):
    app.config["SEARCH_MISS_FLUSH_EVERY"] = 3
    misses.start_buffering(app, current_index())
    try:
        client = app.test_client()
        client.get("/zoeken?q=zwaluwnest")
        client.get("/zoeken?q=robotzorg")
        assert _counts(db) == {}
        client.get("/zoeken?q=zwaluwnest")
        assert _counts(db) == {"zwaluwnest": 2, "robotzorg": 1}
    finally:
        current_index().__dict__.get("_jobs", {}).clear()


def test_the_admin_page_shows_buffered_counts_and_clearing_clears_them(app, world, people, db):
    misses.start_buffering(app, current_index())
    try:
        client = app.test_client()
        client.get("/zoeken?q=zwaluwnest")
        assert _counts(db) == {}
        login(client, people["admin"])
        assert "zwaluwnest" in text(client.get("/beheer/zoeken"))
        client.get("/zoeken?q=robotzorg")
        client.post(
            "/beheer/zoeken/zonder-resultaat/wissen",
            data={"csrf_token": csrf_token_from(client, "/beheer/zoeken")},
        )
        assert _counts(db) == {}
        assert misses.flush_app(app) == 0
    finally:
        current_index().__dict__.get("_jobs", {}).clear()


def test_a_failed_write_keeps_the_counts_for_the_next_flush(app, world, db):
    buffer = misses.start_buffering(app, current_index())
    try:
        client = app.test_client()
        client.get("/zoeken?q=zwaluwnest")
        client.get("/zoeken?q=zwaluwnest")
        with app.app_context():
            SearchMiss.__table__.drop(db.engine)  # the database refuses the write
            try:
                assert misses.flush() == 0
                assert len(buffer) == 1
            finally:
                SearchMiss.__table__.create(db.engine)
        assert misses.flush_app(app) == 2
        assert _counts(db) == {"zwaluwnest": 2}
    finally:
        current_index().__dict__.get("_jobs", {}).clear()


_EXITING_WORKER = """
import sys
from exchange import create_app
from exchange.search import misses
from exchange.search.queries import current_index

app = create_app(
    "config.TestConfig", SQLALCHEMY_DATABASE_URI=sys.argv[1], SEARCH_INDEX_DIR=sys.argv[2], INSTANCE_PATH=sys.argv[3]
)
with app.app_context():
    misses.start_buffering(app, current_index())
    misses.record_miss("Zwaluwnest")
    misses.record_miss("zwaluwnest")
    assert len(misses.buffer_of(app)) == 1
print("exiting with the counts in memory")
"""


def test_a_clean_exit_writes_the_buffered_counts(app, world, db, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _EXITING_WORKER,
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["SEARCH_INDEX_DIR"],
            str(tmp_path / "exiting"),
        ],
        check=False,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "exiting with the counts in memory" in done.stdout
    assert _counts(db) == {"zwaluwnest": 2}


def test_facet_labels_follow_a_renamed_theme_and_the_language(world, make_practice, client, db):
    import flask_babel

    from exchange.search.facet_views import current_values

    make_practice("Thuiszitters Rijnmond")
    first = current_values()
    assert current_values() is first  # kept while nothing visible changed
    world.theme.name = "Thuiszitten en onderwijs (nieuw)"
    db.session.commit()
    assert "Thuiszitten en onderwijs (nieuw)" in text(client.get("/zoeken?q=thuiszitters"))
    renamed = current_values()
    assert renamed is not first
    assert renamed.to_url["theme"][str(world.theme.id)][1] == "Thuiszitten en onderwijs (nieuw)"

    type_label = first.to_url["type"]["practice"][1]
    with client.application.test_request_context("/zoeken?lang=en"):
        flask_babel.refresh()  # the fixtures' outer app context would keep the Dutch locale
        assert str(flask_babel.get_locale()) == "en"
        assert current_values().to_url["type"]["practice"][1] != type_label
    flask_babel.refresh()


def test_snippets_follow_an_edited_body(world, make_practice, people, db, search):
    practice = make_practice("Wachtlijstaanpak", body="Eerst **oude** tekst over de wachtlijst.")
    assert "oude" in str(search("wachtlijstaanpak").hits[0].snippet)
    services.update_practice(
        people["staff"],
        practice,
        _data(world, "Wachtlijstaanpak", "Nu *nieuwe* tekst."),
        expected_revision=None,
    )
    db.session.commit()
    snippet = str(search("wachtlijstaanpak").hits[0].snippet)
    assert "nieuwe" in snippet and "oude" not in snippet and "*" not in snippet
