"""One language per page: every public page, rendered in Dutch and in English, shows no text of the other
catalog outside elements marked with their own `lang` (quoted source titles, reference data without English).

"Text of the other catalog" is a visible text node (or an aria-label/title/alt/placeholder) that is exactly an
entry of the other language's catalog which that language does not use itself, or that contains such an entry
of three words or more (a translated note inside a longer line). A guard fails when a public page is added
without being listed here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.mofile import write_mo
from flask_babel import refresh

from exchange.digests import tokens
from exchange.digests.models import Frequency, Subscriber, Subscription
from exchange.extensions import babel, db
from tests.test_translations import catalog
from tests.world import public

# Not prose in a language: scripts, styles, drawings, and code (API field names, paths, identifiers).
SKIPPED = {"script", "style", "svg", "template", "code", "pre"}


class _Visible(HTMLParser):
    """Visible text nodes and readable attributes, outside elements marked with their own `lang`."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "area", "wbr", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return any(marked or tag in SKIPPED for tag, marked in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        marked = tag != "html" and "lang" in a
        if not self._hidden() and not marked:
            for name in ("aria-label", "title", "alt", "placeholder"):
                if a.get(name):
                    self.texts.append(a[name])
        if tag not in self.VOID:
            self.stack.append((tag, marked))

    def handle_endtag(self, tag):
        if any(t == tag for t, _m in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if data.strip() and not self._hidden():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts]


def _entries():
    """(Dutch-only texts, English-only texts) of the catalog: each language's strings the other does not use."""
    dutch, english, all_dutch, all_english = set(), set(), set(), set()
    for m in catalog():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for source, target in zip(ids, strings, strict=False):
            all_dutch.add(source)
            all_english.add(target or source)
            if target and target != source and "%(" not in source and "%(" not in target:
                dutch.add(source)
                english.add(target)
    return dutch - all_english, english - all_dutch


DUTCH_ONLY, ENGLISH_ONLY = _entries()


def _words(text: str) -> int:
    return len(text.split())


def _pattern(entries: set[str]) -> re.Pattern:
    """One regex for every entry of three words or more (longest first), matched at word boundaries."""
    long = sorted((e for e in entries if _words(e) >= 3), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(e) for e in long) + r")(?!\w)")


PATTERNS = {"nl": _pattern(ENGLISH_ONLY), "en": _pattern(DUTCH_ONLY)}


def foreign(html: str, lang: str) -> list[str]:
    """Texts of the other catalog found on a page in `lang`."""
    other = ENGLISH_ONLY if lang == "nl" else DUTCH_ONLY
    found = set()
    for text in visible_texts(html):
        if text in other or text.rstrip(":") in other:
            found.add(text)
            continue
        match = PATTERNS[lang].search(text)
        if match:
            found.add(f"{match.group(1)!r} in {text[:120]!r}")
    return sorted(found)


@pytest.fixture(scope="module")
def site(module_reference, tmp_path_factory):
    """The shipped reference data, the public world (published practices with results) and a subscriber."""
    app = module_reference
    target = tmp_path_factory.mktemp("one-language") / "translations" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, catalog())
    app.extensions["babel"].translation_directories = [str(target.parent.parent)]
    with app.app_context():
        babel.domain_instance.cache.clear()
    world = public.build_world(app)
    with app.app_context():
        from exchange.reference.lookups import find_region, find_theme

        subscriber = Subscriber(email="lezer@example.org", frequency=Frequency.WEEKLY)
        subscriber.subscriptions = [Subscription(theme=find_theme("onderwijs-zorg"))]
        db.session.add(subscriber)
        db.session.commit()
        token = tokens.manage_token(subscriber.key)
        slugs = {"region": find_region("JZ29").slug, "fund_region": find_region("JZ16").slug}
    yield app, world, token, slugs
    with app.app_context():
        babel.domain_instance.cache.clear()


