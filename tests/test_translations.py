"""The English catalog: complete for every Dutch msgid in the source, consistent, and used by the pages.

Dutch is the msgid everywhere; exchange/translations/en/LC_MESSAGES/messages.po holds the English. When a test
here fails because strings were added or changed, run `make messages`, translate the entries with an empty
msgstr in that file and commit it (see the Makefile). The compiled .mo is build output and not needed here:
the page tests compile the catalog themselves.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections import Counter
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import refresh

from exchange.extensions import babel
from tests import world

ROOT = Path(__file__).resolve().parents[1]
PO_FILE = ROOT / "exchange" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


# --- extraction, exactly as `make messages` does it -------------------------------------------------------


def _makefile_variable(name: str) -> list[str]:
    """The words of `NAME := ...` in the Makefile (the keywords and ignored directories of `make messages`)."""
    match = re.search(
        rf"^{name}\s*:?=\s*(.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert match, f"{name} is missing from the Makefile"
    return shlex.split(match.group(1))


def _keywords() -> dict:
    words = _makefile_variable("BABEL_KEYWORDS")
    specs = [spec for flag, spec in itertools.pairwise(words) if flag == "-k"]
    keywords = dict(DEFAULT_KEYWORDS)  # pybabel extract adds its defaults (_, gettext, ngettext, ...) too
    keywords.update(parse_keywords(specs))
    return keywords


def _directory_filter(path: str) -> bool:
    """Skip what `--ignore-dirs` skips; unlike Babel's own default, keep directories such as templates/_macros."""
    ignored = _makefile_variable("BABEL_IGNORE_DIRS")
    return not any(Path(path).match(pattern) for pattern in ignored)


