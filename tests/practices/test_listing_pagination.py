"""listing.paginate (ids first, then the page's rows) gives exactly what db.paginate gave, in the same order."""

from __future__ import annotations

import pytest

from exchange.extensions import db as _db
from exchange.practices import listing, transfer
from tests.practices.test_importer import document, item


@pytest.mark.parametrize("sort", list(listing.SORTS))
def test_pages_equal_db_paginate(reference, sort):
    records = [
        item(
            n, published=f"2021-0{1 + n % 3}-01", updated=f"2022-0{1 + n % 4}-01", title=f"Praktijk {30 - n}"
        )
        for n in range(30)
    ]
    with reference.app_context():
        transfer.import_practices(document(*records))
        _db.session.commit()
        from werkzeug.datastructures import MultiDict

        browse = listing.read_browse(MultiDict({"sort": sort}), None, listing.Reference.load())
        stmt = listing.practices_stmt(None, browse)
        for page in (1, 2, 3):
            ours = listing.paginate(stmt, page)
            theirs = _db.paginate(stmt, page=page, per_page=listing.PER_PAGE, error_out=False)
            assert [p.id for p in ours.items] == [p.id for p in theirs.items]
            assert (ours.total, ours.pages, ours.has_next) == (theirs.total, theirs.pages, theirs.has_next)
        assert listing.paginate(stmt, 1).total == 30 and listing.paginate(stmt, 3).items == []
