"""The development cycle of a practice: its dated steps, the rules they follow, and the next phase to propose.

Steps tell the practice's true history, so they may lie before the practice was registered on the platform,
but never in the future and never before the step before them. Services here check permission first, flush,
never commit (as in exchange.practices.services, whose revision record and limits they share).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.database import utcnow, utctoday
from exchange.errors import Invalid
from exchange.extensions import db
from exchange.policy import require
from exchange.practices import services
from exchange.practices.models import CycleStep, Practice, PracticeRevision, Result
from exchange.reference.models import CyclePhase, Region


def next_phase(current: CyclePhase | None, phases: list[CyclePhase]) -> CyclePhase | None:
    """The phase after `current` in cycle order; after the last phase the cycle starts again at the first."""
    ordered = sorted(phases, key=lambda p: p.position)
    if not ordered:
        return None
    if current is None:
        return ordered[0]
    later = [p for p in ordered if p.position > current.position]
    return later[0] if later else ordered[0]


def steps_of(practice: Practice) -> list[CycleStep]:
    """The practice's steps in order (oldest first), with their phases and authors (a fixed number of queries)."""
    return list(
        db.session.scalars(
            select(CycleStep)
            .where(CycleStep.practice_id == practice.id)
            .options(
                selectinload(CycleStep.from_phase),
                selectinload(CycleStep.to_phase),
                selectinload(CycleStep.author),
            )
            .order_by(CycleStep.moved_on, CycleStep.id)
        )
    )


def step_date_errors(moved_on: date | None, previous: CycleStep | None) -> dict[str, str]:
    """Why `moved_on` cannot date a step after `previous` (none: it can), as {"moved_on": message}."""
    if moved_on is None:
        return {"moved_on": str(_l("Vul een datum in."))}
    if moved_on > utctoday():
        return {"moved_on": str(_l("De datum mag niet in de toekomst liggen."))}
    if previous is not None and moved_on < previous.moved_on:
        return {
            "moved_on": str(
                _l(
                    "Deze stap ligt vóór de vorige stap (%(d)s). Kies die datum of een latere.",
                    d=format_date(previous.moved_on, "long"),
                )
            )
        }
    return {}


def start_practice(actor, region: Region, data: services.PracticeData, started_on: date | None) -> Practice:
    """Create a draft practice whose first step is dated `started_on` (default today), which may lie before
    the practice was registered here but not in the future.

    The practice's start date follows its history: when the first step is earlier than `period_start` (or
    there is none), `period_start` becomes that date. Only staff of `region` (or the system actor) may.
    Raises NotAllowed, or Invalid with per-field messages.
    """
    require(actor, "practice.create", region)
    started_on = started_on or utctoday()
    errors = step_date_errors(started_on, None)
    if errors:
        raise Invalid.on_fields(
            {"started_on": errors["moved_on"]}, _l("Niet alle velden zijn goed ingevuld.")
        )
    if data.period_start is None or started_on < data.period_start:
        data = replace(data, period_start=started_on)
    return services.create_practice(actor, region, data, started_on=started_on)


def move_phase(
    actor, practice: Practice, phase: CyclePhase | None, explanation: str, moved_on: date | None = None
) -> CycleStep:
    """Move a practice to another phase of the cycle, recording a dated step with the reason.

    `moved_on` (default today) may lie in the past but not before the previous step, nor in the future.
    Only staff of the practice's region (or the system actor) may; raises NotAllowed or Invalid.
    """
    require(actor, "practice.edit", practice)
    explanation = (explanation or "").strip()
    moved_on = moved_on or utctoday()
    errors = {}
    if phase is None:
        errors["phase"] = str(_l("Kies een fase van de ontwikkelcirkel."))
    elif phase.id == practice.phase_id:
        errors["phase"] = str(_l("Het praktijkvoorbeeld staat al in deze fase."))
    if len(explanation) < services.MIN_EXPLANATION:
        errors["explanation"] = str(
            _l("Leg in minstens %(n)s tekens uit waarom u van fase wisselt.", n=services.MIN_EXPLANATION)
        )
    elif len(explanation) > services.LIMITS["explanation"]:
        errors["explanation"] = str(_l("Maximaal %(n)s tekens.", n=services.LIMITS["explanation"]))
    errors.update(step_date_errors(moved_on, practice.steps[-1] if practice.steps else None))
    if errors:
        raise Invalid.on_fields(errors, _l("De fase kon niet worden gewijzigd."))
    step = CycleStep(
        from_phase_id=practice.phase_id,
        to_phase_id=phase.id,
        moved_on=moved_on,
        explanation=explanation,
        author_id=actor.id,
    )
    # Appending keeps practice.steps current, so a second move in the same session checks the right date.
    practice.steps.append(step)
    practice.phase = phase
    practice.revision += 1
    practice.updated_at = utcnow()
    services.record_revision(actor, practice, str(_l("Fase gewijzigd")))
    return step


def history_sources(practice: Practice) -> tuple[list, list[CycleStep], list[Result]]:
    """What the history page tells: revisions, steps and results, each with its author (a fixed number of
    queries, whatever the length of the history)."""
    revisions = list(
        db.session.scalars(
            select(PracticeRevision)
            .where(PracticeRevision.practice_id == practice.id)
            .options(selectinload(PracticeRevision.author))
        )
    )
    results = list(
        db.session.scalars(
            select(Result).where(Result.practice_id == practice.id).options(selectinload(Result.author))
        )
    )
    return revisions, steps_of(practice), results
