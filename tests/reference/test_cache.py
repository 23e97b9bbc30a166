"""The per-process reference snapshot: queried once per data version, never stale after a visible write."""

from __future__ import annotations

from exchange.reference import cache
from exchange.reference.models import CyclePhase, Region, Theme
from tests.web import text


def test_the_snapshot_is_queried_once_per_data_version(app, db, reference, query_counter):
    with app.test_request_context("/"):
        first = cache.snapshot()
    with app.test_request_context("/"), query_counter() as counter:
        again = cache.snapshot()
    assert again is first
    assert counter.count == 1  # the data version, nothing else
    assert len(first.regions) == 42 and first.themes and len(first.phases) == 6 and first.action_lines
    assert [p.position for p in first.phases] == sorted(p.position for p in first.phases)


def test_a_visible_write_gives_a_fresh_snapshot(app, db, reference):
    with app.test_request_context("/"):
        before = cache.snapshot()
    theme = db.session.get(Theme, before.themes[0].id)
    theme.name = "Hernoemd thema"
    db.session.commit()
    with app.test_request_context("/"):
        after = cache.snapshot()
    assert after.version > before.version
    assert after.theme_by_id[theme.id].name == "Hernoemd thema"
    assert before.theme_by_id[theme.id].name != "Hernoemd thema"  # the old one is left as it was


def test_pages_show_renamed_reference_data_on_the_next_request(app, db, client, cast, make_practice):
    """Cards, the home page and the theme page take names from the snapshot: a rename shows at once."""
    make_practice("Thuiszitterstafel", publish=True)
    for path in ("/", f"/themas/{cast.theme.slug}", f"/regios/{cast.region.slug}"):
        assert client.get(path).status_code == 200
    region = db.session.get(Region, cast.region.id)
    region.display_name = "Rijnmond Hernoemd"
    db.session.get(Theme, cast.theme.id).name = "Onderwijs en zorg hernoemd"
    db.session.get(CyclePhase, cast.phases[0].id).name = "Verkennen hernoemd"
    db.session.commit()
    home = text(client.get("/"))
    assert (
        "Rijnmond Hernoemd" in home and "Onderwijs en zorg hernoemd" in home and "Verkennen hernoemd" in home
    )
    theme_page = text(client.get(f"/themas/{cast.theme.slug}"))
    assert "Rijnmond Hernoemd" in theme_page and "Verkennen hernoemd" in theme_page
    assert "Onderwijs en zorg hernoemd" in text(client.get(f"/regios/{cast.region.slug}"))
