"""The national overview page: charts with tables, CSV per figure, theme selector, bad input, query count."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.statements import recording
from tests.web import login


def count_queries(app):
    return recording(app)


def test_overview_shows_every_figure_with_a_chart_a_table_and_a_download(client, cast, make_practice):
    make_practice("Gedeeld", publish=True)
    response = client.get("/overzicht")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 class="utrecht-heading-1">Landelijk overzicht</h1>' in html
    assert html.count('role="img"') == 4  # quarters, phases per theme, results per line, active themes
    assert html.count('<table class="utrecht-table">') == 5  # four charts' tables + the map's table
    for key in ("per-kwartaal", "fasen", "resultaten", "stille-regios", "themas"):
        assert f'href="/overzicht/{key}.csv"' in html
    assert "Kwartaal van publicatie" in html and "Aantal praktijkvoorbeelden" in html  # axis labels
    assert html.count('class="map__link"') == 42  # the activity map
    assert re.search(r"Regio(&#39;|')s die nog niets hebben gedeeld \(41\)</h2>", html)
    assert " style=" not in html
    assert 'href="/static/css/maps.css?v=' in html  # with its content hash (exchange/assets.py)


def test_theme_selector_narrows_the_quarters_and_keeps_the_choice(client, cast, make_practice):
    make_practice("Gedeeld", publish=True)
    html = client.get("/overzicht?thema=pleegzorg-gezinshuizen").get_data(as_text=True)
    assert "Gepubliceerde praktijkvoorbeelden per kwartaal (Pleegzorg en gezinshuizen)" in html
    assert '<option value="pleegzorg-gezinshuizen" selected>' in html
    assert 'href="/overzicht/per-kwartaal.csv?thema=pleegzorg-gezinshuizen"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/overzicht?thema=bestaat-niet",
        "/overzicht/per-kwartaal.csv?thema=bestaat-niet",
        "/overzicht/onbekend.csv",
    ],
)
def test_unknown_theme_or_figure_is_404(client, reference, url):
    assert client.get(url).status_code == 404


def test_malformed_query_strings_never_fail(client, reference):
    # No theme (empty, or under another name) is the national overview; a theme nobody knows is a 404.
    for query, status in [
        ("thema=", 200),
        ("thema=%ZZ", 404),
        ("thema[]=x", 200),
        ("thema=" + "x" * 5000, 404),
        ("thema=a&thema=b", 404),
        ("%%%", 200),
        ("lang[]=en", 200),
    ]:
        response = client.get(f"/overzicht?{query}")
        assert response.status_code == status, query


def test_each_figure_downloads_as_csv(client, cast, make_practice):
    make_practice("Gedeeld", publish=True)

    def rows(url):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))

    quarters = rows("/overzicht/per-kwartaal.csv")
    assert quarters[0] == ["kwartaal", "jaar", "kwartaalnummer", "gepubliceerd"]
    assert sum(int(r[3]) for r in quarters[1:]) == 1
    assert sum(int(r[3]) for r in rows("/overzicht/per-kwartaal.csv?thema=pleegzorg-gezinshuizen")[1:]) == 0
    phases = rows("/overzicht/fasen.csv")
    assert phases[0][0] == "Thema" and phases[0][-1] == "Totaal" and len(phases) == 1 + 16
    assert rows("/overzicht/resultaten.csv")[0] == ["Actielijn", "Resultaten"]
    assert len(rows("/overzicht/stille-regios.csv")) == 1 + 41
    assert rows("/overzicht/themas.csv")[1] == ["Onderwijs en jeugdhulp; thuiszitters", "1"]


def test_overview_in_english_keeps_its_structure(client, cast, make_practice):
    html = client.get("/overzicht?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html and html.count('class="map__link"') == 42


def test_overview_runs_a_fixed_number_of_queries_whatever_the_data(app, client, cast, make_practice, db):
    make_practice("Een", publish=True)
    with count_queries(app) as few:
        client.get("/overzicht")
    for i in range(6):
        make_practice(f"Nog een {i}", publish=True, themes=[cast.theme, cast.other_theme])
        make_practice(f"Elders {i}", publish=True, region=cast.other_region, actor=cast.other_staff)
    with count_queries(app) as many:
        client.get("/overzicht")
    assert len(few) == len(many) <= 15


def test_charts_have_titles_descriptions_and_axis_labels(client, cast, make_practice):
    make_practice("Gedeeld", publish=True)
    html = client.get("/overzicht").get_data(as_text=True)
    charts = re.findall(
        r'<svg xmlns="http://www.w3.org/2000/svg" class="chart data-chart.*?</svg>', html, re.DOTALL
    )
    assert len(charts) == 4
    for chart in charts:
        assert re.search(r'aria-labelledby="(chart-\d+)-t \1-d"', chart)
        assert "<title id=" in chart and "<desc id=" in chart


def test_phase_legend_keys_match_the_segments_of_the_chart(client, cast, make_practice):
    from exchange.palette import palette

    make_practice("Gedeeld", publish=True)
    html = client.get("/overzicht").get_data(as_text=True)
    keys = re.findall(
        r'<svg class="chart-legend__swatch"[^>]*><rect [^>]*fill="(#[0-9a-f]{6})" stroke="(#[0-9a-f]{6})"/>'
        r"<text [^>]*>(\d+)</text></svg>",
        html,
    )
    p = palette()
    assert [fill for fill, _, _ in keys] == p.sequential(len(keys)) and len(keys) >= 4
    assert {border for _, border, _ in keys} == {p.ink}
    assert [key for _, _, key in keys] == [str(i) for i in range(1, len(keys) + 1)]


def test_visitors_share_cached_figures_until_the_data_changes(app, client, cast, make_practice):
    make_practice("Een", publish=True)
    with count_queries(app) as first:
        client.get("/overzicht")
    with count_queries(app) as again:
        html = client.get("/overzicht").get_data(as_text=True)
    assert len(again) < len(first) - 3  # one signature query instead of the five grouped ones
    assert "(41)</h2>" in html
    make_practice("Twee", publish=True, region=cast.other_region, actor=cast.other_staff)
    assert "(40)</h2>" in client.get("/overzicht").get_data(as_text=True)


def test_signed_in_users_get_their_own_figures(client, cast, make_practice):
    make_practice("Concept van Rijnmond")
    assert "Nog geen praktijkvoorbeelden." in client.get("/overzicht").get_data(
        as_text=True
    )  # cached for visitors
    login(client, cast.staff)
    assert "Nog geen praktijkvoorbeelden." not in client.get("/overzicht").get_data(as_text=True)
    assert "Onderwijs en jeugdhulp; thuiszitters,1,0,0,0,0,0,1" in client.get(
        "/overzicht/fasen.csv"
    ).get_data(as_text=True)
