"""Corrections to reference data by administrators; every change is checked by the policy and audited."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from exchange import audit
from exchange.errors import Conflict, Invalid
from exchange.extensions import db
from exchange.policy import require
from exchange.reference.models import (
    ActionLine,
    CyclePhase,
    Fund,
    FundAllocation,
    Region,
    Theme,
    TransformationPlan,
)

REGION_FIELDS = ("display_name", "display_name_note", "central_municipality", "municipalities", "unverified")
THEME_FIELDS = (
    "slug",
    "name",
    "name_en",
    "description",
    "description_en",
    "action_line_id",
    "position",
    "verified",
    "note",
)
PHASE_FIELDS = (
    "name",
    "name_en",
    "guiding_question",
    "guiding_question_en",
    "description",
    "description_en",
    "verified",
    "source_note",
)
PLAN_FIELDS = ("title", "period_start", "period_end", "summary", "url", "approved_on", "verified")
ALLOCATION_FIELDS = ("basis", "amount_eur", "approx_label", "note", "verified")


def _apply(obj, values: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    changed = []
    for name in fields:
        if name in values and getattr(obj, name) != values[name]:
            setattr(obj, name, values[name])
            changed.append(name)
    return changed


def _audit(actor, kind: str, obj_id: int | None, changed: list[str], **extra) -> None:
    if changed:
        audit.record("reference_edited", actor=actor, kind=kind, id=obj_id, fields=changed, **extra)


def _strip(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def update_region(actor, region: Region, values: dict[str, Any]) -> list[str]:
    """Correct a region's display name, central municipality, municipalities and what is still unverified."""
    require(actor, "reference.edit", region)
    values = dict(values)
    if "municipalities" in values:
        names = [" ".join(n.split()) for n in values["municipalities"]]
        names = [n for n in names if n]
        if not names:
            raise Invalid.on_field("municipalities", _("Een regio heeft minstens één gemeente."))
        if len({n.lower() for n in names}) != len(names):
            raise Invalid.on_field("municipalities", _("Een gemeente staat er dubbel in."))
        values["municipalities"] = names
    if "central_municipality" in values:
        values["central_municipality"] = _strip(values["central_municipality"])
    if "unverified" in values:
        values["unverified"] = sorted(set(values["unverified"]))
    changed = _apply(region, values, REGION_FIELDS)
    _audit(actor, "region", region.id, changed, region=region.code)
    db.session.flush()
    return changed


def save_theme(actor, theme: Theme | None, values: dict[str, Any]) -> Theme:
    """Create a theme (theme None) or correct one. The slug must stay unique."""
    require(actor, "reference.edit", theme)
    slug = (values.get("slug") or "").strip()
    clash = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if clash is not None and clash is not theme:
        message = _("Er is al een thema met deze korte naam.")
        raise Conflict(message, details={"fields": {"slug": message}})
    if (
        values.get("action_line_id") is not None
        and db.session.get(ActionLine, values["action_line_id"]) is None
    ):
        raise Invalid.on_field("action_line", _("Onbekende actielijn."))
    created = theme is None
    if created:
        theme = Theme(slug=slug, name=values["name"])
        db.session.add(theme)
        db.session.flush()
    values = {
        **values,
        "description": (values.get("description") or "").strip(),
        "name_en": _strip(values.get("name_en")),
        "description_en": _strip(values.get("description_en")),
        "note": _strip(values.get("note")),
    }
    changed = _apply(theme, values, THEME_FIELDS)
    _audit(actor, "theme", theme.id, ["created"] if created else changed, theme=theme.slug)
    db.session.flush()
    return theme


def update_phase(actor, phase: CyclePhase, values: dict[str, Any]) -> list[str]:
    """Correct the texts of a cycle phase (its slug and position stay: content refers to them)."""
    require(actor, "reference.edit", phase)
    values = {**values}
    for key in ("name_en", "guiding_question_en", "description_en", "source_note"):
        if key in values:
            values[key] = _strip(values[key])
    for key in ("guiding_question", "description"):
        if key in values:
            values[key] = (values[key] or "").strip()
    changed = _apply(phase, values, PHASE_FIELDS)
    _audit(actor, "phase", phase.id, changed, phase=phase.slug)
    db.session.flush()
    return changed


