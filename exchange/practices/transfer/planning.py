"""Planning an import: check a whole parsed document against the format and the reference data, match its
practices with the database and plan each update. Nothing is written here; see applying.py.

Every problem is collected with its place (`practices[3] (ext-7).themes: ...`), so one run lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.database import utctoday
from exchange.documents import carry
from exchange.errors import Invalid, join_by_field
from exchange.extensions import db
from exchange.practices import services
from exchange.practices.models import Practice, Result, Status
from exchange.practices.transfer.checker import Checker, Lookups, kind, show
from exchange.practices.transfer.format import (
    CONTACT_KEYS,
    FORMAT,
    ITEM_KEYS,
    LINK_KEYS,
    PERIOD_KEYS,
    READ_VERSIONS,
    RESULT_KEYS,
    STEP_KEYS,
    TOP_KEYS,
    VERSION,
    item_label,
    parse_local_id,
)
from exchange.practices.transfer.profile import check_profile_item
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

_CHUNK = 500

# Status changes the services allow; going back to draft has no service (and no button) once published.
ALLOWED_STATUS_CHANGES = {
    (Status.DRAFT, Status.PUBLISHED),
    (Status.DRAFT, Status.ARCHIVED),
    (Status.PUBLISHED, Status.ARCHIVED),
    (Status.ARCHIVED, Status.PUBLISHED),
}


@dataclass
class StepIn:
    from_phase: CyclePhase | None
    to_phase: CyclePhase
    moved_on: date
    explanation: str

    @property
    def key(self) -> tuple:
        return (self.from_phase.id if self.from_phase else None, self.to_phase.id, self.moved_on)


@dataclass
class ResultIn:
    where: str
    data: services.ResultData
    match: Result | None = None


@dataclass
class ItemPlan:
    """One checked practice from the file and what applying it will do."""

    index: int
    label: str
    external_id: str | None
    region: Region
    data: services.PracticeData
    status: Status
    demo: bool
    created: date | None = None
    published: date | None = None
    archived: date | None = None
    updated: date | None = None
    steps: list[StepIn] | None = None
    results: list[ResultIn] = field(default_factory=list)
    existing: Practice | None = None
    new_steps: list[StepIn] = field(default_factory=list)
    final_move: bool = False
    documents: list[dict] = field(default_factory=list)  # records of documents.carry; files in a side folder


_label = item_label


def _check_item(check: Checker, index: int, raw: Any, top_demo: bool) -> ItemPlan | None:
    """Check one practice of the file; a plan when it has no errors, else None (the errors are in `check`)."""
    where = _label(index, raw)
    item = check.obj(raw, where, required=True)
    if item is None:
        return None
    before = len(check.problems)
    check.keys(item, ITEM_KEYS, where)
    external_id = check.external_id(item, where)
    region = _check_region(check, item, where)
    limits = services.LIMITS
    title = check.text(item, "title", where, limit=limits["title"], required=True)
    summary = check.text(item, "summary", where, limit=limits["summary"], required=True)
    body = check.text(item, "body", where, limit=limits["body"]) or ""
    target_group = check.text(item, "target_group", where, limit=limits["target_group"]) or ""
    themes = _check_themes(check, item, where)
    lines = _check_action_lines(check, item, where)
    phase = check.phase(item, "phase", where, required=True)
    status = _check_status(check, item, where)
    contact_name, contact_email = _check_contact(check, item, where)
    period_start, period_end = _check_period(check, item, where)
    links = _check_links(check, item, where)
    created, published, archived, updated = _check_dates(check, item, where, status)
    demo = _check_demo(check, item, where, top_demo)
    steps = _check_steps(check, item, where, phase)
    results = _check_results(check, item, where, phase)
    practice_profile = check_profile_item(check, item, where, region, getattr(check, "version", VERSION))

    if len(check.problems) > before or region is None or phase is None or title is None or summary is None:
        return None
    data = services.PracticeData(
        title=title,
        summary=summary,
        themes=themes,
        phase=phase,
        action_lines=lines,
        body=body,
        target_group=target_group,
        contact_name=contact_name,
        contact_email=contact_email,
        period_start=period_start,
        period_end=period_end,
        links=links,
        profile=practice_profile,  # None: the file says nothing, so an update keeps the stored profile
    )
    return ItemPlan(
        index=index,
        label=where,
        external_id=external_id,
        region=region,
        data=data,
        status=status,
        demo=demo,
        created=created,
        published=published,
        archived=archived,
        updated=updated,
        steps=steps,
        results=results,
        documents=carry.check_entries(item.get("documents"), f"{where}.documents", check.error),
    )


def _check_region(check: Checker, item: dict, where: str) -> Region | None:
    """`region`: a CBS code or slug (the lookup rule of exchange.reference.lookups)."""
    region_key = check.text(item, "region", where, required=True)
    if region_key is None:
        return None
    region = check.ref.region(region_key)
    if region is None:
        check.error(f"{where}.region", f"onbekende regio {show(region_key)}")
    return region


def _check_themes(check: Checker, item: dict, where: str) -> list[Theme]:
    """`themes`: at least one known slug; duplicates dropped, in the site's theme order."""
    themes: list[Theme] = []
    raw_themes = check.lst(item.get("themes"), f"{where}.themes")
    if item.get("themes") is None or raw_themes == []:
        check.error(f"{where}.themes", "kies minstens één thema" if raw_themes == [] else "ontbreekt")
    for slug in raw_themes or []:
        theme = check.ref.theme(slug) if isinstance(slug, str) else None
        if theme is None:
            check.error(f"{where}.themes", f"onbekend thema {show(slug)}")
        elif theme not in themes:
            themes.append(theme)
    themes.sort(key=lambda t: check.ref.theme_order[t.id])
    return themes


