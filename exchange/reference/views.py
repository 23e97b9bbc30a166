"""Public pages for the list of regions, action lines, themes, the development cycle and the fund.

A region's and a theme's own page list practices, so they live with practices (exchange/practices/browse.py).
Each answers visitors from the per-worker store while the data version stands (`caching.visitor`): they change
only when the reference data does, and the development cycle's page alone took some 3 ms to render.
"""

from __future__ import annotations

from flask import render_template

from exchange.caching.visitor import visitor_cached
from exchange.reference import bp, queries


@bp.get("/regios")
@visitor_cached
def regions():
    regions = queries.list_regions()
    provinces = sorted({r.province for r in regions})
    return render_template("reference/regions.html", regions=regions, provinces=provinces)


@bp.get("/actielijnen")
@visitor_cached
def action_lines():
    return render_template("reference/action_lines.html", lines=queries.list_action_lines())


@bp.get("/actielijnen/<int:number>")
@visitor_cached
def action_line(number: int):
    line = queries.get_action_line(number)
    return render_template(
        "reference/action_line.html", line=line, sources=queries.sources_by_key(line.source_keys)
    )


@bp.get("/themas")
@visitor_cached
def themes():
    return render_template("reference/themes.html", themes=queries.list_themes())


@bp.get("/ontwikkelcirkel")
@visitor_cached
def cycle():
    return render_template("reference/cycle.html", phases=queries.list_phases())


@bp.get("/transformatiefonds")
@visitor_cached
def fund():
    fund = queries.get_fund()
    regions = queries.list_regions()
    allocations = {a.region_id: a for a in fund.allocations} if fund else {}
    sources = queries.sources_by_key(fund.source_keys if fund else [])
    return render_template(
        "reference/fund.html", fund=fund, regions=regions, allocations=allocations, sources=sources
    )
