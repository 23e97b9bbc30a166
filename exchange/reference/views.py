"""Public pages for regions, action lines, themes, the development cycle and the fund."""
from __future__ import annotations

from flask import Blueprint, render_template

from exchange.reference import queries

bp = Blueprint("reference", __name__)


@bp.get("/regios")
def regions():
    regions = queries.list_regions()
    provinces = sorted({r.province for r in regions})
    return render_template("reference/regions.html", regions=regions, provinces=provinces)


@bp.get("/regios/<slug>")
def region(slug: str):
    region = queries.get_region(slug)
    keys = list(region.source_keys) + (list(region.plan.source_keys) if region.plan else [])
    keys += [k for a in region.allocations for k in a.source_keys]
    return render_template("reference/region.html", region=region, sources=queries.sources_by_key(keys))


@bp.get("/actielijnen")
def action_lines():
    return render_template("reference/action_lines.html", lines=queries.list_action_lines())


@bp.get("/actielijnen/<int:number>")
def action_line(number: int):
    line = queries.get_action_line(number)
    return render_template(
        "reference/action_line.html", line=line, sources=queries.sources_by_key(line.source_keys)
    )


@bp.get("/themas")
def themes():
    return render_template("reference/themes.html", themes=queries.list_themes())


@bp.get("/themas/<slug>")
def theme(slug: str):
    theme = queries.get_theme(slug)
    return render_template("reference/theme.html", theme=theme, sources=queries.sources_by_key(theme.source_keys))


@bp.get("/ontwikkelcirkel")
def cycle():
    return render_template("reference/cycle.html", phases=queries.list_phases())


@bp.get("/transformatiefonds")
def fund():
    fund = queries.get_fund()
    regions = queries.list_regions()
    allocations = {a.region_id: a for a in fund.allocations} if fund else {}
    sources = queries.sources_by_key(fund.source_keys if fund else [])
    return render_template("reference/fund.html", fund=fund, regions=regions, allocations=allocations, sources=sources)