def _check_action_lines(check: Checker, item: dict, where: str) -> list[ActionLine]:
    """`action_lines`: known numbers; duplicates dropped, in number order."""
    lines: list[ActionLine] = []
    for number in check.lst(item.get("action_lines"), f"{where}.action_lines") or []:
        line = (
            check.ref.lines.get(number) if isinstance(number, int) and not isinstance(number, bool) else None
        )
        if line is None:
            check.error(f"{where}.action_lines", f"onbekende actielijn {show(number)}")
        elif line not in lines:
            lines.append(line)
    lines.sort(key=lambda x: x.number)
    return lines


def _check_status(check: Checker, item: dict, where: str) -> Status:
    """`status`: draft (the default), published or archived."""
    raw_status = check.text(item, "status", where)
    if raw_status is None:
        return Status.DRAFT
    try:
        return Status(raw_status)
    except ValueError:
        check.error(
            f"{where}.status", f"onbekende status {show(raw_status)} (kies draft, published of archived)"
        )
        return Status.DRAFT


def _check_contact(check: Checker, item: dict, where: str) -> tuple[str, str]:
    """`contact`: an optional name and a valid e-mail address (deliverability is not checked)."""
    contact = check.obj(item.get("contact"), f"{where}.contact")
    if contact is None:
        return "", ""
    limits = services.LIMITS
    check.keys(contact, CONTACT_KEYS, f"{where}.contact")
    contact_name = check.text(contact, "name", f"{where}.contact", limit=limits["contact_name"]) or ""
    contact_email = check.text(contact, "email", f"{where}.contact", limit=limits["contact_email"]) or ""
    if contact_email.strip():
        try:
            validate_email(contact_email.strip(), check_deliverability=False)
        except EmailNotValidError:
            check.error(f"{where}.contact.email", f"geen geldig e-mailadres {show(contact_email)}")
    return contact_name, contact_email


def _check_period(check: Checker, item: dict, where: str) -> tuple[date | None, date | None]:
    """`period`: start and end dates (may lie in the future), the end not before the start."""
    period = check.obj(item.get("period"), f"{where}.period")
    if period is None:
        return None, None
    check.keys(period, PERIOD_KEYS, f"{where}.period")
    period_start = check.day(period, "start", f"{where}.period", not_future=False)
    period_end = check.day(period, "end", f"{where}.period", not_future=False)
    if period_start and period_end and period_end < period_start:
        check.error(f"{where}.period.end", f"ligt vóór period.start ({period_start.isoformat()})")
    return period_start, period_end


