"""Facets with counts, combinable and removable, sorting and pages; the URL carries the whole search."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

from exchange.policy import SYSTEM
from tests.search.conftest import titles


def facet(outcome, param):
    return {v.value: v.count for v in next(f for f in outcome.facets if f.param == param).values}


def test_facets_count_what_was_found(world, make_practice, search):
    make_practice("Thuiszitters Rijnmond een")
    make_practice("Thuiszitters Rijnmond twee", themes=[world.theme, world.other_theme])
    make_practice("Thuiszitters Zeeland", region=world.other_region, phase=world.phases[2])
    make_practice("Iets anders", region=world.other_region)

    outcome = search("thuiszitters", soort=None)

    assert outcome.total == 4  # three practices and the theme "Onderwijs en jeugdhulp; thuiszitters"
    assert facet(outcome, "regio") == {world.region.slug: 2, world.other_region.slug: 1}
    assert facet(outcome, "provincie") == {"zuid-holland": 2, "zeeland": 1}
    assert facet(outcome, "thema") == {world.theme.slug: 4, world.other_theme.slug: 1}  # the theme itself too
    assert facet(outcome, "fase") == {world.phases[0].slug: 2, world.phases[2].slug: 1}
    assert facet(outcome, "soort") == {"praktijk": 3, "thema": 1}
    assert facet(outcome, "jaar") == {str(date.today().year): 3}


def test_facets_combine_and_each_keeps_counts_for_its_other_values(world, make_practice, search):
    make_practice("Thuiszitters een")
    make_practice("Thuiszitters twee", themes=[world.other_theme])
    make_practice("Thuiszitters drie", region=world.other_region)

    outcome = search("thuiszitters", regio=world.region.slug, thema=world.other_theme.slug)

    assert titles(outcome) == ["Thuiszitters twee"]
    # Counts of a facet ignore that facet's own choice (so another region can be added), not the others.
    assert facet(outcome, "regio") == {world.region.slug: 1}
    assert facet(outcome, "thema") == {world.theme.slug: 1, world.other_theme.slug: 1}


def test_two_values_of_one_facet_mean_either(world, make_practice, search):
    make_practice("Thuiszitters een")
    make_practice("Thuiszitters drie", region=world.other_region)

    outcome = search("thuiszitters", regio=[world.region.slug, world.other_region.slug])

    assert outcome.total == 2


def test_content_type_facet_and_results_as_documents(world, make_practice, search, db):
    from exchange.practices import services

    practice = make_practice("Wachtlijstaanpak")
    services.add_result(
        SYSTEM,
        practice,
        services.ResultData(
            indicator="Wachtlijst in weken",
            value=Decimal(9),
            measured_on=date(2023, 5, 1),
            phase=world.phases[1],
        ),
    )
    db.session.commit()

    outcome = search("wachtlijst")
    assert facet(outcome, "soort") == {"praktijk": 1, "resultaat": 1, "thema": 1}

    only_results = search("wachtlijst", soort="resultaat")
    assert titles(only_results) == ["Wachtlijst in weken"]
    assert only_results.hits[0].parent_title == "Wachtlijstaanpak"
    assert facet(only_results, "jaar") == {"2023": 1}


def test_each_chosen_value_is_removed_with_one_link(world, make_practice, client):
    make_practice("Thuiszitters een")
    make_practice("Thuiszitters drie", region=world.other_region)

    body = client.get(
        f"/zoeken?q=thuiszitters&regio={world.region.slug}&fase={world.phases[0].slug}"
    ).get_data(as_text=True)
    chips = re.findall(r'<a class="tag" rel="nofollow" href="([^"]+)"', body)

    assert len(chips) == 2
    for href in chips:
        args = parse_qs(urlsplit(unescape(href)).query)
        assert args["q"] == ["thuiszitters"]
        assert len([k for k in args if k in ("regio", "fase")]) == 1
    assert client.get(unescape(chips[0])).status_code == 200


def test_the_url_carries_the_whole_search(world, make_practice, client):
    for i in range(12):
        make_practice(f"Thuiszitters {i:02d}")

    body = client.get(f"/zoeken?q=thuiszitters&regio={world.region.slug}&sort=nieuwste&pagina=2").get_data(
        as_text=True
    )

    links = [unescape(h) for h in re.findall(r'href="(/zoeken\?[^"]+)"', body)]
    prev = next(
        h for h in links if "pagina" not in h and "sort=nieuwste" in h and f"regio={world.region.slug}" in h
    )
    assert "q=thuiszitters" in prev
    assert body.count('class="card search-hit') == 2  # 12 on two pages of 10


def test_sorting_newest_and_recently_updated(world, make_practice, search, db):
    old = make_practice("Thuiszitters oud")
    new = make_practice("Thuiszitters nieuw")
    now = datetime.now(UTC)
    old.published_at = now - timedelta(days=400)
    new.published_at = now - timedelta(days=10)
    old.updated_at = now
    new.updated_at = now - timedelta(days=5)
    db.session.commit()

    assert titles(search("thuiszitters", sort="nieuwste")) == ["Thuiszitters nieuw", "Thuiszitters oud"]
    assert titles(search("thuiszitters", sort="bijgewerkt")) == ["Thuiszitters oud", "Thuiszitters nieuw"]


def test_pages_do_not_overlap_and_cover_everything(world, make_practice, search):
    for i in range(23):
        make_practice(f"Wijkteam {i:02d}")

    pages = [titles(search("wijkteam", pagina=p, sort="nieuwste")) for p in (1, 2, 3)]

    assert [len(p) for p in pages] == [10, 10, 3]
    assert len({t for p in pages for t in p}) == 23
    assert search("wijkteam", pagina=4).hits == []


def test_browsing_without_words_lists_everything_visible_newest_first(world, make_practice, search):
    make_practice("Eerste")
    make_practice("Tweede", status="draft")

    outcome = search("", soort="praktijk")

    assert titles(outcome) == ["Eerste"]
    assert not outcome.searched


def test_snippet_highlights_plain_text_of_markdown_never_html(world, make_practice, search):
    make_practice(
        "Een aanpak",
        body="**Thuiszitters** krijgen <b>hulp</b> via [de tafel](https://example.org) & meer.",
    )

    snippet = str(search("thuiszitters").hits[0].snippet)

    assert "<mark" in snippet and "Thuiszitters</mark>" in snippet
    assert "**" not in snippet and "https://example.org" not in snippet
    assert "&lt;b&gt;hulp&lt;/b&gt;" in snippet  # typed-in HTML stays text
    assert "&amp; meer" in snippet


def test_hits_show_region_themes_phase_and_date(world, make_practice, search):
    make_practice("Thuiszitters overal")

    hit = search("thuiszitters").hits[0]

    assert hit.region.id == world.region.id
    assert [t.slug for t in hit.themes] == [world.theme.slug]
    assert hit.phase == world.phases[0].name
    assert hit.date == date.today()
    assert "<mark" in str(hit.title_html)
