"""Public pages in Dutch and English, 404s, hostile query strings and the health check."""

from __future__ import annotations

import pytest


@pytest.fixture
def demo(reference):
    from exchange.extensions import db
    from exchange.seed.services import load_demo, read_demo_file

    with reference.app_context():
        load_demo(read_demo_file())
        db.session.commit()


def test_home_shows_numbers_and_entry_points(client, reference):
    html = client.get("/").get_data(as_text=True)
    assert "jeugdzorgregio" in html
    assert ">42<" in html and ">6<" in html
    for href in ('href="/regios"', 'href="/themas"', 'href="/actielijnen"', 'href="/ontwikkelcirkel"'):
        assert href in html


def test_regions_page_lists_all_42(client, reference):
    html = client.get("/regios").get_data(as_text=True)
    assert html.count('href="/regios/') == 42
    assert "JZ43" in html and "Midden-Limburg West" in html


def test_region_page_shows_plan_municipalities_and_allocation(client, reference):
    html = client.get("/regios/rotterdam-rijnmond").get_data(as_text=True)
    assert "JZ29" in html and "Rotterdam" in html and "Schiedam" in html
    assert "ruim 2,7 miljoen" in html
    assert "Transformatieplan" in html


def test_known_plan_facts_are_shown(client, reference):
    html = client.get("/regios/achterhoek").get_data(as_text=True)
    assert "Perspectief, binding en ondersteuning" in html and "2018–2022" in html


def test_action_line_four_says_nineteen_plans(client, reference):
    html = client.get("/actielijnen/4").get_data(as_text=True)
    assert "19 van de 42" in html


def test_action_lines_list_counts_demo_plans(client, demo):
    html = client.get("/actielijnen/4").get_data(as_text=True)
    assert "(19)" in html  # the demo plans address line 4 in 19 regions, marked as demo
    assert "demo" in html


def test_theme_page(client, reference):
    html = client.get("/themas/sociale-netwerkstrategieen").get_data(as_text=True)
    assert "JIM" in html and "Actielijn 4" in html


def test_cycle_page_shows_phases_in_order(client, reference):
    html = client.get("/ontwikkelcirkel").get_data(as_text=True)
    positions = [
        html.index(name)
        for name in ("Verkennen", "Ontwerpen", "Uitvoeren", "Meten", "Leren en verbeteren", "Delen en borgen")
    ]
    assert positions == sorted(positions)


def test_fund_page_shows_facts_and_unknowns(client, reference):
    html = client.get("/transformatiefonds").get_data(as_text=True)
    assert "108.000.000" in html and "36.000.000" in html
    assert "23 november 2018" in html
    assert html.count("onbekend") >= 39  # 42 regions, 3 known allocations


def test_english_is_switchable_and_remembered(client, reference):
    html = client.get("/ontwikkelcirkel?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html and "Explore" in html
    html = client.get("/actielijnen/1").get_data(as_text=True)
    assert "Better access to youth care" in html
    html = client.get("/?lang=nl").get_data(as_text=True)
    assert '<html lang="nl"' in html


def test_reference_data_reads_in_english_where_it_has_english(client, reference):
    """Themes, guiding questions and short action-line labels have our own English texts in the reference file."""
    client.get("/?lang=en")
    themes = client.get("/themas").get_data(as_text=True)
    assert "Tackling waiting lists" in themes and "Wachtlijstaanpak" not in themes
    assert "Access" in themes  # action line 1's short label on the theme cards
    theme = client.get("/themas/onderwijs-zorg").get_data(as_text=True)
    assert "Education and youth care; children out of school" in theme
    assert "no child out of school for longer than three months" in theme
    cycle = client.get("/ontwikkelcirkel").get_data(as_text=True)
    assert "What does it bring children, young people and families?" in cycle
    line = client.get("/actielijnen/4").get_data(as_text=True)
    assert "Young adults (16-27, turning 18)" in line
    # Dutch stays Dutch.
    client.get("/?lang=nl")
    assert "Wachtlijstaanpak" in client.get("/themas").get_data(as_text=True)


def test_the_api_answers_the_same_whatever_language_the_visitor_chose(client, reference):
    dutch = client.get("/api/v1/themes").json
    client.get("/themas?lang=en")  # the session now says English
    assert client.get("/api/v1/themes").json == dutch
    waiting = next(t for t in dutch["items"] if t["slug"] == "wachtlijstaanpak")
    assert waiting["name"] == "Wachtlijstaanpak" and waiting["name_en"] == "Tackling waiting lists"


@pytest.mark.parametrize(
    "url", ["/regios/bestaat-niet", "/themas/onbekend", "/actielijnen/7", "/actielijnen/x", "/nergens"]
)
def test_unknown_pages_give_dutch_404(client, reference, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "niet gevonden" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    "query",
    ["lang=%ZZ", "lang=" + "x" * 5000, "lang[]=en", "%%%", "lang=en&lang=nl", "q=<script>alert(1)</script>"],
)
def test_malformed_query_strings_never_fail(client, reference, query):
    response = client.get(f"/regios?{query}")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_nul_bytes_in_query_get_a_clear_400(client, reference):
    response = client.get("/regios?a=%00%01")
    assert response.status_code == 400
    assert "niet geldig" in response.get_data(as_text=True)


def test_healthz_reports_missing_index_then_ok(client, reference, app):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["search_index"]["ok"] is False
    assert response.json["checks"]["database"]["ok"] is True

    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"]["search_index"]["documents"] == 42 + 16


def test_security_headers_on_pages(client, reference):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_tells_how_much_mail_waits_without_calling_the_site_unhealthy(client, reference, app, db):
    from exchange.mail.models import OutgoingMail

    assert client.get("/healthz").json["mail_outbox"] == {"waiting": 0, "oldest": None}
    db.session.add(
        OutgoingMail(
            key="c" * 32,
            recipients="iemand@example.org",
            sender="noreply@example.org",
            subject="S",
            template="email_in_use",
            message=b"x",
            attempts=3,
        )
    )
    db.session.commit()
    app.test_cli_runner().invoke(args=["search", "reindex"])
    response = client.get("/healthz")
    assert response.status_code == 200
    outbox = response.json["mail_outbox"]
    assert outbox["waiting"] == 1 and outbox["oldest"].endswith("+00:00")