def public_pages(practice: int, token: str, slugs: dict) -> dict[str, str]:
    """Endpoint (with a note when listed twice) -> URL."""
    return {
        "pages.home": "/",
        "pages.about": "/over",
        "pages.privacy": "/privacy",
        "pages.accessibility": "/toegankelijkheid",
        "pages.colophon": "/colofon",
        "pages.sources": "/bronnen",
        "api_docs.docs_page": "/api",
        "reference.regions": "/regios",
        "reference.region": f"/regios/{slugs.get('region')}",
        "reference.region (fund estimate)": f"/regios/{slugs.get('fund_region')}",
        "reference.themes": "/themas",
        "reference.theme": "/themas/onderwijs-zorg",
        "reference.action_lines": "/actielijnen",
        "reference.action_line": "/actielijnen/3",
        "reference.cycle": "/ontwikkelcirkel",
        "practices.cycle_map": "/ontwikkelcirkel/kaart",
        "practices.phase": "/ontwikkelcirkel/uitvoeren",
        "practices.index (filtered)": "/praktijken?fase=uitvoeren&sort=titel",
        "reference.fund": "/transformatiefonds",
        "overview.index": "/overzicht",
        "practices.index": "/praktijken",
        "practices.detail": f"/praktijken/{practice}",
        "search.index": "/zoeken?q=thuiszitters",
        "digests.index": "/abonnementen",
        "digests.subscribe_sent": "/abonnementen/aangemeld",
        "digests.links_sent": "/abonnementen/links-verstuurd",
        "digests.manage": f"/abonnementen/beheer/{token}",
        "accounts.login": "/inloggen",
        "accounts.forgot_password": "/wachtwoord-vergeten",
    }


# GET pages without arguments that are not public HTML pages in one language.
NOT_PUBLIC = {
    "pages.healthz": "JSON",
    "feeds.search": "an Atom feed of search results (its texts are the practices')",
    "practices.dashboard": "signed in",
    "practices.create": "signed in",
    "accounts.twofactor_code": "only after a password",
    "static": "files",
    "pages.livez": "plain text for load balancers",
    "practices.organisation_suggestions": "JSON for the edit form, signed in",
    "seo.robots_txt": "for crawlers",
    "seo.sitemap_xml": "for crawlers",
}
NOT_CHECKED_PREFIXES = ("/beheer", "/account", "/werkruimte", "/api/")


def test_every_public_page_is_checked(module_app):
    names = {name.split(" ")[0] for name in public_pages(0, "token", {})}
    missing = []
    for rule in module_app.url_map.iter_rules():
        if (
            "GET" not in (rule.methods or set())
            or rule.arguments
            or rule.rule.startswith(NOT_CHECKED_PREFIXES)
        ):
            continue
        if rule.endpoint not in names | set(NOT_PUBLIC):
            missing.append(f"{rule.rule} ({rule.endpoint})")
    assert not missing, f"public pages without a one-language check in tests/test_one_language.py: {missing}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_public_pages_show_one_language(site, lang):
    app, world, token, slugs = site
    client = app.test_client()
    problems = {}
    client.get(f"/?lang={lang}")
    for name, url in public_pages(world.published[0], token, slugs).items():
        with app.app_context():
            refresh()
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html, url
        found = foreign(html, lang)
        if found:
            problems[url] = found
    assert not problems, f"text of the other language on {lang} pages:\n" + "\n".join(
        f"  {url}: {found}" for url, found in problems.items()
    )


def test_the_checker_finds_english_in_dutch_and_ignores_marked_quotes():
    assert "Newsletters by theme" in ENGLISH_ONLY and "Nieuwsbrieven per thema" in DUTCH_ONLY
    page = '<html lang="nl"><body><p>Nieuws — Newsletters by theme</p><a title="Nieuwsbrieven per thema">x</a></body></html>'
    assert foreign(page, "nl") == ["'Newsletters by theme' in 'Nieuws — Newsletters by theme'"]
    assert foreign(page.replace('lang="nl"', 'lang="en"'), "en") == ["Nieuwsbrieven per thema"]
    fund_row = '<html lang="nl"><td>ruim 2,7 miljoen (per jaar)</td><td>largest allocation</td></html>'
    assert foreign(fund_row, "nl") == ["largest allocation"]
    marked = '<html lang="nl"><body><p lang="en">Newsletters by theme</p><script>"Newsletters by theme"</script></body></html>'
    assert foreign(marked, "nl") == []
