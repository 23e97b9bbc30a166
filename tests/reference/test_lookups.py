"""The one region and theme lookup (exchange/reference/lookups.py) and how each caller keeps its error."""

from __future__ import annotations

import pytest

from exchange.errors import NotFound
from exchange.reference.lookups import (
    RegionNotFound,
    ThemeNotFound,
    find_region,
    find_theme,
    lookup_key,
    regions_by_key,
    themes_by_key,
)


@pytest.mark.parametrize(
    "typed", ["JZ01", "jz01", "Jz01", " JZ01 ", "groningen", "GRONINGEN", " Groningen\t"]
)
def test_a_region_is_found_by_code_or_slug_in_any_case(reference, db, typed):
    assert find_region(typed).code == "JZ01"
    assert regions_by_key()[lookup_key(typed)].code == "JZ01"


@pytest.mark.parametrize("typed", ["onderwijs-zorg", "Onderwijs-Zorg", "ONDERWIJS-ZORG", " onderwijs-zorg "])
def test_a_theme_is_found_by_slug_in_any_case(reference, db, typed):
    assert find_theme(typed).slug == "onderwijs-zorg"
    assert themes_by_key()[lookup_key(typed)].slug == "onderwijs-zorg"


@pytest.mark.parametrize("typed", ["JZ99", "", "   ", None, "groningen-stad", "JZ0"])
def test_an_unknown_region_raises_region_not_found(reference, db, typed):
    with pytest.raises(RegionNotFound) as raised:
        find_region(typed)
    assert isinstance(raised.value, NotFound) and raised.value.code == "region_not_found"


@pytest.mark.parametrize("typed", ["geen-thema", "", None, "onderwijs"])
def test_an_unknown_theme_raises_theme_not_found(reference, db, typed):
    with pytest.raises(ThemeNotFound) as raised:
        find_theme(typed)
    assert isinstance(raised.value, NotFound) and raised.value.code == "theme_not_found"


def test_a_theme_slug_is_not_a_region(reference, db):
    with pytest.raises(RegionNotFound):
        find_region("onderwijs-zorg")


def test_region_and_theme_pages_use_the_lookup(reference, client):
    # Another spelling finds the region and answers with its one URL (issue 19: one URL per page).
    moved = client.get("/regios/GRONINGEN")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/regios/groningen")
    assert client.get("/regios/groningen").status_code == 200
    assert client.get("/regios/bestaat-niet").status_code == 404
    moved = client.get("/themas/Onderwijs-Zorg")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/themas/onderwijs-zorg")
    assert client.get("/themas/onderwijs-zorg").status_code == 200
    assert client.get("/themas/bestaat-niet").status_code == 404


def test_the_api_filters_use_the_lookup_and_answer_400_for_unknown_values(reference, client):
    assert client.get("/api/v1/practices?region=Groningen&theme=ONDERWIJS-ZORG").status_code == 200
    unknown = client.get("/api/v1/practices?region=JZ99")
    assert unknown.status_code == 400 and "JZ99" in unknown.get_data(as_text=True)


def test_the_users_cli_reports_an_unknown_region_in_dutch(runner, reference, db):
    result = runner.invoke(args=["users", "assign", "x@example.org", "--region", "JZ99"])
    assert result.exit_code == 1 and "Onbekende regio: JZ99" in result.output


def test_the_practices_export_takes_a_region_and_theme_in_any_case(runner, reference, db):
    result = runner.invoke(args=["practices", "export", "--region", "Groningen", "--theme", "Onderwijs-Zorg"])
    assert result.exit_code == 0, result.output
    assert '"region": "JZ01"' in result.stdout and '"theme": "onderwijs-zorg"' in result.stdout
