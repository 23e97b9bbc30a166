"""Bulk import of practices from the JSON format described in docs/import-format.md.

The whole document is checked first and every problem is reported with its place; only a clean document is
applied, through the same services as the pages (actor None: the importer), inside the caller's transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exchange.database import utcnow
from exchange.errors import DomainError, Invalid
from exchange.extensions import db
from exchange.practices import services
from exchange.practices.models import Practice, Result, Status
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

FORMAT = "jeugdkennis-practices"
VERSION = 1
# Practices without an external id are exported as "jeugdkennis:<local id>"; the importer reads that form back
# as the local id, so export -> import into the same database updates instead of duplicating.
LOCAL_ID_PREFIX = "jeugdkennis:"
_LOCAL_ID = re.compile(r"^jeugdkennis:([1-9][0-9]{0,17})$")
IMPORT_MOVE_EXPLANATION = "Fase bijgewerkt via import."
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHUNK = 500

TOP_KEYS = {"format", "version", "practices", "demo", "about", "exported_at", "filters"}
ITEM_KEYS = {
    "external_id",
    "region",
    "title",
    "summary",
    "body",
    "themes",
    "action_lines",
    "phase",
    "status",
    "target_group",
    "contact",
    "period",
    "links",
    "created",
    "published",
    "archived",
    "updated",
    "demo",
    "cycle_steps",
    "results",
}
CONTACT_KEYS = {"name", "email"}
PERIOD_KEYS = {"start", "end"}
LINK_KEYS = {"title", "url"}
STEP_KEYS = {"from", "to", "date", "explanation"}
RESULT_KEYS = {
    "external_id",
    "indicator",
    "value",
    "unit",
    "baseline",
    "target",
    "measured_on",
    "phase",
    "narrative",
}
# Status changes the services allow; going back to draft has no service (and no button) once published.
ALLOWED_STATUS_CHANGES = {
    (Status.DRAFT, Status.PUBLISHED),
    (Status.DRAFT, Status.ARCHIVED),
    (Status.PUBLISHED, Status.ARCHIVED),
    (Status.ARCHIVED, Status.PUBLISHED),
}


def local_id(practice: Practice) -> str:
    """The id a practice carries in an export: its external id, or the local form for native practices."""
    return practice.external_id or f"{LOCAL_ID_PREFIX}{practice.id}"


def parse_local_id(value: str | None) -> int | None:
    match = _LOCAL_ID.match(value or "")
    return int(match.group(1)) if match else None


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# --- reading ------------------------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"{name} is geen getal (NaN en Infinity zijn niet toegestaan)")


def parse_document(text: str, source: str = "invoer") -> Any:
    """Parse JSON text; numbers with a fraction become Decimal so values are stored exactly."""
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"Geen geldige JSON in {source}: regel {exc.lineno}, kolom {exc.colno}: {exc.msg}"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"Geen geldige JSON in {source}: {exc}") from exc


def read_document(path: Path | str) -> Any:
    """Read and parse an import file; raise Invalid with a Dutch message when it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise Invalid(f"Bestand niet gevonden: {path}") from exc
    except IsADirectoryError as exc:
        raise Invalid(f"{path} is een map, geen bestand.") from exc
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path} is geen UTF-8-tekst (byte {exc.start}).") from exc
    except OSError as exc:
        raise Invalid(
            f"Bestand kan niet worden gelezen: {path} ({exc.strerror or exc.__class__.__name__})"
        ) from exc
    return parse_document(text, str(path))


# --- checking -----------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value[:60]}{'…' if len(value) > 60 else ''}'"
    if isinstance(value, Decimal):
        return str(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text[:60] + ("…" if len(text) > 60 else "")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float, Decimal)):
        return "een getal"
    if isinstance(value, str):
        return "tekst"
    if isinstance(value, list):
        return "een lijst"
    return "een object"


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