@lru_cache(maxsize=1)
def extracted() -> dict[str, tuple[str | tuple[str, ...], list[str]]]:
    """msgid (singular) -> (the message as extracted, ["file:line", ...]) for every translatable string."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found: dict[str, tuple[str | tuple[str, ...], list[str]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=_keywords(), directory_filter=_directory_filter
    ):
        key = message[0] if isinstance(message, tuple) else message
        if not key:
            continue
        found.setdefault(key, (message, []))[1].append(f"{filename}:{lineno}")
    return found


@lru_cache(maxsize=1)
def catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f, locale="en")


def _translated(message) -> bool:
    return all(message.string) if isinstance(message.string, (tuple, list)) else bool(message.string)


def test_extraction_sees_the_whole_source():
    """A guard for the extraction itself: Python, templates, e-mail text parts, plurals and templates/_macros."""
    found = extracted()
    places = {place.rsplit(":", 1)[0] for _message, where in found.values() for place in where}
    for expected in (
        "exchange/errors.py",
        "templates/base.html",
        "templates/email/invitation.txt",
        "templates/_macros/ui.html",
        "templates/_partials/user_menu.html",
    ):
        assert expected in places, f"no strings extracted from {expected}"
    assert isinstance(found["%(num)s regio"][0], tuple), "ngettext in templates must extract as a plural"
    assert len(found) > 800


def test_every_dutch_msgid_in_the_source_has_an_english_translation():
    translations = catalog()
    missing = []
    for key, (message, where) in sorted(extracted().items()):
        entry = translations.get(key)
        if entry is None or not _translated(entry):
            missing.append(f"{message!r} ({', '.join(where[:3])})")
        elif isinstance(message, tuple) != entry.pluralizable:
            missing.append(
                f"{message!r}: plural in the source but not in the catalog, or the other way round"
            )
    assert not missing, (
        f"{len(missing)} msgid(s) have no English in {PO_FILE.relative_to(ROOT)}; run `make messages`, translate them "
        "and commit the catalog:\n  " + "\n  ".join(missing)
    )


def test_catalog_is_clean():
    translations = catalog()
    assert str(translations.locale) == "en"
    assert translations.num_plurals == 2 and translations.plural_expr.replace(" ", "") == "(n!=1)"
    fuzzy = [m.id for m in translations if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy (unreviewed) entries: {fuzzy}"
    empty = [m.id for m in translations if m.id and not _translated(m)]
    assert not empty, f"entries without English: {empty}"


PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)


def _placeholders(text: str) -> Counter:
    return Counter(
        f"%({m['name']}){m['type']}" if m["name"] is not None else f"%{m['type']}"
        for m in PLACEHOLDER.finditer(text)
    )


def test_placeholders_match_between_dutch_and_english():
    """Same %(name)s set (and type) in msgstr as in msgid, or formatting fails or drops a value at runtime."""
    problems = []
    for message in catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            # Named placeholders may repeat; compare the set. Positional ones (%s, %%) must match in number.
            want, got = _placeholders(source), _placeholders(string)
            named_ok = {k for k in want if k.startswith("%(")} == {k for k in got if k.startswith("%(")}
            positional_ok = {k: v for k, v in want.items() if not k.startswith("%(")} == {
                k: v for k, v in got.items() if not k.startswith("%(")
            }
            if not (named_ok and positional_ok):
                problems.append(f"{source!r} -> {string!r}")
    for message, errors in catalog().check():  # Babel's own checkers (python-format, plural count)
        problems += [f"{message.id!r}: {error}" for error in errors]
    assert not problems, "placeholders differ:\n  " + "\n  ".join(problems)


# --- the pages in English ---------------------------------------------------------------------------------


@pytest.fixture
def english(app, tmp_path):
    """The app reading only this catalog, compiled here (so the tests do not depend on `make translations`)."""
    target = tmp_path / "translations" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, catalog())
    app.extensions["babel"].translation_directories = [str(tmp_path / "translations")]
    # Flask-Babel caches loaded catalogs per locale on the process-wide Babel object: drop them before and after.
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield app
    with app.app_context():
        babel.domain_instance.cache.clear()


class _Texts(HTMLParser):
    """Text pieces inside headings, navigation, labels, buttons, table heads and the title of a page."""

    WATCHED = {"title", "h1", "h2", "h3", "nav", "label", "button", "th", "caption", "summary", "legend"}

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.texts: list[str] = []
        self.quoted = 0  # inside an element marked with its own lang (the page's other language, on purpose)

    def handle_starttag(self, tag, attrs):
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "col", "area", "wbr"}:
            marked = tag != "html" and any(name == "lang" for name, _value in attrs)
            self.open.append(tag + ("@lang" if marked else ""))
            self.quoted += marked
        for name, value in attrs:
            if name in {"aria-label", "placeholder", "title", "alt"} and value and not self.quoted:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if any(t.split("@")[0] == tag for t in self.open):
            while self.open:
                popped = self.open.pop()
                self.quoted -= popped.endswith("@lang")
                if popped.split("@")[0] == tag:
                    break

    def handle_data(self, data):
        tags = {t.split("@")[0] for t in self.open}
        if data.strip() and not self.quoted and self.WATCHED.intersection(tags):
            self.texts.append(data.strip())


def leftover_dutch(html: str) -> list[str]:
    """Texts on the page that are exactly a Dutch msgid whose English differs: a translation that did not apply."""
    dutch = {m.id for m in catalog() if isinstance(m.id, str) and m.id and m.string != m.id}
    parser = _Texts()
    parser.feed(html)
    return sorted({t for t in parser.texts if t in dutch or t.rstrip(":") in dutch})


@pytest.fixture
def people_and_practice(english, reference):
    """An administrator, a regional staff member of Rotterdam Rijnmond and one published practice (ids only)."""
    from exchange.accounts.models import Role

    with english.app_context():
        where = world.places()
        admin = world.person("admin@example.org", Role.ADMIN, name="Ada Beheer")
        staff = world.person("staff@example.org", Role.STAFF, region=where.region, name="Sanne Staf")
        practice = world.practice(where, actor=staff, publish=True)
        # The search page needs a built index (without one it answers 503, issue 13).
        from exchange.extensions import db
        from exchange.search import outbox
        from exchange.search.queries import current_index

        db.session.commit()
        current_index().ensure()
        outbox.apply_pending()
        return {
            "admin": admin.email,
            "staff": staff.email,
            "practice": practice.id,
            "region": where.region.slug,
        }


def _page(client, url: str, status: int = 200) -> str:
    refresh()  # forget a locale cached in an application context shared with the fixtures
    response = client.get(url)
    assert response.status_code == status, url
    html = response.get_data(as_text=True)
    assert '<html lang="en"' in html, url
    assert not leftover_dutch(html), f"{url} still shows Dutch: {leftover_dutch(html)}"
    return html


def test_public_pages_read_in_english(english, client, people_and_practice):
    html = _page(client, "/?lang=en")  # the choice is remembered for the pages after it
    nav = html[html.index('class="site-nav"') :]
    nav = nav[: nav.index("</nav>")]
    for label in ("Regions", "Themes", "Development cycle", "Overview", "Transformatiefonds"):
        assert f">{label}<" in nav, label
    assert "Skip to content" in html and "Sharing knowledge about what works in youth care" in html
    assert "Regio&#39;s" not in nav and "Ontwikkelcirkel" not in nav

    assert "The 42 youth-care regions" in _page(client, "/regios")
    html = _page(client, f"/regios/{people_and_practice['region']}")
    assert "Youth-care region" in html and "CBS code" in html
    assert "Practices from all regions (1)" in _page(client, "/themas/onderwijs-zorg")
    assert "The development cycle of the learning youth-care system" in _page(client, "/ontwikkelcirkel")
    html = _page(client, "/transformatiefonds")
    assert (
        "The Transformatiefonds jeugd (youth Transformation Fund)" in html
        and "Contribution per region" in html
    )
    html = _page(client, f"/praktijken/{people_and_practice['practice']}")
    assert "Path through the development cycle" in html
    assert "Search the knowledge of all regions" in _page(client, "/zoeken?q=thuiszitters")
    assert "Theme subscriptions" in _page(client, "/abonnementen")
    assert "Forgotten your password?" in _page(client, "/inloggen")
    assert "Page not found" in _page(client, "/bestaat-niet", status=404)


def test_signed_in_pages_read_in_english(english, client, auth, people_and_practice):
    client.get("/?lang=en")
    auth.login(people_and_practice["admin"])
    assert "My account" in _page(client, "/account")
    assert "Administration" in _page(client, "/beheer/")
    assert "People with an account" in _page(client, "/beheer/mensen")
    auth.logout()
    auth.login(people_and_practice["staff"])
    html = _page(client, "/praktijken/nieuw")
    assert "New practice" in html and "Short summary" in html