def _check_links(check: Checker, item: dict, where: str) -> list[tuple[str, str]]:
    """`links`: at most MAX_LINKS objects with an http(s) url without spaces and an optional title."""
    limits = services.LIMITS
    links: list[tuple[str, str]] = []
    raw_links = check.lst(item.get("links"), f"{where}.links") or []
    if len(raw_links) > services.MAX_LINKS:
        check.error(f"{where}.links", f"te veel links ({len(raw_links)}, maximaal {services.MAX_LINKS})")
    for i, raw_link in enumerate(raw_links):
        lw = f"{where}.links[{i}]"
        link = check.obj(raw_link, lw, required=True)
        if link is None:
            continue
        check.keys(link, LINK_KEYS, lw)
        link_title = check.text(link, "title", lw, limit=limits["link_title"]) or ""
        url = check.text(link, "url", lw, limit=limits["link_url"], required=True)
        if url is None:
            continue
        url = url.strip()
        if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
            check.error(
                f"{lw}.url",
                f"moet beginnen met https:// of http:// en mag geen spaties bevatten ({show(url)})",
            )
        else:
            links.append((link_title, url))
    return links


def _check_dates(check: Checker, item: dict, where: str, status: Status) -> tuple[date | None, ...]:
    """`created`, `published`, `archived`, `updated`: past dates that fit the status and each other."""
    created = check.day(item, "created", where)
    published = check.day(item, "published", where)
    archived = check.day(item, "archived", where)
    updated = check.day(item, "updated", where)
    if published and status == Status.DRAFT:
        check.error(f"{where}.published", "alleen bij status published of archived")
    if archived and status != Status.ARCHIVED:
        check.error(f"{where}.archived", "alleen bij status archived")
    if created and published and published < created:
        check.error(f"{where}.published", f"ligt vóór created ({created.isoformat()})")
    return created, published, archived, updated


def _check_demo(check: Checker, item: dict, where: str, top_demo: bool) -> bool:
    """`demo`: true or false; when absent, the document's (or the command's) demo flag."""
    if "demo" not in item or item["demo"] is None:
        return top_demo
    if not isinstance(item["demo"], bool):
        check.error(f"{where}.demo", f"moet true of false zijn, niet {kind(item['demo'])}")
        return top_demo
    return item["demo"]


def _check_steps(check: Checker, item: dict, where: str, phase: CyclePhase | None) -> list[StepIn] | None:
    raw_steps = check.lst(item.get("cycle_steps"), f"{where}.cycle_steps")
    if not raw_steps:
        return None
    steps: list[StepIn] = []
    ok = True
    previous: StepIn | None = None
    for i, raw in enumerate(raw_steps):
        sw = f"{where}.cycle_steps[{i}]"
        step = check.obj(raw, sw, required=True)
        if step is None:
            ok = False
            continue
        check.keys(step, STEP_KEYS, sw)
        from_phase = check.phase(step, "from", sw, required=False)
        to_phase = check.phase(step, "to", sw, required=True)
        moved_on = check.day(step, "date", sw, required=True)
        explanation = check.text(
            step, "explanation", sw, limit=services.LIMITS["explanation"], required=i > 0
        )
        if i == 0 and step.get("from") is not None:
            check.error(f"{sw}.from", "de eerste stap is de start van het pad en heeft geen 'from' (null)")
            ok = False
        if i > 0 and step.get("from") is None:
            check.error(f"{sw}.from", "ontbreekt")
            ok = False
        if i > 0 and explanation is not None and len(explanation.strip()) < services.MIN_EXPLANATION:
            check.error(
                f"{sw}.explanation",
                f"te kort (minstens {services.MIN_EXPLANATION} tekens: waarom deze stap?)",
            )
            ok = False
        if from_phase and to_phase and from_phase.id == to_phase.id:
            check.error(f"{sw}.to", "gelijk aan 'from'")
            ok = False
        if previous and from_phase and from_phase.id != previous.to_phase.id:
            check.error(
                f"{sw}.from",
                f"'{from_phase.slug}' sluit niet aan op de vorige stap (naar '{previous.to_phase.slug}')",
            )
            ok = False
        if previous and moved_on and moved_on < previous.moved_on:
            check.error(f"{sw}.date", f"ligt vóór de vorige stap ({previous.moved_on.isoformat()})")
            ok = False
        if to_phase is None or moved_on is None or (i > 0 and explanation is None):
            ok = False
            continue
        previous = StepIn(from_phase, to_phase, moved_on, (explanation or "").strip())
        steps.append(previous)
    # A last step that ends elsewhere than `phase` is not an error: the move to `phase` is recorded with
    # IMPORT_MOVE_EXPLANATION, as when only "phase" was edited in an exported file.
    return steps if ok else None


