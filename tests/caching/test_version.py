"""The data version: raised once by each commit that changes what visitors see, and by nothing else."""

from __future__ import annotations

from sqlalchemy import update

from exchange.caching import version
from exchange.practices import services
from exchange.practices.models import Practice
from tests.web import login


def test_a_visible_commit_raises_the_version_by_one(db, make_practice):
    practice = make_practice("Thuiszitterstafel")
    before = version.current()
    practice.summary = "Een nieuwe samenvatting."
    db.session.commit()
    assert version.current() == before + 1


def test_publishing_raises_the_version(db, cast, make_practice):
    practice = make_practice("Thuiszitterstafel")
    before = version.current()
    services.publish_practice(cast.staff, practice)
    db.session.commit()
    assert version.current() == before + 1


def test_a_rolled_back_change_leaves_the_version(db, make_practice):
    practice = make_practice("Thuiszitterstafel")
    before = version.current()
    practice.summary = "Teruggedraaid."
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert version.current() == before


def test_renaming_a_theme_raises_the_version(db, cast):
    before = version.current()
    cast.theme.name = "Onderwijs en zorg, hernoemd"
    db.session.commit()
    assert version.current() == before + 1


def test_a_bulk_update_raises_the_version(db, make_practice):
    make_practice("Thuiszitterstafel")
    before = version.current()
    db.session.execute(update(Practice).values(summary="Alles anders."))
    db.session.commit()
    assert version.current() == before + 1


def test_signing_in_leaves_the_version(app, client, cast):
    with app.app_context():
        before = version.current()
    login(client, cast.staff)
    client.get("/werkruimte")
    with app.app_context():
        assert version.current() == before


def test_the_version_survives_an_emptied_table(db, make_practice):
    practice = make_practice("Thuiszitterstafel")
    db.session.execute(version.DataVersion.__table__.delete())
    db.session.commit()
    assert version.current() == 0
    practice.summary = "Na het legen."
    db.session.commit()
    assert version.current() == 2
