"""The phase pages of the cycle (/ontwikkelcirkel/<phase>): practices now in the phase, recent moves in and out,
results measured in it, each within what the reader may see; /ontwikkelcirkel links every phase page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from exchange.database import utctoday
from exchange.extensions import db
from exchange.practices import cycle, services
from tests import world
from tests.web import login


@pytest.fixture
def moves(cast):
    """'Verhuisd' moved recently from phase 1 to 2; 'Oud' moved long ago; 'Blijver' stays in phase 1;
    a draft moved to phase 2 as well (hidden from visitors). A result measured in phase 2."""
    second = cast.phases[1]
    today = utctoday()
    moved = world.practice(cast, "Verhuisd", publish=True)
    old = world.practice(cast, "Oud", publish=True)
    world.practice(cast, "Blijver", publish=True)
    draft = world.practice(cast, "Geheim concept")
    for practice in (moved, old, draft):
        practice.steps[0].moved_on = today - timedelta(days=400)
    db.session.flush()
    cycle.move_phase(
        cast.staff, moved, second, "De pilot is begonnen in twee wijken.", today - timedelta(days=5)
    )
    cycle.move_phase(
        cast.staff, old, second, "De pilot is begonnen, lang geleden al.", today - timedelta(days=200)
    )
    cycle.move_phase(
        cast.staff, draft, second, "Nog niet openbaar, wel verplaatst.", today - timedelta(days=3)
    )
    services.add_result(
        cast.staff,
        moved,
        services.ResultData(indicator="Wachtenden", value=Decimal(7), measured_on=today, phase=second),
    )
    db.session.commit()
    return cast


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def test_cycle_page_links_every_phase_and_the_map(client, moves):
    html = client.get("/ontwikkelcirkel").get_data(as_text=True)
    for phase in moves.phases:
        assert f'href="/ontwikkelcirkel/{phase.slug}"' in html
    assert 'href="/ontwikkelcirkel/kaart"' in html


def test_phase_page_shows_practices_moves_and_results(client, moves):
    first, second = moves.phases[0], moves.phases[1]
    response = client.get(f"/ontwikkelcirkel/{second.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert second.guiding_question in html
    now = section(html, "nu-heading")
    assert "Verhuisd" in now and "Oud" in now and "Blijver" not in now
    assert "2 praktijkvoorbeelden staan nu in deze fase" in now
    moved = section(html, "bewogen-heading")
    assert "Verhuisd" in moved and "Oud" not in moved  # 200 days ago is not recent
    assert "Geheim concept" not in html  # a draft stays hidden from visitors
    assert "Wachtenden" in section(html, "resultaten-heading")
    assert 'href="/ontwikkelcirkel/kaart"' in html
    out = client.get(f"/ontwikkelcirkel/{first.slug}").get_data(as_text=True)
    assert "Verhuisd" in section(out, "bewogen-heading")  # it left phase 1
    assert "Blijver" in section(out, "nu-heading")


def test_phase_page_shows_drafts_to_their_region(client, moves):
    login(client, moves.staff.email)
    html = client.get(f"/ontwikkelcirkel/{moves.phases[1].slug}").get_data(as_text=True)
    assert "Geheim concept" in section(html, "bewogen-heading")


@pytest.mark.parametrize("slug", ["bestaat-niet", "x" * 300, "%00"])
def test_unknown_phase_is_a_dutch_404(client, reference, slug):
    response = client.get(f"/ontwikkelcirkel/{slug}")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet" in response.get_data(as_text=True)


def test_phase_slug_ignores_case(client, moves):
    assert client.get(f"/ontwikkelcirkel/{moves.phases[1].slug.upper()}").status_code == 200
