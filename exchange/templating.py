"""Template globals, filters and context shared by every page."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_decimal, get_locale

from exchange.i18n import format_eur, lang_url, localized


def show_provenance() -> bool:
    """Whether to flag unverified reference facts (administrators only)."""
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False) and getattr(current_user, "is_admin", False))


def register_template_helpers(app: Flask) -> None:
    from exchange import charts
    from exchange.markdown import render_markdown
    from exchange.policy import can
    from exchange.reference.naming import action_line_full_name, action_line_label

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        localized=localized, get_locale=get_locale, lang_url=lang_url, can=can, charts=charts
    )
    # The practice profile's vocabularies and small helpers (templates/practices/_profile_*.html).
    from exchange.practices import profile as practice_profile

    app.jinja_env.globals["practice_profile"] = practice_profile
    app.jinja_env.filters.update(
        eur=format_eur, date=format_date, number=format_decimal, markdown=render_markdown
    )
    # An action line has one name everywhere (exchange/reference/naming.py).
    app.jinja_env.filters.update(action_line=action_line_label, action_line_full=action_line_full_name)

    @app.context_processor
    def inject_provenance() -> dict:
        return {"show_provenance": show_provenance()}
