"""A demo world (60 practices, some of them drafts) for the robots, sitemap, canonical and crawl tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def site(module_reference):
    """`module_reference` with the demo content: published, draft and archived practices in many regions."""
    from exchange.extensions import db
    from exchange.seed.services import load_demo, read_demo_file

    with module_reference.app_context():
        load_demo(read_demo_file())
        db.session.commit()
        # As a deployment does (`flask search reindex` once): search pages answer 503 without an index.
        from exchange.search import outbox
        from exchange.search.queries import current_index

        current_index().ensure()
        outbox.apply_pending()
    return module_reference


@pytest.fixture(scope="module")
def visitor(site):
    return site.test_client()
