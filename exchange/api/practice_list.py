"""The API's practice list built from plain rows: the columns it shows, in a fixed number of small queries.

`serializers.practice_summary` turns a loaded `Practice` (and its object graph) into the same dict; building
100 of those objects with their regions, themes, phases, action lines and partners cost more than the rest of
the request. Here the page is one select of the needed columns, then one select each for the themes, action
lines and partners of the page's ids; regions, phases and themes come from a per-process table of the
reference data, read again whenever the data version changes (see `reference_tables`). URLs are built once per
request from a template instead of once per row. `tests/api/test_practice_list.py` checks that every item
equals `serializers.practice_summary` of the same practice.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from sqlalchemy import Select, select

from exchange.api.http import data_version
from exchange.extensions import db
from exchange.practices import profile
from exchange.practices.models import (
    Organisation,
    Practice,
    PracticePartner,
    practice_action_line,
    practice_theme,
)
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

# The Practice columns an API list item shows, in the order of `_item`'s row.
COLUMNS = (
    Practice.id,
    Practice.title,
    Practice.summary,
    Practice.region_id,
    Practice.phase_id,
    Practice.target_group,
    Practice.period_start,
    Practice.period_end,
    Practice.published_at,
    Practice.updated_at,
    Practice.is_demo,
    Practice.age_from,
    Practice.age_to,
    Practice.participation_level,
    Practice.participation_note,
    Practice.evidence_level,
    Practice.evidence_url,
    Practice.evidence_year,
    Practice.cost_indication,
    Practice.fund_used,
    Practice.fund_amount_eur,
)
SENTINEL_ID = 987654321


@dataclass(frozen=True)
class ReferenceTables:
    """What list items show of the reference data, by id (a snapshot of one data version)."""

    regions: dict[int, tuple[str, str, str]]  # id -> (code, slug, display name)
    phases: dict[int, tuple[str, int, str]]  # id -> (slug, position, name)
    themes: dict[int, tuple[str, str, int]]  # id -> (slug, name, position)
    lines: dict[int, int]  # id -> number


_lock = threading.Lock()


def reference_tables() -> ReferenceTables:
    """The reference tables of the current data version, kept per app (worker) until the version changes.

    Every visible write (reference data included) raises the data version, so a renamed region or theme is
    read again by the first request after the change; 4 small queries then, none until the next change."""
    current = data_version()
    held = current_app.extensions.get("api_reference_tables")
    if held is not None and held[0] == current:
        return held[1]
    tables = ReferenceTables(
        regions={
            i: (code, slug, name)
            for i, code, slug, name in db.session.execute(
                select(Region.id, Region.code, Region.slug, Region.display_name)
            )
        },
        phases={
            i: (slug, position, name)
            for i, slug, position, name in db.session.execute(
                select(CyclePhase.id, CyclePhase.slug, CyclePhase.position, CyclePhase.name)
            )
        },
        themes={
            i: (slug, name, position)
            for i, slug, name, position in db.session.execute(
                select(Theme.id, Theme.slug, Theme.name, Theme.position)
            )
        },
        lines=dict(db.session.execute(select(ActionLine.id, ActionLine.number)).tuples().all()),
    )
    with _lock:
        current_app.extensions["api_reference_tables"] = (current, tables)
    return tables


class _Urls:
    """External URLs of practices and regions from one url_for each (the rest is string formatting)."""

    def __init__(self) -> None:
        self._detail = self._template("practices.detail")
        self._api = self._template("api.practice")
        self._regions: dict[str, str] = {}

    @staticmethod
    def _template(endpoint: str) -> tuple[str, str]:
        head, _, tail = url_for(endpoint, practice_id=SENTINEL_ID, _external=True).rpartition(
            str(SENTINEL_ID)
        )
        return head, tail

    def detail(self, practice_id: int) -> str:
        return f"{self._detail[0]}{practice_id}{self._detail[1]}"

    def api(self, practice_id: int) -> str:
        return f"{self._api[0]}{practice_id}{self._api[1]}"

    def region(self, slug: str) -> str:
        url = self._regions.get(slug)
        if url is None:
            url = self._regions[slug] = url_for("reference.region", slug=slug, _external=True)
        return url


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


def _level(vocabulary: dict, value: str | None) -> dict | None:
    return None if value is None else {"value": value, "label": profile.label(vocabulary, value)}


def _grouped(stmt: Select) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for practice_id, *rest in db.session.execute(stmt):
        grouped[practice_id].append(rest[0] if len(rest) == 1 else tuple(rest))
    return grouped


def summaries(stmt: Select, limit: int, offset: int) -> list[dict[str, Any]]:
    """The page `limit`/`offset` of `stmt` (a select of Practice, filtered and ordered) as API list items."""
    rows = db.session.execute(stmt.with_only_columns(*COLUMNS).limit(limit).offset(offset)).all()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    ref = reference_tables()
    themes = _grouped(
        select(practice_theme.c.practice_id, practice_theme.c.theme_id).where(
            practice_theme.c.practice_id.in_(ids)
        )
    )
    lines = _grouped(
        select(practice_action_line.c.practice_id, practice_action_line.c.action_line_id).where(
            practice_action_line.c.practice_id.in_(ids)
        )
    )
    partners = _grouped(
        select(PracticePartner.practice_id, Organisation.name, Organisation.kind)
        .join(Organisation, Organisation.id == PracticePartner.organisation_id)
        .where(PracticePartner.practice_id.in_(ids))
        .order_by(PracticePartner.practice_id, PracticePartner.position)
    )
    urls = _Urls()
    return [_item(row, ref, urls, themes, lines, partners) for row in rows]


def _item(row, ref: ReferenceTables, urls: _Urls, themes, lines, partners) -> dict[str, Any]:
    (
        practice_id,
        title,
        summary,
        region_id,
        phase_id,
        target_group,
        period_start,
        period_end,
        published_at,
        updated_at,
        is_demo,
        age_from,
        age_to,
        participation_level,
        participation_note,
        evidence_level,
        evidence_url,
        evidence_year,
        cost_indication,
        fund_used,
        fund_amount_eur,
    ) = row
    code, region_slug, region_name = ref.regions[region_id]
    phase_slug, phase_position, phase_name = ref.phases[phase_id]
    theme_rows = sorted((ref.themes[t] for t in themes.get(practice_id, ())), key=lambda t: t[2])
    return {
        "id": practice_id,
        "title": title,
        "summary": summary,
        "region": {"code": code, "slug": region_slug, "name": region_name, "url": urls.region(region_slug)},
        "themes": [{"slug": slug, "name": name} for slug, name, _ in theme_rows],
        "action_lines": sorted(ref.lines[x] for x in lines.get(practice_id, ())),
        "phase": {"slug": phase_slug, "position": phase_position, "name": phase_name},
        "target_group": target_group,
        "period": {"start": _day(period_start), "end": _day(period_end)},
        "published_at": _day(published_at),
        "updated_at": _day(updated_at),
        "is_demo": is_demo,
        "profile": {
            "age_from": age_from,
            "age_to": age_to,
            "partners": [{"name": name, "kind": kind} for name, kind in partners.get(practice_id, ())],
            "participation": {
                "level": _level(profile.PARTICIPATION_LEVELS, participation_level),
                "note": participation_note or "",
            },
            "evidence": {
                "level": _level(profile.EVIDENCE_LEVELS, evidence_level),
                "url": evidence_url or None,
                "year": evidence_year,
            },
            "costs": {
                "indication": cost_indication or "",
                "fund_used": fund_used,
                "fund_amount_eur": fund_amount_eur,
            },
        },
        "url": urls.detail(practice_id),
        "api_url": urls.api(practice_id),
    }
