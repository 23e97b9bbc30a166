"""English for the maps and the overview: every Dutch msgid has a translation, and the pages use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import refresh

from exchange.extensions import babel

ROOT = Path(__file__).resolve().parents[2]
# The English for maps and overview now lives in the shared catalog (tests/test_translations.py checks all of it).
PO_FILE = ROOT / "exchange" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
SOURCES = {
    "python": [
        *sorted((ROOT / "exchange" / "maps").glob("*.py")),
        *sorted((ROOT / "exchange" / "overview").glob("*.py")),
    ],
    "jinja2.ext:babel_extract": [
        *sorted((ROOT / "templates" / "maps").glob("*.html")),
        *sorted((ROOT / "templates" / "overview").glob("*.html")),
    ],
}


def catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f)


def extracted_msgids() -> set[str]:
    ids = set()
    for method, paths in SOURCES.items():
        for path in paths:
            for _line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=DEFAULT_KEYWORDS
            ):
                ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_dutch_string_of_maps_and_overview_has_an_english_translation():
    translations = catalog()
    missing = [
        m for m in sorted(extracted_msgids()) if not translations.get(m) or not translations.get(m).string
    ]
    assert not missing, missing
    assert all(all(m.string) if isinstance(m.string, tuple) else m.string for m in translations if m.id)


@pytest.fixture
def english(app, tmp_path):
    """The app with this catalog compiled and added to its translation directories (as the lead will)."""
    target = tmp_path / "translations" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, catalog())
    app.extensions["babel"].translation_directories.append(str(tmp_path / "translations"))
    # Flask-Babel caches loaded catalogs on the (process-wide) Babel object: drop them before and after.
    babel.domain_instance.cache.clear()
    yield app
    babel.domain_instance.cache.clear()


def test_overview_and_map_read_in_english(english, client, cast, make_practice):
    make_practice(publish=True)
    refresh()  # the fixtures' app context is shared with the requests; forget the locale the service used
    html = client.get("/overzicht?lang=en").get_data(as_text=True)
    assert '<h1 class="utrecht-heading-1">National overview</h1>' in html
    assert "Show as table" in html and "Skip the map" in html and "Quarter of publication" in html
    assert "<title>Rotterdam Rijnmond: 1 practice</title>" in html
    rows = client.get("/kaarten/fonds.csv").get_data(as_text=True)  # the language choice is remembered
    assert ",unknown," in rows and "per year" in rows
