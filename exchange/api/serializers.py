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
        "short_en": line.short_en,
        "reported_plan_count": line.reported_plan_count,
        "recorded_plan_count": len(line.plans),
        "regions": sorted(p.region.code for p in line.plans),
        "themes": [t.slug for t in line.themes],
        "url": url_for("reference.action_line", number=line.number, _external=True),
    }


def theme(theme: Theme, contacts=()) -> dict:
    """A theme with its contacts: the functionaries the theme page lists, with the name and address shown there."""
    return {
        "slug": theme.slug,
        "name": theme.name,
        "name_en": theme.name_en,
        "description": theme.description,
        "description_en": theme.description_en,
        "action_line": theme.action_line.number if theme.action_line else None,
        "verified": theme.verified,
        "contacts": [{"name": person.display_name, "email": person.email} for person in contacts],
        "url": url_for("reference.theme", slug=theme.slug, _external=True),
    }


def cycle_phase(phase: CyclePhase) -> dict:
    return {
        "slug": phase.slug,
        "position": phase.position,
        "name": phase.name,
        "name_en": phase.name_en,
        "guiding_question": phase.guiding_question,
        "guiding_question_en": phase.guiding_question_en,
        "description": phase.description,
        "description_en": phase.description_en,
        "verified": phase.verified,
    }


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value):
    from exchange.practices.transfer.export import number

    return number(value)


def practice_summary(practice) -> dict:
    """A published practice in API lists (region, themes, phase and action lines eagerly loaded)."""
    region = practice.region
    return {
        "id": practice.id,
        "title": practice.title,
        "summary": practice.summary,
        "region": {
            "code": region.code,
            "slug": region.slug,
            "name": region.display_name,
            "url": url_for("reference.region", slug=region.slug, _external=True),
        },
        "themes": [{"slug": t.slug, "name": t.name} for t in practice.themes],
        "action_lines": [x.number for x in practice.action_lines],
        "phase": {
            "slug": practice.phase.slug,
            "position": practice.phase.position,
            "name": practice.phase.name,
        },
        "target_group": practice.target_group,
        "period": {"start": _day(practice.period_start), "end": _day(practice.period_end)},
        "published_at": _day(practice.published_at),
        "updated_at": _day(practice.updated_at),
        "is_demo": practice.is_demo,
        "profile": practice_profile(practice),
        "url": url_for("practices.detail", practice_id=practice.id, _external=True),
        "api_url": url_for("api.practice", practice_id=practice.id, _external=True),
    }


def practice_profile(practice) -> dict:
    """The profile (issue 17): stored values with their Dutch labels; null where nothing is filled in."""
    from exchange.practices import profile

    def level(vocabulary, value):
        return None if value is None else {"value": value, "label": profile.label(vocabulary, value)}

    return {
        "age_from": practice.age_from,
        "age_to": practice.age_to,
        "partners": [{"name": o.name, "kind": o.kind} for o in practice.partners],
        "participation": {
            "level": level(profile.PARTICIPATION_LEVELS, practice.participation_level),
            "note": practice.participation_note or "",
        },
        "evidence": {
            "level": level(profile.EVIDENCE_LEVELS, practice.evidence_level),
            "url": practice.evidence_url or None,
            "year": practice.evidence_year,
        },
        "costs": {
            "indication": practice.cost_indication or "",
            "fund_used": practice.fund_used,
            "fund_amount_eur": practice.fund_amount_eur,
        },
    }


def practice_detail(practice) -> dict:
    """A published practice with its body, contact, links, results (oldest first) and path through the cycle."""
    from exchange.markdown import render_markdown

    data = practice_summary(practice)
    data.update(
        {
            "body": practice.body,
            "body_html": str(render_markdown(practice.body)),
            "contact": {"name": practice.contact_name, "email": practice.contact_email},
            "links": [{"title": link.title, "url": link.url} for link in practice.links],
            "results": [
                {
                    "id": r.id,
                    "indicator": r.indicator,
                    "value": _number(r.value),
                    "unit": r.unit,
                    "baseline": _number(r.baseline),
                    "target": _number(r.target),
                    "measured_on": r.measured_on.isoformat(),
                    "phase": r.phase.slug,
                    "narrative": r.narrative,
                    "updated_at": _day(r.updated_at),
                }
                for r in sorted(practice.results, key=lambda r: (r.measured_on, r.id))
            ],
            "cycle_steps": [
                {
                    "from": step.from_phase.slug if step.from_phase else None,
                    "to": step.to_phase.slug,
                    "date": step.moved_on.isoformat(),
                    "explanation": step.explanation,
                }
                for step in practice.steps
            ],
        }
    )
    return data


def result(result) -> dict:
    """A result of a published practice for /api/v1/results (phase and practice.region eagerly loaded)."""
    practice = result.practice
    return {
        "id": result.id,
        "indicator": result.indicator,
        "value": _number(result.value),
        "unit": result.unit,
        "baseline": _number(result.baseline),
        "target": _number(result.target),
        "measured_on": result.measured_on.isoformat(),
        "phase": {"slug": result.phase.slug, "position": result.phase.position, "name": result.phase.name},
        "narrative": result.narrative,
        "updated_at": _day(result.updated_at),
        "practice": {
            "id": practice.id,
            "title": practice.title,
            "region": {
                "code": practice.region.code,
                "slug": practice.region.slug,
                "name": practice.region.display_name,
            },
            "url": url_for("practices.detail", practice_id=practice.id, _external=True),
            "api_url": url_for("api.practice", practice_id=practice.id, _external=True),
        },
    }