class _Lookups:
    """Reference data by every key a file may use (a handful of queries, whatever the file size)."""

    def __init__(self) -> None:
        regions = list(db.session.scalars(select(Region)))
        self.regions = (
            {r.code: r for r in regions} | {r.code.lower(): r for r in regions} | {r.slug: r for r in regions}
        )
        self.themes = {t.slug: t for t in db.session.scalars(select(Theme))}
        self.lines = {x.number: x for x in db.session.scalars(select(ActionLine))}
        self.phases = {p.slug: p for p in db.session.scalars(select(CyclePhase))}
        self.theme_order = {t.id: (t.position, t.slug) for t in self.themes.values()}


class _Checker:
    def __init__(self, lookups: _Lookups, today: date) -> None:
        self.errors: list[str] = []
        self.ref = lookups
        self.today = today

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def keys(self, obj: dict, allowed: set[str], where: str) -> None:
        for key in obj:
            if key not in allowed:
                self.error(f"{where}.{key}" if isinstance(key, str) else where, "onbekend veld")

    def obj(self, value: Any, where: str, *, required: bool = False) -> dict | None:
        if value is None:
            if required:
                self.error(where, "ontbreekt")
            return None
        if not isinstance(value, dict):
            self.error(where, f"moet een object zijn, niet {_kind(value)}")
            return None
        return value

    def lst(self, value: Any, where: str) -> list | None:
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(where, f"moet een lijst zijn, niet {_kind(value)}")
            return None
        return value

    def text(
        self, obj: dict, key: str, where: str, *, limit: int | None = None, required: bool = False
    ) -> str | None:
        value = obj.get(key)
        place = f"{where}.{key}"
        if value is None:
            if required:
                self.error(place, "ontbreekt")
            return None
        if not isinstance(value, str):
            self.error(place, f"moet tekst zijn, niet {_kind(value)}")
            return None
        if "\x00" in value:
            self.error(place, "bevat een NUL-teken")
            return None
        if required and not value.strip():
            self.error(place, "is leeg")
            return None
        if limit is not None and len(value) > limit:
            self.error(place, f"te lang ({len(value)} tekens, maximaal {limit})")
            return None
        return value

    def day(
        self, obj: dict, key: str, where: str, *, required: bool = False, not_future: bool = True
    ) -> date | None:
        value = obj.get(key)
        place = f"{where}.{key}"
        if value is None:
            if required:
                self.error(place, "ontbreekt")
            return None
        if not isinstance(value, str) or not _DATE.match(value):
            self.error(place, f"geen geldige datum {_show(value)} (verwacht JJJJ-MM-DD)")
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.error(place, f"geen geldige datum {_show(value)} (verwacht JJJJ-MM-DD)")
            return None
        if not_future and day > self.today:
            self.error(place, f"ligt in de toekomst ({value})")
            return None
        return day

    def number(self, obj: dict, key: str, where: str, *, required: bool = False) -> Decimal | None:
        value = obj.get(key)
        place = f"{where}.{key}"
        if value is None:
            if required:
                self.error(place, "ontbreekt")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.error(place, f"geen getal ({_show(value)})")
            return None
        # A float (a document parsed without parse_float=Decimal) is read by its shortest repr: 0.1 stays 0.1.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or abs(number) >= Decimal("1e10"):
            self.error(place, f"getal buiten bereik ({_show(value)}; kleiner dan 10 000 000 000)")
            return None
        if number.normalize().as_tuple().exponent < -4:
            self.error(place, f"te veel decimalen ({_show(value)}; maximaal 4)")
            return None
        return number

    def external_id(self, obj: dict, where: str) -> str | None:
        value = self.text(obj, "external_id", where, limit=120)
        if value is not None and not value.strip():
            self.error(f"{where}.external_id", "is leeg (laat het veld weg of geef een waarde)")
            return None
        return value.strip() if value is not None else None

    def phase(self, obj: dict, key: str, where: str, *, required: bool) -> CyclePhase | None:
        slug = self.text(obj, key, where, required=required)
        if slug is None:
            return None
        phase = self.ref.phases.get(slug.strip())
        if phase is None:
            self.error(f"{where}.{key}", f"onbekende fase {_show(slug)}")
        return phase


