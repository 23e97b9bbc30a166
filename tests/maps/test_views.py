"""Map partials, SVG and CSV downloads, bad input and the cost of colouring a map."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string
from sqlalchemy import select

from exchange.maps import geometry
from exchange.reference.models import ActionLine, Region
from tests.web import login

SVG = "{http://www.w3.org/2000/svg}"


def parse_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def render_partial(app, name: str, **context) -> str:
    with app.test_request_context("/"):
        return render_template_string('{% include "maps/' + name + '" %}', **context)


def test_svg_download_is_a_standalone_file_with_42_named_region_links(client, cast, make_practice):
    make_practice(publish=True)
    response = client.get("/kaarten/activiteit.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="jeugdkennis-kaart-activiteit.svg"'
    )
    root = ET.fromstring(response.data)
    links = root.findall(f".//{SVG}a")
    assert len(links) == 42
    names = [link.find(f"{SVG}title").text for link in links]
    assert all(names) and all(link.get("href").startswith("http://localhost/regios/") for link in links)
    assert "Rotterdam Rijnmond: 1 praktijkvoorbeeld" in names
    assert root.find(f"{SVG}title").text == "Activiteit per jeugdzorgregio"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Bron: CBS/PDOK" in texts and "Praktijkvoorbeelden" in texts  # credit and legend inside the file
    assert b"style=" not in response.data  # presentation attributes only: the CSP forbids inline styles


def test_csv_download_has_one_row_per_region(client, cast, make_practice):
    make_practice(publish=True)
    rows = parse_csv(client.get("/kaarten/activiteit.csv"))
    assert len(rows) == 42
    rijnmond = next(r for r in rows if r["code"] == "JZ29")
    assert rijnmond == {
        "code": "JZ29",
        "regio": "Rotterdam Rijnmond",
        "waarde": "1",
        "omschrijving": "1 praktijkvoorbeeld",
        "toelichting": "",
        "klasse": "1–2",
        "op_kaart": "ja",
    }


def test_fund_csv_leaves_unknown_amounts_empty_not_zero(client, reference):
    rows = {r["code"]: r for r in parse_csv(client.get("/kaarten/fonds.csv"))}
    assert rows["JZ01"]["waarde"] == "" and rows["JZ01"]["omschrijving"] == "onbekend"
    assert rows["JZ29"]["waarde"] == "2700000"


@pytest.mark.parametrize("ext", ["svg", "csv"])
def test_theme_and_action_line_downloads_take_the_same_query_params(client, reference, ext):
    theme = client.get(f"/kaarten/thema.{ext}?thema=onderwijs-zorg")
    line = client.get(f"/kaarten/actielijn.{ext}?actielijn=4")
    assert theme.status_code == line.status_code == 200
    assert theme.headers["Content-Disposition"].endswith(f'-thema-onderwijs-zorg.{ext}"')
    assert line.headers["Content-Disposition"].endswith(f'-actielijn-4.{ext}"')


BAD_URLS = [
    "/kaarten/onbekend.svg",
    "/kaarten/activiteit.png",
    "/kaarten/thema.svg",
    "/kaarten/thema.csv?thema=bestaat-niet",
    "/kaarten/actielijn.svg?actielijn=7",
    "/kaarten/actielijn.svg?actielijn=x",
    "/kaarten/actielijn.svg?actielijn=-1",
    "/kaarten/actielijn.svg?actielijn=%D9%A3",  # an Arabic-Indic three: a digit to Python, not to us
    "/kaarten/actielijn.csv?actielijn=" + "9" * 400,
]
MALFORMED_QUERIES = [
    "thema=%ZZ",
    "thema[]=x",
    "thema=<script>alert(1)</script>",
    "thema=" + "x" * 5000,
    "actielijn=1&actielijn=2",
    "%%%",
    "lang=en&thema=onderwijs-zorg",
]


def test_unknown_maps_and_parameters_are_404(client, reference):
    # One database for all cases: loading the reference data per case would make this the slowest test here.
    assert {url: client.get(url).status_code for url in BAD_URLS} == {url: 404 for url in BAD_URLS}


def test_malformed_query_strings_never_fail(client, reference):
    # The one right answer each: 200 only where the map's own parameter is valid (the first actielijn of two
    # counts; the fund map takes no parameters), 404 for a missing or unknown theme or action line.
    served = {
        ("/kaarten/thema.csv", "lang=en&thema=onderwijs-zorg"),
        ("/kaarten/actielijn.svg", "actielijn=1&actielijn=2"),
        *(("/kaarten/fonds.csv", query) for query in MALFORMED_QUERIES),
    }
    for path in ("/kaarten/thema.csv", "/kaarten/actielijn.svg", "/kaarten/fonds.csv"):
        for query in MALFORMED_QUERIES:
            response = client.get(f"{path}?{query}")
            assert response.status_code == (200 if (path, query) in served else 404), (path, query)
            assert b"<script>alert" not in response.data


def test_coaching_download_is_for_functionaries_only(client, cast):
    assert client.get("/kaarten/mijn-regios.csv").status_code == 401
    login(client, cast.staff)
    assert client.get("/kaarten/mijn-regios.csv").status_code == 403
    login(client, cast.coach)
    rows = parse_csv(client.get("/kaarten/mijn-regios.csv"))
    assert [r["code"] for r in rows if r["waarde"] == "1"] == ["JZ29"]


def test_downloads_follow_the_visibility_of_the_lists(client, cast, make_practice):
    make_practice("Concept van Rijnmond")
    anonymous = {r["code"]: r for r in parse_csv(client.get("/kaarten/thema.csv?thema=onderwijs-zorg"))}
    login(client, cast.staff)
    staff = {r["code"]: r for r in parse_csv(client.get("/kaarten/thema.csv?thema=onderwijs-zorg"))}
    assert anonymous["JZ29"]["waarde"] == "" and staff["JZ29"]["waarde"] == "1"
    assert (
        client.get("/kaarten/thema.csv?thema=onderwijs-zorg").headers["Cache-Control"] == "private, no-store"
    )


def test_csv_cells_that_look_like_formulas_are_defused(client, reference, db):
    region = db.session.scalar(select(Region).where(Region.code == "JZ01"))
    region.display_name = '=HYPERLINK("http://example.test")'
    db.session.commit()
    rows = {r["code"]: r for r in parse_csv(client.get("/kaarten/activiteit.csv"))}
    assert rows["JZ01"]["regio"] == '\'=HYPERLINK("http://example.test")'


def test_home_partial_has_map_legend_caption_table_and_downloads(app, cast, make_practice):
    make_practice(publish=True)
    html = render_partial(app, "_home.html")
    assert html.count('class="map__link"') == 42
    assert "<title>Rotterdam Rijnmond: 1 praktijkvoorbeeld</title>" in html
    assert 'role="group" aria-labelledby="kaart-activiteit-heading"' in html
    assert "Bron: CBS/PDOK" in html and "Toon als tabel" in html and "<details" in html
    assert html.count('<tr class="utrecht-table__row">') == 43  # header + 42 regions
    assert 'href="/kaarten/activiteit.svg"' in html and 'href="/kaarten/activiteit.csv"' in html
    assert 'id="kaart-activiteit-hatch"' in html and "geen" in html  # "none" is a pattern with a label
    assert " style=" not in html


@pytest.mark.parametrize(
    "partial, name",
    [("_theme.html", "thema"), ("_action_line.html", "actielijn"), ("_fund.html", "fonds")],
)
def test_page_partials_render_with_the_variables_their_pages_have(app, reference, db, partial, name):
    from exchange.reference.models import Theme

    theme = db.session.scalar(select(Theme).where(Theme.slug == "onderwijs-zorg"))
    line = db.session.scalar(select(ActionLine).where(ActionLine.number == 4))
    html = render_partial(app, partial, theme=theme, line=line)
    assert html.count('class="map__link"') == 42
    assert f'id="kaart-{name}-heading"' in html and "Bron: CBS/PDOK" in html


def test_coaching_partial_is_only_for_functionaries(app, cast):
    with app.test_request_context("/"):
        from flask_login import login_user

        assert render_template_string('{% include "maps/_coaching.html" %}').strip() == ""
        login_user(cast.coach)
        html = render_template_string('{% include "maps/_coaching.html" %}')
    assert html.count("niet door u begeleid") >= 41 and "<title>Rotterdam Rijnmond: door u begeleid" in html


def test_region_without_geometry_is_listed_under_the_map(app, reference, db):
    db.session.add(
        Region(
            code="JZ99",
            slug="nieuwe-regio",
            name="Nieuwe regio",
            display_name="Nieuwe regio",
            province="Utrecht",
        )
    )
    db.session.commit()
    html = render_partial(app, "_home.html")
    assert html.count('class="map__link"') == 42
    assert "1 regio staat niet op de kaart:" in html
    assert (
        '<a class="utrecht-link" href="/regios/nieuwe-regio">Nieuwe regio</a>: geen praktijkvoorbeelden'
        in html
    )


def test_colouring_a_map_does_not_project_again(app, reference, monkeypatch):
    geometry.geometry()
    monkeypatch.setattr(geometry, "build_geometry", lambda *a, **k: pytest.fail("re-projected"))
    assert render_partial(app, "_fund.html").count('class="map__link"') == 42


def test_home_map_is_shared_between_visitors_until_practices_change(app, client, cast, make_practice):
    from tests.overview.test_views import count_queries

    make_practice("Een", publish=True)
    render = lambda: render_partial(app, "_home.html")
    assert "<title>Rotterdam Rijnmond: 1 praktijkvoorbeeld</title>" in render()
    with count_queries(app) as queries:
        render()
    assert len(queries) == 1  # only the data signature
    make_practice("Twee", publish=True)
    assert "<title>Rotterdam Rijnmond: 2 praktijkvoorbeelden</title>" in render()
    make_practice("Concept")
    login(client, cast.staff)  # staff see their region's fresh draft, never the visitors' copy
    html = client.get("/overzicht").get_data(as_text=True)
    assert "<title>Rotterdam Rijnmond: 3 praktijkvoorbeelden</title>" in html
