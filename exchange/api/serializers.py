"""Plain-dict representations of public objects for the JSON API."""
from __future__ import annotations

from flask import url_for

from exchange.reference.models import ActionLine, CyclePhase, Region, Theme


def region_summary(region: Region) -> dict:
    return {
        "code": region.code,
        "slug": region.slug,
        "name": region.display_name,
        "cbs_name": region.name,
        "province": region.province,
        "provinces": list(region.provinces),
        "url": url_for("reference.region", slug=region.slug, _external=True),
    }


def region_detail(region: Region) -> dict:
    plan = region.plan
    data = region_summary(region)
    data.update(
        {
            "central_municipality": region.central_municipality,
            "municipalities": list(region.municipalities),
            "municipality_count": region.municipality_count,
            "unverified_fields": list(region.unverified),
            "plan": None
            if plan is None
            else {
                "title": plan.title,
                "period_start": plan.period_start,
                "period_end": plan.period_end,
                "summary": plan.summary,
                "url": plan.url,
                "approved_on": plan.approved_on.isoformat() if plan.approved_on else None,
                "action_lines": [line.number for line in plan.action_lines],
                "is_demo": plan.is_demo,
            },
            "fund_allocations": [
                {
                    "basis": a.basis,
                    "amount_eur": a.amount_eur,
                    "approximation": a.approx_label,
                    "note": a.note,
                }
                for a in region.allocations
            ],
        }
    )
    return data


def action_line(line: ActionLine) -> dict:
    return {
        "number": line.number,
        "slug": line.slug,
        "title": line.title,
        "title_en": line.title_en,
        "short": line.short,
        "reported_plan_count": line.reported_plan_count,
        "recorded_plan_count": len(line.plans),
        "regions": sorted(p.region.code for p in line.plans),
        "themes": [t.slug for t in line.themes],
        "url": url_for("reference.action_line", number=line.number, _external=True),
    }


def theme(theme: Theme) -> dict:
    return {
        "slug": theme.slug,
        "name": theme.name,
        "name_en": theme.name_en,
        "description": theme.description,
        "action_line": theme.action_line.number if theme.action_line else None,
        "verified": theme.verified,
        "url": url_for("reference.theme", slug=theme.slug, _external=True),
    }


def cycle_phase(phase: CyclePhase) -> dict:
    return {
        "slug": phase.slug,
        "position": phase.position,
        "name": phase.name,
        "name_en": phase.name_en,
        "guiding_question": phase.guiding_question,
        "description": phase.description,
        "description_en": phase.description_en,
        "verified": phase.verified,
    }