def _check_results(check: Checker, item: dict, where: str, phase: CyclePhase | None) -> list[ResultIn]:
    results: list[ResultIn] = []
    seen_ids: dict[str, int] = {}
    limits = services.LIMITS
    for i, raw in enumerate(check.lst(item.get("results"), f"{where}.results") or []):
        rw = f"{where}.results[{i}]"
        result = check.obj(raw, rw, required=True)
        if result is None:
            continue
        before = len(check.problems)
        check.keys(result, RESULT_KEYS, rw)
        external_id = check.external_id(result, rw)
        if external_id is not None:
            if external_id in seen_ids:
                check.error(f"{rw}.external_id", f"dubbel, ook gebruikt bij results[{seen_ids[external_id]}]")
            seen_ids.setdefault(external_id, i)
        indicator = check.text(result, "indicator", rw, limit=limits["indicator"], required=True)
        value = check.number(result, "value", rw, required=True)
        unit = check.text(result, "unit", rw, limit=limits["unit"]) or ""
        baseline = check.number(result, "baseline", rw)
        target = check.number(result, "target", rw)
        measured_on = check.day(result, "measured_on", rw, required=True)
        result_phase = (
            check.phase(result, "phase", rw, required=False) if result.get("phase") is not None else phase
        )
        narrative = check.text(result, "narrative", rw, limit=limits["narrative"]) or ""
        if len(check.problems) > before or result_phase is None:
            continue
        data = services.ResultData(
            indicator=indicator.strip(),
            value=value,
            measured_on=measured_on,
            phase=result_phase,
            unit=unit.strip(),
            baseline=baseline,
            target=target,
            narrative=narrative,
            external_id=external_id,
        )
        results.append(ResultIn(rw, data))
    return results


_ITEM_INDEX = re.compile(r"^practices\[(\d+)\]")


def _error_order(problem: tuple[str, str]) -> int:
    """File-level errors first, then per practice in file order (stable: fields keep their order)."""
    match = _ITEM_INDEX.match(problem[0])
    return int(match.group(1)) if match else -1


def _check_header(check: Checker, doc: dict) -> tuple[bool, list]:
    """The document's own keys: format, version and demo flag; returns (demo, the list of practices)."""
    check.keys(doc, TOP_KEYS, "(bestand)")
    if doc.get("format") != FORMAT:
        check.error("format", f"moet '{FORMAT}' zijn, niet {show(doc.get('format'))}")
    if doc.get("version") not in READ_VERSIONS or isinstance(doc.get("version"), bool):
        check.error(
            "version", f"alleen versie 1 en {VERSION} worden ondersteund, niet {show(doc.get('version'))}"
        )
    check.version = doc.get("version")
    top_demo = doc.get("demo", False)
    if not isinstance(top_demo, bool):
        check.error("demo", f"moet true of false zijn, niet {kind(top_demo)}")
        top_demo = False
    items = doc.get("practices")
    if not isinstance(items, list):
        check.error("practices", "ontbreekt" if items is None else f"moet een lijst zijn, niet {kind(items)}")
        items = []
    return top_demo, items


def check_document(doc: Any, *, demo: bool = False) -> list[ItemPlan]:
    """Check a whole parsed document against the format and the reference data (no database writes).

    Raises Invalid naming every problem (``fields``: place -> message; several problems at one place joined
    with "; "), or returns one plan per practice.
    """
    if not isinstance(doc, dict):
        raise Invalid.on_fields(
            {"(bestand)": f"moet een object zijn, niet {kind(doc)}"},
            'Het bestand moet een JSON-object zijn met "format", "version" en "practices".',
        )
    lookups = Lookups()
    if not lookups.regions or not lookups.themes or not lookups.phases:
        raise Invalid("Laad eerst de referentiegegevens: flask seed reference")
    check = Checker(lookups, utctoday())
    top_demo, items = _check_header(check, doc)
    plans: list[ItemPlan] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items):
        plan = _check_item(check, index, raw, top_demo or demo)
        ext = raw.get("external_id") if isinstance(raw, dict) else None
        if isinstance(ext, str) and ext.strip():
            if ext.strip() in seen:
                check.error(
                    f"{_label(index, raw)}.external_id",
                    f"dubbel, ook gebruikt bij practices[{seen[ext.strip()]}]",
                )
            seen.setdefault(ext.strip(), index)
        if plan is not None:
            plans.append(plan)
    # Also for a file with errors: what the database refuses (region or status changes) is listed at once.
    _match_existing(check, plans)
    if check.problems:
        check.problems.sort(key=_error_order)
        raise Invalid.on_fields(
            join_by_field(check.problems),
            f"Het bestand bevat {len(check.problems)} fout(en); er is niets geïmporteerd.",
        )
    return plans


