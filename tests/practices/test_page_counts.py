"""One grouped query gives a theme or region page the same counts as the per-facet queries."""

from __future__ import annotations

import pytest

from exchange.practices import listing, page_counts, queries
from exchange.practices.browse import _reference
from exchange.reference import cache
from tests.practices.test_cards import many  # noqa: F401  (the fixture)


@pytest.mark.parametrize("who", ["visitor", "staff", "coach", "admin"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_theme_and_region_facets_match_their_own_queries(app, cast, many, who, lang):
    user = {"visitor": None, "staff": cast.staff, "coach": cast.coach, "admin": cast.admin}[who]
    with app.test_request_context(f"/?lang={lang}"):
        names, ref = cache.snapshot(), _reference()
        for browse, hide, counts in (
            (listing.Browse(theme=cast.theme), ("thema",), page_counts.load(user, theme_id=cast.theme.id)),
            (
                listing.Browse(region=cast.region),
                ("regio", "provincie"),
                page_counts.load(user, region_id=cast.region.id),
            ),
        ):
            expected = listing.facets(user, browse, ref, hide=hide)
            got = listing.facets(user, browse, ref, hide=hide, known=counts.facets(names))
            assert got == expected
            assert any(o.count for f in got for o in f.options)
        assert page_counts.load(user, theme_id=cast.theme.id).per_phase() == queries.phase_counts(
            user, theme_id=cast.theme.id
        )
