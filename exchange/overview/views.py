"""The national overview page and the CSV download of each of its figures."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from exchange.maps.render import write_csv
from exchange.maps.views import download_response
from exchange.overview import bp, figures, queries
from exchange.reference.lookups import ThemeNotFound, find_theme
from exchange.reference.models import Theme


def _theme_filter() -> Theme | None:
    """`?thema=<slug>`: absent or empty means all themes; an unknown slug is a 404."""
    slug = request.args.get("thema", "")
    if not slug:
        return None
    try:
        return find_theme(slug[:80])
    except ThemeNotFound:
        abort(404)


@bp.get("/overzicht")
def index():
    theme = _theme_filter()
    return render_template(
        "overview/index.html", theme=theme, themes=queries.themes(), **figures.overview(current_user, theme)
    )


FIGURES = {
    "per-kwartaal": lambda: figures.per_quarter(current_user, _theme_filter()),
    "fasen": lambda: figures.phases_per_theme(current_user),
    "resultaten": lambda: figures.results_per_line(current_user),
    "stille-regios": figures.silent_regions,
    "themas": lambda: figures.active_themes(current_user),
}


@bp.get("/overzicht/<name>.csv")
def csv(name: str):
    build = FIGURES.get(name) or abort(404)
    figure = build()
    suffix = "".join(f"-{v}" for v in figure.params.values())
    header, rows = figures.csv_table(figure)
    return download_response(write_csv(header, rows), "text/csv", f"jeugdkennis-{figure.key}{suffix}.csv")
