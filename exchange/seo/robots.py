"""The crawl rules of /robots.txt, written from one list, and a reader with the matching rules search engines use.

Facet combinations are what trap a crawler: every filter parameter multiplies the pages. So any URL that
carries a filter or sort parameter is disallowed everywhere, and so are search result pages (their content is
found through the lists, region, theme and phase pages), feeds of searches, administration, account, workspace
and subscription-management pages. Pagination (`pagina`) and the language switch (`lang`) stay allowed: they are
how a crawler reaches every practice, and the English pages.

The reader follows RFC 9309: the longest matching rule wins, `Allow` wins a tie, `*` matches any run of
characters and `$` anchors the end. The crawl test and the unit tests read the served file with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Query parameters that filter or sort a list; a URL carrying one of them is a facet combination.
FACET_PARAMS = (
    "regio",
    "provincie",
    "thema",
    "actielijn",
    "fase",
    "jaar",
    "status",
    "sort",
    "resultaten",
    "leeftijd",
    "bewijs",
    "participatie",
    "onderbouwing",
    "leeftijd_van",
    "leeftijd_tot",
    "soort",
    "metingen",
    "letterlijk",
)

# Paths (prefixes) that are nobody's business but the signed-in person's, or that only lead into facets.
PRIVATE_PREFIXES = (
    "/beheer",
    "/account",
    "/werkruimte",
    "/dashboard",
    "/inloggen",
    "/uitloggen",
    "/uitnodiging/",
    "/wachtwoord-vergeten",
    "/wachtwoord-herstellen/",
    "/e-mailadres-bevestigen/",
    "/abonnementen/",  # confirm, manage, erase, data pages (the subscribe page /abonnementen itself stays)
    "/praktijken/nieuw",
    "/zoeken?",  # result pages; the empty search page stays
    "/zoeken/",  # feeds of searches
)


# `lang=nl` only switches a remembered English session back to Dutch: the Dutch page's URL has no `lang`.
DUPLICATES = ("/*?*lang=nl",)


def disallowed_patterns() -> list[str]:
    return [*PRIVATE_PREFIXES, *(f"/*?*{name}=" for name in FACET_PARAMS), *DUPLICATES]


def robots_txt(sitemap_url: str) -> str:
    lines = [
        "# Jeugdkennis: lists, regions, themes, phases and practices are public; facets and accounts are not."
    ]
    lines += ["User-agent: *", "Allow: /"]
    # Maps are the link-preview images of theme pages (their ?thema= is not a facet of a list).
    lines += ["Allow: /kaarten/*.svg"]
    lines += [f"Disallow: {pattern}" for pattern in disallowed_patterns()]
    lines += ["", f"Sitemap: {sitemap_url}", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class Rule:
    allow: bool
    pattern: str
    regex: re.Pattern

    @classmethod
    def make(cls, allow: bool, pattern: str) -> Rule:
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        regex = "".join(".*" if ch == "*" else re.escape(ch) for ch in body)
        return cls(allow, pattern, re.compile(regex + ("$" if anchored else ""), re.DOTALL))


@dataclass
class RobotsRules:
    """The rules of one robots.txt for `User-agent: *` (the only group this site writes)."""

    rules: list[Rule]
    sitemaps: list[str]

    @classmethod
    def parse(cls, text: str) -> RobotsRules:
        rules: list[Rule] = []
        sitemaps: list[str] = []
        applies = False
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            field, value = (part.strip() for part in line.split(":", 1))
            field = field.lower()
            if field == "user-agent":
                applies = value == "*"
            elif field == "sitemap":
                sitemaps.append(value)
            elif applies and field in ("allow", "disallow") and value:
                rules.append(Rule.make(field == "allow", value))
        return cls(rules, sitemaps)

    def allowed(self, url: str) -> bool:
        """Whether `url` (a path with its query string) may be crawled."""
        best: Rule | None = None
        for rule in self.rules:
            if rule.regex.match(url) and (
                best is None
                or len(rule.pattern) > len(best.pattern)
                or (len(rule.pattern) == len(best.pattern) and rule.allow)
            ):
                best = rule
        return best is None or best.allow