def _label(index: int, item: Any) -> str:
    ext = item.get("external_id") if isinstance(item, dict) else None
    if isinstance(ext, str) and ext.strip():
        ext = ext.strip()
        return f"practices[{index}] ({ext[:60]}{'…' if len(ext) > 60 else ''})"
    return f"practices[{index}]"


def _check_item(check: _Checker, index: int, raw: Any, top_demo: bool) -> ItemPlan | None:
    where = _label(index, raw)
    item = check.obj(raw, where, required=True)
    if item is None:
        return None
    before = len(check.errors)
    check.keys(item, ITEM_KEYS, where)
    external_id = check.external_id(item, where)

    region = None
    region_key = check.text(item, "region", where, required=True)
    if region_key is not None:
        region = check.ref.regions.get(region_key.strip())
        if region is None:
            check.error(f"{where}.region", f"onbekende regio {_show(region_key)}")

    limits = services.LIMITS
    title = check.text(item, "title", where, limit=limits["title"], required=True)
    summary = check.text(item, "summary", where, limit=limits["summary"], required=True)
    body = check.text(item, "body", where, limit=limits["body"]) or ""
    target_group = check.text(item, "target_group", where, limit=limits["target_group"]) or ""

    themes: list[Theme] = []
    raw_themes = check.lst(item.get("themes"), f"{where}.themes")
    if item.get("themes") is None or raw_themes == []:
        check.error(f"{where}.themes", "kies minstens één thema" if raw_themes == [] else "ontbreekt")
    for slug in raw_themes or []:
        theme = check.ref.themes.get(slug) if isinstance(slug, str) else None
        if theme is None:
            check.error(f"{where}.themes", f"onbekend thema {_show(slug)}")
        elif theme not in themes:
            themes.append(theme)
    themes.sort(key=lambda t: check.ref.theme_order[t.id])

    lines: list[ActionLine] = []
    for number in check.lst(item.get("action_lines"), f"{where}.action_lines") or []:
        line = (
            check.ref.lines.get(number) if isinstance(number, int) and not isinstance(number, bool) else None
        )
        if line is None:
            check.error(f"{where}.action_lines", f"onbekende actielijn {_show(number)}")
        elif line not in lines:
            lines.append(line)
    lines.sort(key=lambda x: x.number)

    phase = check.phase(item, "phase", where, required=True)

    status = Status.DRAFT
    raw_status = check.text(item, "status", where)
    if raw_status is not None:
        try:
            status = Status(raw_status)
        except ValueError:
            check.error(
                f"{where}.status", f"onbekende status {_show(raw_status)} (kies draft, published of archived)"
            )

    contact_name = contact_email = ""
    contact = check.obj(item.get("contact"), f"{where}.contact")
    if contact is not None:
        check.keys(contact, CONTACT_KEYS, f"{where}.contact")
        contact_name = check.text(contact, "name", f"{where}.contact", limit=limits["contact_name"]) or ""
        contact_email = check.text(contact, "email", f"{where}.contact", limit=limits["contact_email"]) or ""
        if contact_email.strip():
            try:
                validate_email(contact_email.strip(), check_deliverability=False)
            except EmailNotValidError:
                check.error(f"{where}.contact.email", f"geen geldig e-mailadres {_show(contact_email)}")

    period_start = period_end = None
    period = check.obj(item.get("period"), f"{where}.period")
    if period is not None:
        check.keys(period, PERIOD_KEYS, f"{where}.period")
        period_start = check.day(period, "start", f"{where}.period", not_future=False)
        period_end = check.day(period, "end", f"{where}.period", not_future=False)
        if period_start and period_end and period_end < period_start:
            check.error(f"{where}.period.end", f"ligt vóór period.start ({period_start.isoformat()})")

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
        if url is not None:
            url = url.strip()
            if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
                check.error(
                    f"{lw}.url",
                    f"moet beginnen met https:// of http:// en mag geen spaties bevatten ({_show(url)})",
                )
            else:
                links.append((link_title, url))

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

    demo = top_demo
    if "demo" in item and item["demo"] is not None:
        if not isinstance(item["demo"], bool):
            check.error(f"{where}.demo", f"moet true of false zijn, niet {_kind(item['demo'])}")
        else:
            demo = item["demo"]

    steps = _check_steps(check, item, where, phase)
    results = _check_results(check, item, where, phase)

    if len(check.errors) > before or region is None or phase is None or title is None or summary is None:
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
    )


