"""Map downloads (/kaarten/<name>.svg and .csv) and the `maps` template global the page partials call."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from exchange.extensions import db
from exchange.maps import bp
from exchange.maps import data as maps_data
from exchange.maps.cache import for_visitors
from exchange.maps.render import legend_swatch, map_csv, render_svg, split_regions
from exchange.policy import can
from exchange.reference.lookups import ThemeNotFound, find_theme
from exchange.reference.models import ActionLine, Theme


def _theme_from_args() -> Theme:
    slug = request.args.get("thema", "")
    try:
        return find_theme(slug[:80])
    except ThemeNotFound:
        abort(404)


def _line_from_args() -> ActionLine:
    raw = request.args.get("actielijn", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3:
        abort(404)
    line = db.session.scalar(select(ActionLine).where(ActionLine.number == int(raw)))
    if line is None:
        abort(404)
    return line


def _coaching_for_current_user():
    if not can(current_user, "dashboard.view"):
        abort(403 if current_user.is_authenticated else 401)
    return maps_data.coaching_map(current_user)


BUILDERS = {
    "activiteit": lambda: maps_data.activity_map(current_user),
    "thema": lambda: maps_data.theme_map(current_user, _theme_from_args()),
    "actielijn": lambda: maps_data.action_line_map(_line_from_args()),
    "fonds": maps_data.fund_map,
    "mijn-regios": _coaching_for_current_user,
}


def region_url(**options) -> Callable[[str], str]:
    """A fast `url_for("reference.region", slug=...)`: one URL build per map instead of one per region."""
    marker = "__region__"
    base = url_for("reference.region", slug=marker, **options)
    return lambda slug: base.replace(marker, quote(slug, safe=""))


def _filename(data: maps_data.MapData, ext: str) -> str:
    suffix = "".join(f"-{v}" for v in data.params.values())
    return f"jeugdkennis-kaart-{data.name}{suffix}.{ext}"


def download_response(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The numbers depend on who asks (drafts are visible to their own region): never share a cached copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/kaarten/<name>.svg")
def svg(name: str):
    build = BUILDERS.get(name) or abort(404)
    data = build()
    body = render_svg(data, region_url(_external=True), standalone=True)
    return download_response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + str(body), "image/svg+xml", _filename(data, "svg")
    )


@bp.get("/kaarten/<name>.csv")
def csv(name: str):
    build = BUILDERS.get(name) or abort(404)
    data = build()
    return download_response(map_csv(data), "text/csv", _filename(data, "csv"))


class MapHelpers:
    """`maps` in templates: build a map for the current user and render its figure partial."""

    def activity(self) -> maps_data.MapData:
        return maps_data.activity_map(current_user)

    def theme(self, theme) -> maps_data.MapData:
        return maps_data.theme_map(current_user, theme)

    def action_line(self, line) -> maps_data.MapData:
        return maps_data.action_line_map(line)

    def fund(self) -> maps_data.MapData:
        return maps_data.fund_map()

    def coaching(self) -> maps_data.MapData | None:
        """Only for functionaries: an administrator's dashboard has no assigned regions to show."""
        role = getattr(getattr(current_user, "role", None), "value", None)
        return maps_data.coaching_map(current_user) if role == "functionary" else None

    def svg(self, data: maps_data.MapData, href: Callable[[str], str], heading_id: str = "") -> Markup:
        return render_svg(data, href, heading_id=heading_id)

    def split(self, data: maps_data.MapData):
        return split_regions(data)

    def swatch(self, cls, data: maps_data.MapData) -> Markup:
        return legend_swatch(cls, f"kaart-{data.name}")

    def download_url(self, data: maps_data.MapData, ext: str) -> str:
        return url_for(f"maps.{ext}", name=data.name, **data.params)

    def figure(self, data: maps_data.MapData | None) -> Markup:
        """The whole figure (heading, map, legend, caption, table toggle, downloads) for one map."""
        if data is None:
            return Markup("")
        return Markup(render_template("maps/_figure.html", map=data, href=region_url()))

    def home_figure(self) -> Markup:
        """The home page's map, shared between visitors until the practices change (exchange.maps.cache)."""
        return for_visitors(current_user, "home-map", lambda: self.figure(self.activity()))


bp.add_app_template_global(MapHelpers(), "maps")  # type: ignore[arg-type]
