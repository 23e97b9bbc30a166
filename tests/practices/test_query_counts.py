"""List pages and the API run a fixed number of queries, however many practices or results they show."""

from __future__ import annotations

import pytest

from exchange.extensions import db as _db
from exchange.practices import transfer
from exchange.practices.models import Practice
from tests.practices.test_importer import document, item

THEME = "onderwijs-zorg"
REGION = "rotterdam-rijnmond"


def add_practices(app, first: int, last: int, results_per_series: int = 2) -> None:
    """Import practices first..last-1 in one region and theme, each with two result series and three steps."""
    records = []
    for n in range(first, last):
        record = item(n, themes=[THEME, "vakmanschap"], action_lines=[3, 6])
        record["results"] = [
            {
                "indicator": indicator,
                "value": 10 + i,
                "unit": "jongeren",
                "measured_on": f"{2020 + i // 12}-{i % 12 + 1:02d}-01",
            }
            for indicator in ("Aantal thuiszitters", "Wachttijd (weken)")
            for i in range(results_per_series)
        ]
        records.append(record)
    with app.app_context():
        transfer.import_practices(document(*records))
        _db.session.commit()


def queries_for(client, query_counter, url: str) -> int:
    client.get(url)  # warm-up: first-request work (babel, templates) is not per row
    with query_counter() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


PAGES = [
    f"/themas/{THEME}",
    f"/themas/{THEME}?fase=meten",
    f"/regios/{REGION}",
    f"/regios/{REGION}?thema={THEME}",
    f"/ontwikkelcirkel/kaart?thema={THEME}",
    "/praktijken",
    f"/praktijken?thema={THEME}&jaar=2020&resultaten=ja&sort=titel",
    f"/praktijken?regio={REGION}&provincie=zuid-holland&actielijn=1&fase=meten",
    "/ontwikkelcirkel/meten",
    f"/api/v1/practices?theme={THEME}&per_page=100",
]


@pytest.mark.parametrize("url", PAGES)
def test_list_pages_do_not_query_per_practice(reference, client, query_counter, url):
    add_practices(reference, 0, 5)
    few = queries_for(client, query_counter, url)
    add_practices(reference, 5, 50)
    many = queries_for(client, query_counter, url)
    assert many == few, f"{url}: {few} queries for 5 practices, {many} for 50"


@pytest.mark.parametrize("url", ["/praktijken/{id}", "/api/v1/practices/{id}"])
def test_practice_page_does_not_query_per_result_or_step(reference, client, query_counter, url):
    add_practices(reference, 0, 1, results_per_series=1)
    add_practices(reference, 1, 2, results_per_series=12)
    with reference.app_context():
        small, large = (
            _db.session.scalar(_db.select(Practice.id).where(Practice.external_id == f"ext-{n}"))
            for n in (0, 1)
        )
    few = queries_for(client, query_counter, url.format(id=small))
    many = queries_for(client, query_counter, url.format(id=large))
    assert many == few, f"{url}: {few} queries for 2 results, {many} for 24"
