"""Public pages for regions, action lines, themes, the development cycle and the fund."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from exchange.practices import queries as practice_queries
from exchange.reference import queries

bp = Blueprint("reference", __name__)


@bp.get("/regios")
def regions():
    regions = queries.list_regions()
    provinces = sorted({r.province for r in regions})
    return render_template("reference/regions.html", regions=regions, provinces=provinces)


def _theme_filter(themes):
    slug = request.args.get("thema")
    if not slug:
        return None
    theme = next((t for t in themes if t.slug == slug), None)
    if theme is None:
        abort(404)
    return theme


def _phase_filter(phases):
    slug = request.args.get("fase")
    if not slug:
        return None
    phase = next((p for p in phases if p.slug == slug), None)
    if phase is None:
        abort(404)
    return phase


@bp.get("/regios/<slug>")
def region(slug: str):
    region = queries.get_region(slug)
    themes, phases = queries.list_themes(), queries.list_phases()
    theme, phase = _theme_filter(themes), _phase_filter(phases)
    practices = practice_queries.list_practices(
        current_user, region_id=region.id, theme_id=theme.id if theme else None, phase_id=phase.id if phase else None
    )
    keys = list(region.source_keys) + (list(region.plan.source_keys) if region.plan else [])
    keys += [k for a in region.allocations for k in a.source_keys]
    return render_template(
        "reference/region.html",
        region=region,
        sources=queries.sources_by_key(keys),
        practices=practices,
        results=practice_queries.latest_results(current_user, region_id=region.id, limit=10),
        themes=themes,
        phases=phases,
        theme_filter=theme,
        phase_filter=phase,
    )


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
    regions, lines = queries.list_regions(), queries.list_action_lines()
    region_slug, province = request.args.get("regio"), request.args.get("provincie")
    line_number = request.args.get("actielijn", type=int)
    region = next((r for r in regions if r.slug == region_slug), None) if region_slug else None
    line = next((x for x in lines if x.number == line_number), None) if line_number is not None else None
    provinces = sorted({r.province for r in regions})
    if (region_slug and region is None) or (province and province not in provinces) or (
        "actielijn" in request.args and line is None
    ):
        abort(404)
    practices = practice_queries.list_practices(
        current_user,
        theme_id=theme.id,
        region_id=region.id if region else None,
        province=province or None,
        action_line_id=line.id if line else None,
    )
    return render_template(
        "reference/theme.html",
        theme=theme,
        sources=queries.sources_by_key(theme.source_keys),
        practices=practices,
        phases=queries.list_phases(),
        regions=regions,
        provinces=provinces,
        lines=lines,
        region_filter=region,
        province_filter=province,
        line_filter=line,
        results=practice_queries.latest_results(current_user, theme_id=theme.id, limit=10),
    )


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