# --- matching with the database -----------------------------------------------------------------------------


def _chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load_options():
    return (
        selectinload(Practice.themes),
        selectinload(Practice.action_lines),
        selectinload(Practice.links),
        selectinload(Practice.partner_links),
        selectinload(Practice.phase),
        selectinload(Practice.steps),
        selectinload(Practice.results),
    )


def _match_existing(check: Checker, plans: list[ItemPlan]) -> None:
    """Find the practices the file updates (stored external id, else the local form) and plan each change."""
    wanted = [p.external_id for p in plans if p.external_id]
    by_external: dict[str, Practice] = {}
    for chunk in _chunks(wanted):
        stmt = select(Practice).where(Practice.external_id.in_(chunk)).options(*_load_options())
        by_external.update({p.external_id: p for p in db.session.scalars(stmt)})
    local_ids = [
        n
        for p in plans
        if p.external_id and p.external_id not in by_external
        for n in [parse_local_id(p.external_id)]
        if n is not None
    ]
    by_local: dict[int, Practice] = {}
    for chunk in _chunks(local_ids):
        stmt = (
            select(Practice)
            .where(Practice.id.in_(chunk), Practice.external_id.is_(None))
            .options(*_load_options())
        )
        by_local.update({p.id: p for p in db.session.scalars(stmt)})
    for plan in plans:
        if plan.external_id:
            plan.existing = by_external.get(plan.external_id) or by_local.get(
                parse_local_id(plan.external_id) or 0
            )
        if plan.existing is not None:
            _plan_update(check, plan)


def _plan_update(check: Checker, plan: ItemPlan) -> None:
    """What updating `plan.existing` does; what the database refuses (region, status) is an error."""
    practice = plan.existing
    where = plan.label
    if practice.region_id != plan.region.id:
        check.error(
            f"{where}.region",
            "dit praktijkvoorbeeld hoort bij een andere regio; dat kan een import niet wijzigen",
        )
    if plan.status != practice.status and (practice.status, plan.status) not in ALLOWED_STATUS_CHANGES:
        check.error(
            f"{where}.status",
            f"kan niet van '{practice.status.value}' naar '{plan.status.value}' (een gepubliceerd praktijkvoorbeeld "
            "wordt nooit meer concept; archiveer het)",
        )
    _plan_steps(check, plan)
    _plan_results(check, plan)


def _plan_steps(check: Checker, plan: ItemPlan) -> None:
    """Cycle steps are history: kept as they are; the file's steps after the known ones are appended."""
    practice = plan.existing
    where = plan.label
    current_phase_id = practice.phase_id
    if plan.steps:
        known = [(s.from_phase_id, s.to_phase_id, s.moved_on) for s in practice.steps]
        given = [s.key for s in plan.steps]
        if given[: len(known)] == known:
            last_date = practice.steps[-1].moved_on if practice.steps else None
            for i, step in enumerate(plan.steps[len(known) :], start=len(known)):
                if step.from_phase is None or step.from_phase.id != current_phase_id:
                    break
                if last_date and step.moved_on < last_date:
                    check.error(
                        f"{where}.cycle_steps[{i}].date",
                        f"ligt vóór de laatste stap in de database ({last_date.isoformat()})",
                    )
                    break
                plan.new_steps.append(step)
                current_phase_id = step.to_phase.id
                last_date = step.moved_on
    plan.final_move = current_phase_id != plan.data.phase.id


def _plan_results(check: Checker, plan: ItemPlan) -> None:
    """Match results by external id, else by (indicator, measured_on) among those without one; never twice."""
    practice = plan.existing
    stored = sorted(practice.results, key=lambda r: (r.measured_on, r.id))
    by_ext = {r.external_id: r for r in stored if r.external_id}
    taken: set[int] = set()
    for item in plan.results:
        data = item.data
        match = by_ext.get(data.external_id) if data.external_id else None
        if match is None:
            match = next(
                (
                    r
                    for r in stored
                    if r.id not in taken
                    and r.external_id is None
                    and r.indicator == data.indicator
                    and r.measured_on == data.measured_on
                ),
                None,
            )
        if match is not None and match.id in taken:
            check.error(
                f"{item.where}", "verwijst naar hetzelfde resultaat als een eerder resultaat in dit bestand"
            )
            continue
        if match is not None:
            taken.add(match.id)
            item.match = match
