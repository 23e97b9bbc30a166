"""One card per practice: matching measurements inside their practice's card, themes and regions apart, and
counts, facets and paging that count practices (exchange/search/engine/grouping.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from exchange.policy import SYSTEM


@pytest.fixture
def add_result(db, world):
    from exchange.practices import services

    def add(practice, indicator, narrative=""):
        result = services.add_result(
            SYSTEM,
            practice,
            services.ResultData(
                indicator=indicator,
                value=Decimal(3),
                measured_on=date(2024, 3, 1),
                phase=world.phases[3],
                narrative=narrative,
            ),
        )
        db.session.commit()
        return result

    return add


@pytest.fixture
def grouped(app):
    """grouped(q, user=None, **params) -> SearchOutcome, one hit per practice, as the page runs it."""
    from exchange.search import parsing, queries

    def run(q="", user=None, **params):
        args = MultiDict([("q", q)])
        for key, value in params.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                args.add(key, str(item))
        with app.test_request_context("/zoeken"):
            return queries.search(user, parsing.read_request(args), grouped=True)

    return run


def test_measurements_are_counted_inside_their_practice(world, make_practice, add_result, grouped, search):
    practice = make_practice("Wachtlijst in beeld", body="Wie wacht er op zorg.")
    for month in ("januari", "februari", "maart"):
        add_result(practice, f"Wachtlijst {month}", narrative=f"De wachtlijst in {month} daalde.")
    quiet = make_practice("Een plek voor elk kind", body="Over plaatsing.")
    add_result(quiet, "Aantal plaatsingen")

    outcome = grouped("wachtlijst")

    assert [(h.kind, h.title) for h in outcome.hits] == [("practice", "Wachtlijst in beeld")]
    assert outcome.total == 1
    hit = outcome.hits[0]
    assert hit.matching_results == 3
    assert hit.best_result is not None and hit.best_result.kind == "result"
    assert hit.best_result.title.startswith("Wachtlijst ")
    assert "<mark" in str(hit.best_result.snippet)
    assert search("wachtlijst", soort=["praktijk", "resultaat"]).total == 4  # measurements apart


def test_a_practice_found_only_by_its_measurement_gets_a_card(world, make_practice, add_result, grouped):
    practice = make_practice("Een plek voor elk kind", body="Over plaatsing.")
    add_result(practice, "Doorlooptijd aanmelding", narrative="Gemeten per kwartaal.")

    outcome = grouped("doorlooptijd")

    assert [h.title for h in outcome.hits] == ["Een plek voor elk kind"]
    assert outcome.hits[0].matching_results == 1


def test_a_new_and_a_removed_measurement_change_the_practice_at_once(
    world, make_practice, add_result, grouped, db
):
    practice = make_practice("Een plek voor elk kind", body="Over plaatsing.")
    assert grouped("verblijfsduur").total == 0

    result = add_result(practice, "Verblijfsduur")
    assert grouped("verblijfsduur").total == 1

    db.session.delete(result)
    db.session.commit()
    assert grouped("verblijfsduur").total == 0


def test_counts_facets_and_pages_count_practices(world, make_practice, add_result, grouped):
    for i in range(3):
        practice = make_practice(f"Wachtlijst aanpak {i}")
        add_result(practice, "Wachtlijst lengte")
        add_result(practice, "Wachtlijst duur")
    make_practice("Wachtlijst elders", region=world.other_region)

    outcome = grouped("wachtlijst", per_pagina=2)

    assert outcome.total == 4
    assert outcome.pages == 2
    assert len(outcome.hits) == 2 and all(h.kind == "practice" for h in outcome.hits)
    regions = {v.value: v.count for f in outcome.facets if f.param == "regio" for v in f.values}
    assert regions == {world.region.slug: 3, world.other_region.slug: 1}
    assert all(not f.values for f in outcome.facets if f.param == "soort")
    assert [h.title for h in grouped("wachtlijst", per_pagina=2, pagina=2).hits] != [
        h.title for h in outcome.hits
    ]


def test_themes_and_regions_are_a_strip_not_hits(world, grouped, make_practice):
    make_practice("Onderwijs en zorg samen", body="Onderwijs-zorgarrangementen in de wijk.")

    outcome = grouped(world.theme.name)

    assert all(h.kind == "practice" for h in outcome.hits)
    assert ("theme", world.theme.name) in [(h.kind, h.title) for h in outcome.related]
    # Only on the first page.
    assert grouped(world.theme.name, pagina=2).related == []


def test_drafts_and_their_measurements_stay_hidden(world, make_practice, add_result, grouped, people):
    draft = make_practice("Concept wachtlijstaanpak", status="draft")
    add_result(draft, "Wachtlijst concept")
    public = make_practice("Open aanpak")
    add_result(public, "Wachtlijst open")

    assert [h.title for h in grouped("wachtlijst").hits] == ["Open aanpak"]
    assert grouped("wachtlijst").total == 1
    staff = grouped("wachtlijst", user=people["staff"])
    assert sorted(h.title for h in staff.hits) == ["Concept wachtlijstaanpak", "Open aanpak"]
    assert grouped("wachtlijst", user=people["other_staff"]).total == 1


def test_no_query_per_row(world, make_practice, add_result, grouped, db):
    def statements(q):
        seen = []

        def count(*args):
            seen.append(args[2])

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            grouped(q)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    for i in range(3):
        practice = make_practice(f"Jeugdhulp dichtbij {i}")
        add_result(practice, "Jeugdhulp bereik")
    statements("jeugdhulp")  # caches of the first search (synonyms, facet values)
    few = statements("jeugdhulp")
    for i in range(3, 9):
        practice = make_practice(f"Jeugdhulp dichtbij {i}")
        add_result(practice, "Jeugdhulp bereik")
        add_result(practice, "Jeugdhulp tevredenheid")

    statements("jeugdhulp")
    assert statements("jeugdhulp") == few


def test_the_strip_matches_the_query_as_a_whole(world, grouped, make_practice):
    # "pleegzorg" names a theme, "kraanvogel" occurs nowhere: nothing matches both words.
    make_practice("Een plek voor elk kind", body="Over plaatsing.")

    outcome = grouped("pleegzorg kraanvogel")

    assert outcome.total == 0 and not outcome.relaxed
    assert outcome.related == []
    # One word alone still finds its theme.
    assert "theme" in [h.kind for h in grouped("pleegzorg").related]


def test_the_strip_follows_the_most_words_fallback_of_the_results(world, grouped, make_practice):
    make_practice("Pleegzorg dichtbij", body="Pleegouders in de wijk.")

    outcome = grouped("pleegzorg kraanvogel")

    # No practice holds both words: the results are those holding most of them, and so is the strip.
    assert outcome.relaxed and [h.title for h in outcome.hits] == ["Pleegzorg dichtbij"]
    assert "Pleegzorg en gezinshuizen" in [h.title for h in outcome.related]


def test_a_search_with_only_a_theme_or_region_is_counted_as_finding_nothing(world, client, db, make_practice):
    from sqlalchemy import select

    from exchange.search.models import SearchMiss

    make_practice("Een plek voor elk kind", body="Over plaatsing.")

    client.get("/zoeken?q=pleegzorg+kraanvogel")
    client.get("/zoeken?q=pleegzorg")  # only the theme matches

    misses = {m.query: m.count for m in db.session.scalars(select(SearchMiss))}
    assert misses == {"pleegzorg kraanvogel": 1, "pleegzorg": 1}
