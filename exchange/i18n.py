"""Locale selection (Dutch first, English second) and template helpers for bilingual data."""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import format_decimal, get_locale


def select_locale() -> str:
    """`?lang=` switches and remembers the choice; otherwise the session, else Dutch (not the browser)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI, services in tests, mail after commit
    if request.path.startswith("/api/"):
        # The JSON API is the same for every client (it carries both languages where it has them): cacheable.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    remembered = session.get("lang")
    if remembered in languages:
        return remembered
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def locale_selector() -> Locale:
    """`select_locale` as a Babel locale, parsed once per language and process: Flask-Babel parses what its
    selector returns on every request, and a `Locale` is taken as it is."""
    return _locale(select_locale())


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def localized(obj, field: str) -> str:
    """Return `obj.<field>_en` in English when it is filled in, else the Dutch `obj.<field>`."""
    if str(get_locale()) == "en":
        english = getattr(obj, f"{field}_en", None)
        if english:
            return english
    return getattr(obj, field)


def format_eur(amount: float | None) -> str:
    if amount is None:
        return ""
    return "€ " + format_decimal(amount, format="#,##0")


def lang_url(lang: str) -> str:
    """The current page's URL with `lang` switched (keeps the rest of the query string)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    query = "&".join(f"{quote(k)}={quote(v)}" for k, values in args.items() for v in values)
    return f"{request.path}?{query}"


def current_language() -> str:
    """The language of the page being served ("nl" or "en"); "nl" outside a request (CLI, cron).

    New subscribers and accounts get it as the language of their mail until they choose another."""
    locale = get_locale() if has_request_context() else None
    return "en" if locale is not None and locale.language == "en" else "nl"


MAIL_LANGUAGES = ("nl", "en")


def mail_language(value: str | None) -> str:
    """A stored or submitted language, "nl" when it is not one we write mail in."""
    return value if value in MAIL_LANGUAGES else "nl"


def one_language(text: str | None) -> str:
    """The current language's half of a bilingual "Nederlands / English" text (the OpenAPI document's
    descriptions are written so, as the API serves both languages); other texts unchanged."""
    text = text or ""
    parts = text.split(" / ")
    if len(parts) != 2:
        return text
    return parts[1] if current_language() == "en" else parts[0]
