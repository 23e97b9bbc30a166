"""What a phase page of the development cycle shows (/ontwikkelcirkel/<phase>): the practices in it now, the
recent moves into and out of it, and the results measured in it, all within what the reader may see.

A fixed number of queries, whatever the number of practices, steps or results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from exchange.database import utctoday
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.practices import listing
from exchange.practices.models import CycleStep, Practice, Result
from exchange.practices.queries import visible_clause
from exchange.reference.models import CyclePhase

RECENT_DAYS = 90
SHOWN = 10


@dataclass
class PhasePage:
    phase: CyclePhase
    previous: CyclePhase | None
    next: CyclePhase | None
    practices: list[Practice]  # the newest SHOWN in the phase now
    count: int  # all practices in the phase now
    moved_in: list[CycleStep]  # recent steps into the phase, newest first
    moved_out: list[CycleStep]  # recent steps out of it
    results: list[Result]  # newest results measured in the phase
    since: object  # the first day counted as recent


def get_phase(slug: str, phases: list[CyclePhase]) -> CyclePhase:
    """The phase with this slug (any case); NotFound (a Dutch 404) otherwise."""
    wanted = (slug or "").strip().lower()
    phase = next((p for p in phases if p.slug == wanted), None)
    if phase is None:
        raise NotFound(code="phase_not_found")
    return phase


def _steps(user, condition, since) -> list[CycleStep]:
    stmt = (
        select(CycleStep)
        .join(Practice, Practice.id == CycleStep.practice_id)
        .where(visible_clause(user), condition, CycleStep.moved_on >= since)
        .options(
            selectinload(CycleStep.practice).selectinload(Practice.region),
            selectinload(CycleStep.from_phase),
            selectinload(CycleStep.to_phase),
        )
        .order_by(CycleStep.moved_on.desc(), CycleStep.id.desc())
        .limit(SHOWN)
    )
    return list(db.session.scalars(stmt))


def phase_page(user, phase: CyclePhase, phases: list[CyclePhase]) -> PhasePage:
    """Everything the phase page shows, for `user` (visitors: published practices only)."""
    ordered = sorted(phases, key=lambda p: p.position)
    at = ordered.index(phase)
    since = utctoday() - timedelta(days=RECENT_DAYS)
    browse = listing.Browse(phase=phase, sort="bijgewerkt")
    stmt = listing.practices_stmt(user, browse)
    count = db.session.scalar(
        select(func.count()).select_from(stmt.with_only_columns(Practice.id).order_by(None).subquery())
    )
    results = list(
        db.session.scalars(
            select(Result)
            .join(Practice, Practice.id == Result.practice_id)
            .where(visible_clause(user), Result.phase_id == phase.id)
            .options(selectinload(Result.practice).selectinload(Practice.region), selectinload(Result.phase))
            .order_by(Result.measured_on.desc(), Result.id.desc())
            .limit(SHOWN)
        )
    )
    moved_in = _steps(
        user,
        (CycleStep.to_phase_id == phase.id)
        & or_(CycleStep.from_phase_id.is_(None), CycleStep.from_phase_id != phase.id),
        since,
    )
    return PhasePage(
        phase=phase,
        previous=ordered[at - 1] if at > 0 else None,
        next=ordered[at + 1] if at + 1 < len(ordered) else None,
        practices=list(db.session.scalars(stmt.limit(SHOWN))),
        count=count or 0,
        moved_in=moved_in,
        moved_out=_steps(user, CycleStep.from_phase_id == phase.id, since),
        results=results,
        since=since,
    )
