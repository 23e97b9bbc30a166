"""Workspace lists: each pages on its own parameter, bad page numbers never fail, and no query per row."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.database import utctoday
from tests.web import login, text
from tests.workspace.helpers import age, count_in_heading, measure, say, section


def _drafts(make_practice, n, start=0):
    return [make_practice(f"Concept {i:02d}") for i in range(start, start + n)]


def test_each_list_pages_on_its_own_parameter(client, cast, make_practice, db, page_of):
    _drafts(make_practice, 12)
    old = [make_practice(f"Oud {i:02d}", publish=True) for i in range(3)]
    for practice in old:
        age(db, practice, updated=300)
    login(client, cast.staff)
    first = page_of()
    assert count_in_heading(first, "Concepten van uw regio") == 12
    drafts = section(first, "concepten")
    assert drafts.count('class="card practice-card"') == 10
    assert 'href="/werkruimte?concepten=2#concepten"' in drafts
    # Page 2 of the drafts keeps the other list's page, and the other list is untouched.
    second = page_of("/werkruimte?concepten=2&verouderd=1")
    assert section(second, "concepten").count('class="card practice-card"') == 2
    assert 'href="/werkruimte?verouderd=1#concepten"' in section(second, "concepten")  # back to page 1
    assert section(second, "verouderd").count("Nog actueel?") == 3


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5", "99999999999999999999", "١"])
def test_a_bad_page_number_shows_page_one(client, cast, make_practice, page_of, value):
    _drafts(make_practice, 11)
    login(client, cast.staff)
    html = page_of(f"/werkruimte?concepten={value}")
    assert section(html, "concepten").count('class="card practice-card"') == 10


def test_a_page_beyond_the_last_is_404(client, cast, make_practice):
    _drafts(make_practice, 11)
    login(client, cast.staff)
    assert client.get("/werkruimte?concepten=2").status_code == 200
    assert client.get("/werkruimte?concepten=3").status_code == 404
    assert client.get("/werkruimte?feedback=2").status_code == 404  # an empty list has one page


def _staff_world(cast, make_practice, db, n, start=0):
    """n drafts, n half-year-old published practices with a due series and a coach's waiting message."""
    _drafts(make_practice, n, start)
    today = utctoday()
    for i in range(start, start + n):
        practice = make_practice(f"Oud {i:02d}", publish=True)
        measure(db, practice, "Aantal", today - timedelta(days=200), today - timedelta(days=100))
        say(db, practice, cast.coach, f"Vraag {i}")
        age(db, practice, updated=300)


def _functionary_world(cast, make_practice, db, n, start=0):
    for i in range(start, start + n):
        draft = make_practice(f"Concept {i:02d}")
        say(db, draft, cast.staff, f"Vraag {i}")
        published = make_practice(f"Openbaar {i:02d}", publish=True)
        age(db, published, created=500)


def _admin_world(make_user, n, start=0):
    for i in range(start, start + n):
        make_user("staff", name=f"Uitgenodigd {i}", invited=True)


@pytest.mark.parametrize("who", ["staff", "coach", "admin"])
def test_the_workspace_runs_as_many_queries_for_many_rows_as_for_few(
    client, cast, make_practice, make_user, db, query_counter, who
):
    def build(n, start=0):
        if who == "staff":
            _staff_world(cast, make_practice, db, n, start)
        elif who == "coach":
            _functionary_world(cast, make_practice, db, n, start)
        else:
            _admin_world(make_user, n, start)

    build(2)
    login(client, getattr(cast, who))
    client.get("/werkruimte")  # warm up (first visit, caches)
    with query_counter() as few:
        html = text(client.get("/werkruimte"))
    assert "(2)" in html
    build(13, start=2)
    with query_counter() as many:
        html = text(client.get("/werkruimte"))
    assert "(15)" in html
    assert many.count == few.count, "\n".join(many.statements)
    assert many.count < 40, many.count
