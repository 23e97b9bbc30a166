"""Applying checked import plans: create or update each practice through the same services as the pages, as the
system actor, inside the caller's transaction (flush only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from exchange.database import utctoday
from exchange.documents import carry
from exchange.errors import DomainError, Invalid
from exchange.extensions import db
from exchange.policy import SYSTEM
from exchange.practices import cycle, results, services
from exchange.practices.models import Practice, Status
from exchange.practices.profile import ProfileData
from exchange.practices.transfer.planning import ItemPlan, check_document
from exchange.practices.transfer.profile import profile_of

IMPORT_MOVE_EXPLANATION = "Fase bijgewerkt via import."


def utc_midnight(day: date) -> datetime:
    """A date from the file as a stored instant: midnight UTC."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    results_added: int = 0
    results_updated: int = 0
    steps_recorded: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return (
            f"Praktijkvoorbeelden: {self.created} nieuw, {self.updated} bijgewerkt, {self.unchanged} ongewijzigd. "
            f"Resultaten: {self.results_added} nieuw, {self.results_updated} bijgewerkt. "
            f"Stappen in de ontwikkelcirkel: {self.steps_recorded} vastgelegd."
        )


def _apply_results(plan: ItemPlan, practice: Practice, report: ImportReport) -> bool:
    changed = False
    for item in plan.results:
        data = item.data
        if item.match is None:
            services.add_result(SYSTEM, practice, data)
            report.results_added += 1
            changed = True
        elif results.update_result(SYSTEM, item.match, data):
            # A matched result is corrected like on the page: one revision naming what changed.
            report.results_updated += 1
            changed = True
    return changed


def _set_day(practice: Practice, attribute: str, day: date | None) -> bool:
    current = getattr(practice, attribute)
    if day is None or (current is not None and current.date() == day):
        return False
    setattr(practice, attribute, utc_midnight(day))
    return True


def _apply_status(plan: ItemPlan, practice: Practice) -> bool:
    if plan.status == practice.status:
        return False
    if plan.status == Status.PUBLISHED:
        services.publish_practice(SYSTEM, practice)
    elif plan.status == Status.ARCHIVED:
        if practice.status == Status.DRAFT and plan.published:
            services.publish_practice(SYSTEM, practice)  # it was public before it was archived
        services.archive_practice(SYSTEM, practice)
    return True


def _create(plan: ItemPlan, report: ImportReport) -> Practice:
    first = plan.steps[0] if plan.steps else None
    data = services.PracticeData(**{**plan.data.__dict__, "profile": plan.data.profile or ProfileData()})
    if first is not None:
        data = services.PracticeData(**{**data.__dict__, "phase": first.to_phase})
    practice = services.create_practice(
        SYSTEM,
        plan.region,
        data,
        external_id=plan.external_id,
        is_demo=plan.demo,
        started_on=first.moved_on if first else (plan.created or None),
        start_explanation=(first.explanation or None) if first else None,
    )
    report.steps_recorded += 1
    for step in (plan.steps or [])[1:]:
        cycle.move_phase(SYSTEM, practice, step.to_phase, step.explanation, step.moved_on)
        report.steps_recorded += 1
    if practice.phase_id != plan.data.phase.id:
        cycle.move_phase(SYSTEM, practice, plan.data.phase, IMPORT_MOVE_EXPLANATION, utctoday())
        report.steps_recorded += 1
    _apply_status(plan, practice)
    _apply_results(plan, practice, report)
    _set_day(practice, "created_at", plan.created)
    if plan.status != Status.DRAFT:
        _set_day(practice, "published_at", plan.published)
    if plan.status == Status.ARCHIVED:
        _set_day(practice, "archived_at", plan.archived)
    if plan.updated:
        practice.updated_at = utc_midnight(plan.updated)
    report.created += 1
    return practice


def _update(plan: ItemPlan, report: ImportReport) -> None:
    practice = plan.existing
    kept = plan.data.profile if plan.data.profile is not None else profile_of(practice)
    data = services.PracticeData(**{**plan.data.__dict__, "phase": practice.phase, "profile": kept})
    changed = services.update_practice(SYSTEM, practice, data, expected_revision=None)
    if practice.is_demo != plan.demo:
        practice.is_demo = plan.demo
        changed = True
    for step in plan.new_steps:
        cycle.move_phase(SYSTEM, practice, step.to_phase, step.explanation, step.moved_on)
        report.steps_recorded += 1
        changed = True
    if plan.final_move:
        cycle.move_phase(SYSTEM, practice, plan.data.phase, IMPORT_MOVE_EXPLANATION, utctoday())
        report.steps_recorded += 1
        changed = True
    changed = _apply_status(plan, practice) or changed
    changed = _apply_results(plan, practice, report) or changed
    changed = _set_day(practice, "created_at", plan.created) or changed
    if practice.status != Status.DRAFT:
        changed = _set_day(practice, "published_at", plan.published) or changed
    if practice.status == Status.ARCHIVED:
        changed = _set_day(practice, "archived_at", plan.archived) or changed
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _apply_documents(plan: ItemPlan, practice: Practice, folder: Path | None) -> None:
    if not plan.documents:
        return
    if folder is None:
        raise Invalid.on_field(
            "documents", "het bestand noemt documenten: geef de map met de bestanden (--documents)"
        )
    carry.import_documents(SYSTEM, practice, plan.documents, folder, "documents")


def apply_plans(
    plans: list[ItemPlan],
    *,
    progress: Callable[[int], None] | None = None,
    documents_dir: Path | None = None,
) -> ImportReport:
    """Write checked plans through the services (as the system actor). Flushes only; the caller commits.

    Attached documents are read by checksum from `documents_dir` (documents.carry)."""
    report = ImportReport()
    without_id = sum(1 for p in plans if not p.external_id)
    if without_id:
        report.warnings.append(
            f"{without_id} praktijkvoorbeeld(en) zonder external_id: opnieuw importeren maakt ze opnieuw aan."
        )
    for plan in plans:
        try:
            if plan.existing is None:
                practice = _create(plan, report)
            else:
                practice = plan.existing
                _update(plan, report)
            _apply_documents(plan, practice, documents_dir)
        except DomainError as error:
            fields = error.details.get("fields") or {}
            places = {f"{plan.label}.{name}": message for name, message in fields.items()}
            raise Invalid.on_fields(
                places or {plan.label: error.text()},
                "Het bestand kon niet worden toegepast; er is niets geïmporteerd.",
            ) from error
        if progress is not None:
            progress(1)
    db.session.flush()
    return report


def import_practices(
    doc: Any, *, demo: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Check a whole parsed document, then create or update its practices (as the system actor).

    Raises Invalid (``fields`` names every problem by its place) and writes nothing when anything is wrong. `demo`
    marks every practice as demo content. Flushes only: the caller owns the one transaction.
    """
    plans = check_document(doc, demo=demo)
    return apply_plans(plans, progress=progress)