def _check_steps(check: _Checker, item: dict, where: str, phase: CyclePhase | None) -> list[StepIn] | None:
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


def _check_results(check: _Checker, item: dict, where: str, phase: CyclePhase | None) -> list[ResultIn]:
    results: list[ResultIn] = []
    seen_ids: dict[str, int] = {}
    limits = services.LIMITS
    for i, raw in enumerate(check.lst(item.get("results"), f"{where}.results") or []):
        rw = f"{where}.results[{i}]"
        result = check.obj(raw, rw, required=True)
        if result is None:
            continue
        before = len(check.errors)
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
        if len(check.errors) > before or result_phase is None:
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


def _error_order(error: str) -> int:
    """File-level errors first, then per practice in file order (stable: fields keep their order)."""
    match = _ITEM_INDEX.match(error)
    return int(match.group(1)) if match else -1


def check_document(doc: Any, *, demo: bool = False) -> list[ItemPlan]:
    """Check a whole parsed document against the format and the reference data (no database writes).

    Raises Invalid listing every problem (details["errors"]), or returns one plan per practice.
    """
    if not isinstance(doc, dict):
        raise Invalid(
            'Het bestand moet een JSON-object zijn met "format", "version" en "practices".',
            details={"errors": [f"(bestand): moet een object zijn, niet {_kind(doc)}"]},
        )
    lookups = _Lookups()
    if not lookups.regions or not lookups.themes or not lookups.phases:
        raise Invalid("Laad eerst de referentiegegevens: flask seed reference")
    check = _Checker(lookups, services._today())
    check.keys(doc, TOP_KEYS, "(bestand)")
    if doc.get("format") != FORMAT:
        check.error("format", f"moet '{FORMAT}' zijn, niet {_show(doc.get('format'))}")
    if doc.get("version") != VERSION or isinstance(doc.get("version"), bool):
        check.error("version", f"alleen versie {VERSION} wordt ondersteund, niet {_show(doc.get('version'))}")
    top_demo = doc.get("demo", False)
    if not isinstance(top_demo, bool):
        check.error("demo", f"moet true of false zijn, niet {_kind(top_demo)}")
        top_demo = False
    items = doc.get("practices")
    if not isinstance(items, list):
        check.error(
            "practices", "ontbreekt" if items is None else f"moet een lijst zijn, niet {_kind(items)}"
        )
        items = []
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
    if check.errors:
        check.errors.sort(key=_error_order)
        raise Invalid(
            f"Het bestand bevat {len(check.errors)} fout(en); er is niets geïmporteerd.",
            details={"errors": check.errors},
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
        selectinload(Practice.phase),
        selectinload(Practice.steps),
        selectinload(Practice.results),
    )


def _match_existing(check: _Checker, plans: list[ItemPlan]) -> None:
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


def _plan_update(check: _Checker, plan: ItemPlan) -> None:
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
    # Cycle steps are history: kept as they are; the file's steps after the known ones are appended.
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

    # Results: by external id, else by (indicator, measured_on) among those without one; never duplicated.
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


# --- applying -----------------------------------------------------------------------------------------------


def _result_differs(result: Result, data: services.ResultData) -> bool:
    return (
        result.indicator != data.indicator
        or result.value != data.value
        or (result.unit or "") != data.unit
        or result.baseline != data.baseline
        or result.target != data.target
        or result.phase_id != data.phase.id
        or (result.narrative or "") != data.narrative
        or (data.external_id is not None and result.external_id != data.external_id)
    )


