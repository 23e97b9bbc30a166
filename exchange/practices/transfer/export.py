"""Export practices in the import format (docs/import-format.md), streamed in eagerly loaded batches."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from exchange.database import utcnow
from exchange.documents import carry
from exchange.extensions import db
from exchange.practices.models import CycleStep, Practice, PracticePartner, Result, Status, practice_theme
from exchange.practices.transfer.format import FORMAT, LOCAL_ID_PREFIX, VERSION, local_id
from exchange.practices.transfer.profile import profile_record
from exchange.reference.models import Region, Theme

BATCH_SIZE = 500


def number(value: Decimal | None) -> int | float | None:
    """A stored Numeric as a JSON number: whole numbers as integers, others as the shortest exact decimal."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())


def _day(value) -> str | None:
    return value.date().isoformat() if value is not None else None


def practice_record(practice: Practice) -> dict:
    """One practice as a dict of the export format (everything eagerly loaded by `iter_practices`)."""
    results = sorted(practice.results, key=lambda r: (r.measured_on, r.id))
    return {
        "external_id": local_id(practice),
        "region": practice.region.code,
        "title": practice.title,
        "summary": practice.summary,
        "body": practice.body,
        "themes": [t.slug for t in practice.themes],
        "action_lines": [x.number for x in practice.action_lines],
        "phase": practice.phase.slug,
        "status": practice.status.value,
        "target_group": practice.target_group,
        "contact": {"name": practice.contact_name, "email": practice.contact_email},
        "period": {
            "start": practice.period_start.isoformat() if practice.period_start else None,
            "end": practice.period_end.isoformat() if practice.period_end else None,
        },
        "links": [{"title": link.title, "url": link.url} for link in practice.links],
        "created": _day(practice.created_at),
        "published": _day(practice.published_at) if practice.status != Status.DRAFT else None,
        "archived": _day(practice.archived_at) if practice.status == Status.ARCHIVED else None,
        "updated": _day(practice.updated_at),
        "demo": practice.is_demo,
        "profile": profile_record(practice),
        "cycle_steps": [
            {
                "from": step.from_phase.slug if step.from_phase else None,
                "to": step.to_phase.slug,
                "date": step.moved_on.isoformat(),
                "explanation": step.explanation,
            }
            for step in practice.steps
        ],
        "results": [
            {
                "external_id": r.external_id,
                "indicator": r.indicator,
                "value": number(r.value),
                "unit": r.unit,
                "baseline": number(r.baseline),
                "target": number(r.target),
                "measured_on": r.measured_on.isoformat(),
                "phase": r.phase.slug,
                "narrative": r.narrative,
            }
            for r in results
        ],
    }


def export_stmt(*, region: Region | None = None, theme: Theme | None = None, status: Status | None = None):
    """The filtered select() of practices to export, in id order (so an import keeps the order)."""
    stmt = select(Practice)
    if region is not None:
        stmt = stmt.where(Practice.region_id == region.id)
    if theme is not None:
        stmt = stmt.where(
            Practice.id.in_(select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == theme.id))
        )
    if status is not None:
        stmt = stmt.where(Practice.status == status)
    return stmt.order_by(Practice.id)


def count(stmt) -> int:
    """How many practices `stmt` (from export_stmt) selects."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def iter_practices(stmt, batch_size: int = BATCH_SIZE) -> Iterator[Practice]:
    """Yield practices batch by batch (keyset on id), each batch with everything loaded in a fixed number of
    queries, and forget each batch afterwards so memory stays flat for any number of practices."""
    last_id = 0
    while True:
        batch = list(
            db.session.scalars(
                stmt.where(Practice.id > last_id)
                .limit(batch_size)
                .options(
                    selectinload(Practice.region),
                    selectinload(Practice.phase),
                    selectinload(Practice.themes),
                    selectinload(Practice.action_lines),
                    selectinload(Practice.links),
                    selectinload(Practice.partner_links).selectinload(PracticePartner.organisation),
                    selectinload(Practice.steps).selectinload(CycleStep.from_phase),
                    selectinload(Practice.steps).selectinload(CycleStep.to_phase),
                    selectinload(Practice.results).selectinload(Result.phase),
                )
            )
        )
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
        db.session.expunge_all()


def clashing_local_ids() -> set[str]:
    """Stored external ids that look like the local form of another row (imported from another database).

    A native practice whose local id is in this set would share its export id with that row: see the
    "Identifiers" section of docs/import-format.md.
    """
    stored = db.session.scalars(
        select(Practice.external_id).where(Practice.external_id.like(f"{LOCAL_ID_PREFIX}%"))
    )
    return set(stored)


def write_export(
    out: TextIO,
    stmt,
    *,
    filters: dict | None = None,
    progress: Callable[[int], None] | None = None,
    warn: Callable[[str], None] | None = None,
    documents_dir: Path | None = None,
) -> int:
    """Write the export document to `out` one practice at a time; return the number written. With
    `documents_dir`, each practice lists its documents and their files are placed there (documents.carry)."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().replace(microsecond=0).isoformat(),
        "filters": filters or {},
    }
    head = json.dumps(header, ensure_ascii=False, indent=2)
    out.write(head[:-2] + ',\n  "practices": [')
    clashes = clashing_local_ids()
    written = 0
    for practice in iter_practices(stmt):
        if practice.external_id is None and local_id(practice) in clashes and warn is not None:
            warn(
                f"waarschuwing: {local_id(practice)} is ook de external_id van een geïmporteerd praktijkvoorbeeld"
            )
        record = practice_record(practice)
        if documents_dir is not None:
            record["documents"] = carry.export_entries(practice, documents_dir)
        text = json.dumps(record, ensure_ascii=False, indent=2)
        out.write(("\n" if written == 0 else ",\n") + "\n".join("    " + line for line in text.splitlines()))
        written += 1
        if progress is not None:
            progress(1)
    out.write("\n  ]\n}\n" if written else "]\n}\n")
    return written