def update_plan(
    actor, region: Region, values: dict[str, Any], action_line_ids: list[int]
) -> TransformationPlan:
    """Correct a region's transformation plan facts, including the action lines it addresses.

    Setting the action lines makes them real data: the plan is no longer marked as demo.
    """
    require(actor, "reference.edit", region)
    start, end = values.get("period_start"), values.get("period_end")
    if start is not None and end is not None and start > end:
        raise Invalid.on_field("period_end", _("Het laatste jaar ligt voor het eerste jaar."))
    lines = list(db.session.scalars(select(ActionLine).where(ActionLine.id.in_(action_line_ids))))
    if len(lines) != len(set(action_line_ids)):
        raise Invalid.on_field("action_lines", _("Onbekende actielijn."))
    plan = region.plan
    if plan is None:
        plan = TransformationPlan(region_id=region.id)
        db.session.add(plan)
        db.session.flush()
    values = {**values}
    for key in ("title", "summary", "url"):
        if key in values:
            values[key] = _strip(values[key])
    changed = _apply(plan, values, PLAN_FIELDS)
    wanted = sorted(lines, key=lambda x: x.number)
    if [x.id for x in plan.action_lines] != [x.id for x in wanted] or plan.is_demo:
        if [x.id for x in plan.action_lines] != [x.id for x in wanted]:
            changed.append("action_lines")
        plan.action_lines = wanted
        plan.is_demo = False
    _audit(actor, "plan", plan.id, changed, region=region.code)
    db.session.flush()
    return plan


def _fund() -> Fund:
    fund = db.session.scalar(select(Fund).order_by(Fund.id))
    if fund is None:
        raise Invalid(_("Er is nog geen fonds geladen (flask seed reference)."))
    return fund


def _ensure_unique_allocation(
    fund_id: int, region_id: int, basis: str, current: FundAllocation | None
) -> None:
    clash = db.session.scalar(
        select(FundAllocation).where(
            FundAllocation.fund_id == fund_id,
            FundAllocation.region_id == region_id,
            FundAllocation.basis == basis,
        )
    )
    if clash is not None and clash is not current:
        message = _("Deze regio heeft al een toekenning van deze soort; pas die aan.")
        raise Conflict(message, details={"fields": {"basis": message}})


def add_allocation(actor, region: Region, values: dict[str, Any]) -> FundAllocation:
    """Record a known Transformatiefonds allocation for a region (one per kind: annual or total)."""
    require(actor, "reference.edit", region)
    fund = _fund()
    _ensure_unique_allocation(fund.id, region.id, values["basis"], None)
    allocation = FundAllocation(fund_id=fund.id, region_id=region.id, basis=values["basis"], source_keys=[])
    db.session.add(allocation)
    values = {**values, "note": _strip(values.get("note"))}
    _apply(allocation, values, ALLOCATION_FIELDS)
    db.session.flush()
    _audit(actor, "allocation", allocation.id, ["created"], region=region.code)
    return allocation


def update_allocation(actor, allocation: FundAllocation, values: dict[str, Any]) -> list[str]:
    require(actor, "reference.edit", allocation)
    _ensure_unique_allocation(allocation.fund_id, allocation.region_id, values["basis"], allocation)
    values = {**values, "note": _strip(values.get("note"))}
    changed = _apply(allocation, values, ALLOCATION_FIELDS)
    _audit(actor, "allocation", allocation.id, changed, region=allocation.region.code)
    db.session.flush()
    return changed


def remove_allocation(actor, allocation: FundAllocation) -> None:
    require(actor, "reference.edit", allocation)
    _audit(actor, "allocation", allocation.id, ["removed"], region=allocation.region.code)
    db.session.delete(allocation)
    db.session.flush()
