"""One URL per page: the canonical address, its language alternates, and whether a page may be indexed.

A page is reachable under many spellings: query parameters in any order, `lang=` in the URL or only in the
session, `pagina=1` or nothing, a trailing slash, a region code or a slug in another case. Each page names one
of them as canonical, under EXTERNAL_URL: the path without a trailing slash, only the parameters that change
what the page is about (the search terms and the page number), in a fixed order, and `lang=en` for the English
page. Dutch is the default language, so the Dutch URL carries no `lang`.

Pages with facets (any filter or sort parameter, see robots.FACET_PARAMS), the search pages and the private
pages robots.txt disallows carry `noindex`.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import current_app, redirect, request
from flask_babel import get_locale

from exchange.seo.robots import FACET_PARAMS, PRIVATE_PREFIXES

# The parameters that make a different page (in this order); everything else is a facet, a sort or noise.
IDENTITY_PARAMS = ("q", "pagina")


def _base() -> str:
    return current_app.config["EXTERNAL_URL"].rstrip("/")


def canonical_path(path: str) -> str:
    return path.rstrip("/") or "/"


def canonical_url(lang: str | None = None) -> str:
    """The canonical URL of the current page, in `lang` (default: the language it is shown in)."""
    lang = lang or str(get_locale())
    params = []
    for name in IDENTITY_PARAMS:
        value = request.args.get(name, "").strip()
        if not value or (name == "pagina" and value == "1"):
            continue
        params.append((name, value))
    if lang != current_app.config["BABEL_DEFAULT_LOCALE"]:
        params.append(("lang", lang))
    query = f"?{urlencode(params)}" if params else ""
    return f"{_base()}{canonical_path(request.path)}{query}"


def language_alternates() -> list[tuple[str, str]]:
    """(hreflang, URL) for every language, plus x-default (the Dutch page)."""
    languages = current_app.config["LANGUAGES"]
    pairs = [(lang, canonical_url(lang)) for lang in languages]
    pairs.append(("x-default", canonical_url(current_app.config["BABEL_DEFAULT_LOCALE"])))
    return pairs


def is_faceted(args=None) -> bool:
    args = request.args if args is None else args
    return any(name in args for name in FACET_PARAMS)


def robots_directive() -> str | None:
    """The content of `<meta name="robots">` for the current page, or None when it may be indexed."""
    path = request.path
    if request.endpoint is None:  # 404 and other pages without a route
        return "noindex"
    private = any(
        path.startswith(prefix.rstrip("?")) for prefix in PRIVATE_PREFIXES if not prefix.endswith("?")
    )
    if private:
        return "noindex, nofollow"
    if is_faceted() or path.startswith("/zoeken"):  # search pages: found through the lists, not indexed
        return "noindex, follow"
    return None


def redirect_trailing_slash():
    """Before a request: /praktijken/ answers 301 to /praktijken (same query) instead of a 404."""
    path = request.path
    if path == "/" or not path.endswith("/") or request.routing_exception is None:
        return None
    if request.method not in ("GET", "HEAD"):
        return None
    stripped = path.rstrip("/") or "/"
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(stripped, method="GET")
    except Exception:  # noqa: BLE001 - any routing outcome but a match keeps the original 404
        return None
    query = urlsplit(request.full_path).query
    return redirect(f"{request.script_root}{stripped}{'?' + query if query else ''}", code=301)
