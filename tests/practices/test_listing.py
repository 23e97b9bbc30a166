"""Browsing /praktijken: filters that combine and count, sorts, status for signed-in people, bad values as 400."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.practices import services
from tests import world
from tests.web import login


def titles(html: str) -> list[str]:
    """Card titles in page order."""
    return re.findall(
        r'<h3 class="utrecht-heading-3 card__title"><a class="utrecht-link" href="[^"]+">([^<]+)</a>', html
    )


@pytest.fixture
def shelf(cast):
    """Four published practices in two regions, themes and phases, one with a result, plus a draft."""
    phases = cast.phases
    a = world.practice(cast, "Appel", publish=True)
    b = world.practice(cast, "Beuk", publish=True, phase=phases[2], themes=[cast.other_theme])
    c = world.practice(
        cast, "Ceder", publish=True, actor=cast.other_staff, region=cast.other_region, phase=phases[2]
    )
    d = world.practice(cast, "Dahlia", publish=True, themes=[cast.theme, cast.other_theme])
    world.practice(cast, "Eik concept")
    services.add_result(
        cast.staff,
        b,
        services.ResultData(
            indicator="Thuiszitters", value=Decimal(12), measured_on=date(2021, 5, 1), phase=phases[2]
        ),
    )
    stamps = {a: 2019, b: 2021, c: 2021, d: 2020}
    for practice, year in stamps.items():
        practice.published_at = datetime(year, 3, 1, tzinfo=UTC)
        practice.updated_at = datetime(2024, 1, {a: 4, b: 1, c: 2, d: 3}[practice], tzinfo=UTC)
    db.session.commit()
    return cast


def page(client, query: str = "") -> str:
    response = client.get("/praktijken" + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_newest_first_by_default_and_only_published_for_visitors(client, shelf):
    assert titles(page(client)) == ["Ceder", "Beuk", "Dahlia", "Appel"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("titel", ["Appel", "Beuk", "Ceder", "Dahlia"]),
        ("bijgewerkt", ["Appel", "Dahlia", "Ceder", "Beuk"]),
        ("nieuwste", ["Ceder", "Beuk", "Dahlia", "Appel"]),
    ],
)
def test_sorts(client, shelf, sort, expected):
    assert titles(page(client, f"?sort={sort}")) == expected


def test_filters_combine(client, shelf):
    phase = shelf.phases[2].slug
    assert titles(page(client, f"?regio={shelf.region.slug}&fase={phase}&sort=titel")) == ["Beuk"]
    assert titles(page(client, f"?thema={shelf.other_theme.slug}&sort=titel")) == ["Beuk", "Dahlia"]
    assert titles(page(client, "?jaar=2021&sort=titel")) == ["Beuk", "Ceder"]
    assert titles(page(client, "?resultaten=ja")) == ["Beuk"]
    assert titles(page(client, "?provincie=zeeland")) == ["Ceder"]
    assert titles(page(client, f"?provincie=zeeland&thema={shelf.other_theme.slug}")) == []


def test_facet_counts_follow_the_other_filters(app, shelf):
    from exchange.practices import listing

    with app.test_request_context(f"/praktijken?thema={shelf.theme.slug}&regio={shelf.region.slug}"):
        from flask import request

        ref = listing.Reference.load()
        browse = listing.read_browse(request.args, None, ref)
        model = {f.param: f for f in listing.facets(None, browse, ref)}
    regions = {o.value: (o.count, o.selected) for o in model["regio"].options}
    # Region counts ignore the region filter (theme only): Appel, Dahlia in Rijnmond; Ceder in Zeeland.
    assert regions == {shelf.region.slug: (2, True), shelf.other_region.slug: (1, False)}
    themes = {o.value: o.count for o in model["thema"].options}
    # Theme counts ignore the theme filter (Rijnmond only): Appel, Dahlia on the theme; Beuk, Dahlia on the other.
    assert themes == {shelf.theme.slug: 2, shelf.other_theme.slug: 2}
    years = {o.value: o.count for o in model["jaar"].options}
    assert years == {"2019": 1, "2020": 1}
    assert [o.count for o in model["resultaten"].options] == []  # nothing with results: not offered
    assert "status" not in model  # visitors see only published practices
    chosen = model["regio"].selected
    assert chosen.args == {"thema": shelf.theme.slug}  # the chosen option's link removes it


def test_facet_links_are_shareable_urls(client, shelf):
    html = page(client, f"?thema={shelf.theme.slug}&sort=titel")
    assert (
        f'href="/praktijken?regio={shelf.other_region.slug}&amp;thema={shelf.theme.slug}&amp;sort=titel"'
        in html
    )
    assert titles(page(client, f"?regio={shelf.other_region.slug}&thema={shelf.theme.slug}&sort=titel")) == [
        "Ceder"
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?regio=nergensland", "Het filter 'regio' kent de waarde 'nergensland' niet."),
        ("?provincie=atlantis", "Het filter 'provincie' kent de waarde 'atlantis' niet."),
        ("?thema=geen-thema", "Het filter 'thema' kent de waarde 'geen-thema' niet."),
        ("?actielijn=99", "Het filter 'actielijn' kent de waarde '99' niet."),
        ("?actielijn=%D9%A3", "Het filter 'actielijn' kent de waarde"),
        ("?fase=zweven", "Het filter 'fase' kent de waarde 'zweven' niet."),
        ("?jaar=twintig", "Een jaar is een getal van 1990 tot en met 2100."),
        ("?jaar=99999999999999999999", "Een jaar is een getal van 1990 tot en met 2100."),
        ("?jaar=" + "9" * 5000, "Een jaar is een getal van 1990 tot en met 2100."),
        ("?pagina=" + "9" * 5000 + "&regio=x", "Het filter 'regio' kent de waarde 'x' niet."),
        ("?resultaten=nee", "De enige waarde is 'ja'."),
        ("?status=geheim", "Het filter 'status' kent de waarde 'geheim' niet."),
        ("?sort=willekeurig", "Het filter 'sort' kent de waarde 'willekeurig' niet."),
        ("?regio=zeeland&regio=groningen", "Kies één waarde voor 'regio'."),
    ],
)
def test_bad_values_answer_a_dutch_400(client, shelf, query, message):
    response = client.get("/praktijken" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")


def test_bad_value_answers_json_400_to_json_clients(client, shelf):
    response = client.get("/praktijken?jaar=x", headers={"Accept": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("pagina", ["2", "0", "-3", "twee", "99999999999999999999"])
def test_a_page_that_does_not_exist_is_404(client, shelf, pagina):
    assert client.get(f"/praktijken?pagina={pagina}").status_code == 404


def test_visitor_status_filter_is_ignored_with_a_message(client, shelf):
    html = page(client, "?status=concept&sort=titel")
    assert "Filteren op status kan alleen na inloggen" in html
    assert titles(html) == ["Appel", "Beuk", "Ceder", "Dahlia"]


def test_staff_filter_by_status_within_what_they_may_see(app, client, shelf):
    login(client, shelf.staff.email)
    html = page(client, "?status=concept")
    assert titles(html) == ["Eik concept"]
    assert "?status=gepubliceerd" in html  # the status facet is offered
    client.post("/uitloggen", data={})
    other = app.test_client()
    login(other, shelf.other_staff.email)
    response = other.get("/praktijken?status=concept")
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True)) == []


def test_coach_sees_coached_drafts_under_status(client, shelf):
    login(client, shelf.coach.email)
    assert titles(page(client, "?status=concept")) == ["Eik concept"]


def test_list_shows_a_visible_feed_link(client, shelf):
    html = page(client, f"?thema={shelf.theme.slug}")
    assert (
        f'href="/zoeken/feed.atom?thema={shelf.theme.slug}&amp;soort=praktijk">Volg via RSS/Atom</a>' in html
    )


def test_theme_page_offers_the_filter_component_with_its_theme_fixed(client, shelf):
    html = client.get(f"/themas/{shelf.theme.slug}").get_data(as_text=True)
    assert 'id="theme-filters"' in html
    # A region option keeps the theme and counts within it: Appel and Dahlia in Rijnmond.
    link = f'href="/praktijken?regio={shelf.region.slug}&amp;thema={shelf.theme.slug}"'
    assert link in html
    after = html[html.index(link) :]
    assert re.match(r'[^<]*>[^<]*</a>\s*<span class="muted">\(2\)</span>', after[len(link) :])
    assert f'href="/themas/{shelf.theme.slug}/feed.atom">Volg via RSS/Atom</a>' in html


def test_region_page_offers_the_filter_component_and_feed_link(client, shelf):
    html = client.get(f"/regios/{shelf.region.slug}").get_data(as_text=True)
    assert 'id="region-filters"' in html
    assert f'href="/praktijken?regio={shelf.region.slug}&amp;thema={shelf.other_theme.slug}"' in html
    assert "?provincie=" not in html  # the region fixes the province: not offered
    assert f'href="/regios/{shelf.region.slug}/feed.atom">Volg via RSS/Atom</a>' in html


@pytest.mark.parametrize(
    ("query", "as_staff"),
    [
        ("", False),
        ("", True),
        ("?fase={phase}", False),
        ("?jaar=2021&thema={theme}", False),
        ("?provincie=zeeland", False),
        ("?regio={region}&resultaten=ja", False),
        ("?status=concept", True),
    ],
)
def test_facet_counts_equal_one_statement_per_facet(app, shelf, query, as_staff):
    """`_counts` (on PostgreSQL: the row facets whose filter is not chosen in one GROUPING SETS statement, the
    provinces summed from the regions, the statements run at the same time) gives every facet the counts of
    that facet's own grouped statement, run alone in the session."""
    from flask import request
    from sqlalchemy import func

    from exchange.practices import listing
    from exchange.practices.models import Practice, practice_action_line, practice_theme
    from exchange.reference.models import Region

    query = query.format(phase=shelf.phases[2].slug, theme=shelf.other_theme.slug, region=shelf.region.slug)
    user = db.session.get(type(shelf.staff), shelf.staff.id) if as_staff else None
    with app.test_request_context("/praktijken" + query):
        ref = listing.Reference.load()
        browse = listing.read_browse(request.args, user, ref)
        skip = set() if listing.may_filter_status(user) else {"status"}
        counts = listing._counts(user, browse, ref, skip)

        def alone(stmt) -> dict:
            return {key: n for key, n in db.session.execute(stmt).all()}

        expected = {
            param: alone(listing._count_by(user, browse, param, column))
            for param, column in [
                ("regio", Practice.region_id),
                ("fase", Practice.phase_id),
                ("jaar", func.extract("year", listing.shown_on())),
                ("status", Practice.status),
            ]
            if param not in skip
        }
        expected["provincie"] = alone(
            listing._count_by(
                user, browse, "provincie", Region.province, (Region, Region.id == Practice.region_id)
            )
        )
        expected["thema"] = alone(
            listing._count_links(
                user, browse, "thema", practice_theme.c.theme_id, practice_theme.c.practice_id
            )
        )
        expected["actielijn"] = alone(
            listing._count_links(
                user,
                browse,
                "actielijn",
                practice_action_line.c.action_line_id,
                practice_action_line.c.practice_id,
            )
        )
        with_results = db.session.scalar(
            select(func.count(Practice.id)).where(
                *listing._where(user, browse, without="resultaten"), listing._has_results()
            )
        )
    expected["resultaten"] = {listing.WITH_RESULTS: with_results}
    assert expected["regio"] and expected["thema"]  # the shelf counts something under every filter here
    # A province no practice of the set is in: summed from the regions it is 0, grouped it is missing.
    counts["provincie"] = {name: n for name, n in counts["provincie"].items() if n}
    assert counts == expected
