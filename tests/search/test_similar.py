"""Similar practices from other regions on each practice."""

from __future__ import annotations

from exchange.search import similar_practices


def test_similar_practices_come_from_other_regions_and_prefer_shared_themes(world, make_practice, app):
    practice = make_practice(
        "Thuiszitters terug naar school", body="Onderwijs en jeugdhulp vinden samen een plek."
    )
    make_practice("Thuiszitters in dezelfde regio", body="Onderwijs en jeugdhulp vinden samen een plek.")
    same_theme = make_practice(
        "Thuiszitters in Zeeland", body="Onderwijs en jeugdhulp vinden een plek.", region=world.other_region
    )
    other_theme = make_practice(
        "Thuiszitters en pleegzorg",
        body="Onderwijs en jeugdhulp vinden een plek.",
        region=world.other_region,
        themes=[world.other_theme],
        phase=world.phases[3],
    )
    make_practice("Thuiszitters concept elders", region=world.other_region, status="draft")
    make_practice("Iets heel anders over inkoop", region=world.other_region, themes=[world.other_theme])

    with app.test_request_context():
        found = similar_practices(practice, limit=5)

    ids = [p.id for p in found]
    assert ids[:2] == [same_theme.id, other_theme.id]
    assert all(p.region_id != practice.region_id for p in found)
    assert all(p.status.value == "published" for p in found)


def test_similar_partial_renders_links_or_nothing(world, make_practice, app):
    from flask import render_template

    practice = make_practice("Thuiszitters terug naar school")
    with app.test_request_context():
        assert render_template("search/_similar.html", practice=practice).strip() == ""

    other = make_practice("Thuiszitters in Zeeland", region=world.other_region)
    with app.test_request_context():
        html = render_template("search/_similar.html", practice=practice)
    assert f"/praktijken/{other.id}" in html
    assert "Vergelijkbare praktijken in andere regio" in html


def test_a_kept_answer_never_shows_what_is_no_longer_published_and_follows_its_practice(
    world, make_practice, app, db, monkeypatch
):
    from exchange.practices.models import Status
    from exchange.search import similar

    asked = []
    engine = similar.current_index
    monkeypatch.setattr(similar, "current_index", lambda: asked.append(1) or engine())
    app.config["SIMILAR_CACHE_SECONDS"] = 300
    practice = make_practice(
        "Thuiszitters terug naar school", body="Onderwijs en jeugdhulp vinden samen een plek."
    )
    elsewhere = make_practice(
        "Thuiszitters in Zeeland", body="Onderwijs en jeugdhulp vinden een plek.", region=world.other_region
    )
    with app.test_request_context():
        assert [p.id for p in similar_practices(practice)] == [elsewhere.id]
        elsewhere.title = "Thuiszitters in Zeeland, hernoemd"
        db.session.commit()
        again = similar_practices(practice)
        assert [p.title for p in again] == ["Thuiszitters in Zeeland, hernoemd"]  # read afresh
        assert len(asked) == 1  # the engine was asked once
        elsewhere.status = Status.ARCHIVED
        db.session.commit()
        assert similar_practices(practice) == []  # kept, but no longer published: not shown
        # the practice moves to another theme: asked again
        practice.themes = [world.other_theme]
        elsewhere.status = Status.PUBLISHED
        db.session.commit()
        assert [p.id for p in similar_practices(practice)] == [elsewhere.id]
        assert len(asked) == 2