def _apply_results(plan: ItemPlan, practice: Practice, report: ImportReport) -> bool:
    changed = False
    for item in plan.results:
        data = item.data
        if item.match is None:
            services.add_result(None, practice, data)
            report.results_added += 1
            changed = True
        elif _result_differs(item.match, data):
            # There is no edit service for results (the pages only add them); the same checks apply.
            services.check_result_data(data)
            result = item.match
            result.indicator, result.value, result.unit = data.indicator, data.value, data.unit
            result.baseline, result.target, result.phase_id = data.baseline, data.target, data.phase.id
            result.narrative = data.narrative
            if data.external_id is not None:
                result.external_id = data.external_id
            practice.updated_at = utcnow()
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
        services.publish_practice(None, practice)
    elif plan.status == Status.ARCHIVED:
        if practice.status == Status.DRAFT and plan.published:
            services.publish_practice(None, practice)  # it was public before it was archived
        services.archive_practice(None, practice)
    return True


def _create(plan: ItemPlan, report: ImportReport) -> None:
    first = plan.steps[0] if plan.steps else None
    data = plan.data
    if first is not None:
        data = services.PracticeData(**{**data.__dict__, "phase": first.to_phase})
    practice = services.create_practice(
        None,
        plan.region,
        data,
        external_id=plan.external_id,
        is_demo=plan.demo,
        started_on=first.moved_on if first else (plan.created or None),
        start_explanation=(first.explanation or None) if first else None,
    )
    report.steps_recorded += 1
    for step in (plan.steps or [])[1:]:
        services.move_phase(None, practice, step.to_phase, step.explanation, step.moved_on)
        report.steps_recorded += 1
    if practice.phase_id != plan.data.phase.id:
        services.move_phase(None, practice, plan.data.phase, IMPORT_MOVE_EXPLANATION, services._today())
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


def _update(plan: ItemPlan, report: ImportReport) -> None:
    practice = plan.existing
    data = services.PracticeData(**{**plan.data.__dict__, "phase": practice.phase})
    changed = services.update_practice(None, practice, data, expected_revision=None)
    if practice.is_demo != plan.demo:
        practice.is_demo = plan.demo
        changed = True
    for step in plan.new_steps:
        services.move_phase(None, practice, step.to_phase, step.explanation, step.moved_on)
        report.steps_recorded += 1
        changed = True
    if plan.final_move:
        services.move_phase(None, practice, plan.data.phase, IMPORT_MOVE_EXPLANATION, services._today())
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


def apply_plans(plans: list[ItemPlan], *, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Write checked plans through the services (actor None). Flushes only; the caller commits."""
    report = ImportReport()
    without_id = sum(1 for p in plans if not p.external_id)
    if without_id:
        report.warnings.append(
            f"{without_id} praktijkvoorbeeld(en) zonder external_id: opnieuw importeren maakt ze opnieuw aan."
        )
    for plan in plans:
        try:
            if plan.existing is None:
                _create(plan, report)
            else:
                _update(plan, report)
        except DomainError as error:
            fields = error.details.get("fields") or {}
            problems = [f"{plan.label}.{name}: {message}" for name, message in fields.items()]
            raise Invalid(
                "Het bestand kon niet worden toegepast; er is niets geïmporteerd.",
                details={"errors": problems or [f"{plan.label}: {error.text()}"]},
            ) from error
        if progress is not None:
            progress(1)
    db.session.flush()
    return report


def import_practices(
    doc: Any, *, demo: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Check a whole parsed document, then create or update its practices (importer/system: actor None).

    Raises Invalid (details["errors"] lists every problem) and writes nothing when anything is wrong. `demo`
    marks every practice as demo content. Flushes only: the caller owns the one transaction.
    """
    plans = check_document(doc, demo=demo)
    return apply_plans(plans, progress=progress)
