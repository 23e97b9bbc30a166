"""The practice profile in the Atom feeds (issue 17): evidence, participation and ages as categories."""

from __future__ import annotations

import feedparser

from exchange.extensions import db as _db
from exchange.practices import transfer
from tests.practices.test_importer import document, item
from tests.practices.test_profile_transfer import PROFILE


def test_feed_entries_carry_the_profile_as_categories(client, reference):
    doc = {**document(item(1, profile=PROFILE), item(2, profile={})), "version": 2}
    with reference.app_context():
        transfer.import_practices(doc)
        _db.session.commit()

    feed = feedparser.parse(client.get("/regios/rotterdam-rijnmond/feed.atom").data)

    assert feed.bozo == 0
    by_title = {e.title: {(t.term, t.label) for t in e.tags} for e in feed.entries}
    assert {
        ("onderbouwing:eerste-aanwijzingen", "Effectief volgens eerste aanwijzingen"),
        ("participatie:mede-eigenaar", "Mede-eigenaar"),
        ("leeftijd:12-23", "12–23 jaar"),
    } <= by_title["Thuiszitterstafel 1"]
    assert not any(
        term.startswith(("onderbouwing:", "participatie:", "leeftijd:"))
        for term, _ in by_title["Thuiszitterstafel 2"]
    )
