"""Seeding reference data from its JSON file. The file is validated whole before anything is written."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from exchange.errors import Invalid, join_by_field
from exchange.extensions import db
from exchange.reference.models import (
    ActionLine,
    CyclePhase,
    Fund,
    FundAllocation,
    Region,
    Source,
    Theme,
    TransformationPlan,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_FILE = DATA_DIR / "reference-data.json"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_RE = re.compile(r"^JZ\d{2}$")

# Transformation plan facts found in the cited sources (all 42 plans were approved on 23 November 2018).
KNOWN_PLAN_FACTS = {
    "JZ25": {
        "title": "Perspectief, binding en ondersteuning",
        "period_start": 2018,
        "period_end": 2022,
        "source_keys": ["achterhoek"],
    },
    "JZ16": {
        "title": "Transformatieplan Jeugd",
        "period_start": 2019,
        "period_end": 2021,
        "source_keys": ["gooi"],
    },
}


@dataclass
class SeedReport:
    """What a seed run did, per kind of record."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # fields that differ from the file but were kept

    def count(self, bucket: str, kind: str) -> None:
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def read_reference_file(path: Path | str = REFERENCE_FILE) -> dict[str, Any]:
    """Read and parse the reference file; raise Invalid with a clear message if it is unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise Invalid(f"Bestand niet gevonden: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"Bestand kan niet worden gelezen: {path} ({exc.__class__.__name__})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"Geen geldige JSON in {path}: regel {exc.lineno}, kolom {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(data, dict):
        raise Invalid(f"{path}: het bestand moet een JSON-object zijn.")
    return data


class _Checker:
    """Collects every problem of the file as (place, message), e.g. ("regions[3].code", "ontbreekt")."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def error(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def fail(self, summary: str) -> None:
        """Raise Invalid naming every problem (one message per place), if there is any."""
        if self.problems:
            raise Invalid.on_fields(join_by_field(self.problems), summary)

    def need(self, item: dict, key: str, kind: type | tuple, where: str, *, optional: bool = False) -> Any:
        if not isinstance(item, dict):
            self.error(where, "moet een object zijn")
            return None
        if key not in item or item[key] is None:
            if not optional:
                self.error(f"{where}.{key}", "ontbreekt")
            return None
        value = item[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.error(f"{where}.{key}", f"verkeerd type ({type(value).__name__})")
            return None
        if isinstance(value, str) and not value.strip() and not optional:
            self.error(f"{where}.{key}", "is leeg")
            return None
        return value

    def unique(self, values: list, label: str) -> None:
        seen: set = set()
        for value in values:
            if value is None:
                continue
            if value in seen:
                self.error(label, f"dubbele waarde {value!r}")
            seen.add(value)

    def pattern(self, value: str | None, regex: re.Pattern, where: str) -> None:
        if value is not None and not regex.match(value):
            self.error(where, f"ongeldige waarde {value!r}")


def validate_reference(data: dict[str, Any]) -> None:
    """Check the whole reference document; raise Invalid listing every problem, or return None."""
    check = _Checker()
    for section in ("regions", "action_lines", "themes", "development_cycle", "fund", "sources"):
        if section not in data:
            check.error(section, "ontbreekt")
    check.fail("Het referentiebestand is onvolledig.")

    regions = data["regions"] if isinstance(data["regions"], list) else []
    if not isinstance(data["regions"], list) or not regions:
        check.error("regions", "moet een niet-lege lijst zijn")
    for i, region in enumerate(regions):
        where = f"regions[{i}]"
        check.pattern(check.need(region, "code", str, where), CODE_RE, f"{where}.code")
        check.pattern(check.need(region, "slug", str, where), SLUG_RE, f"{where}.slug")
        check.need(region, "name", str, where)
        check.need(region, "province", str, where)
        check.need(region, "display_name", str, where, optional=True)
        check.need(region, "central_municipality", str, where, optional=True)
        municipalities = check.need(region, "municipalities", list, where)
        if municipalities is not None and not all(isinstance(m, str) and m.strip() for m in municipalities):
            check.error(f"{where}.municipalities", "alleen niet-lege namen toegestaan")
    check.unique([r.get("code") for r in regions if isinstance(r, dict)], "regions.code")
    check.unique([r.get("slug") for r in regions if isinstance(r, dict)], "regions.slug")
    region_codes = {r.get("code") for r in regions if isinstance(r, dict)}

    lines = data["action_lines"] if isinstance(data["action_lines"], list) else []
    if not lines:
        check.error("action_lines", "moet een niet-lege lijst zijn")
    for i, line in enumerate(lines):
        where = f"action_lines[{i}]"
        number = check.need(line, "number", int, where)
        if number is not None and not 1 <= number <= 99:
            check.error(f"{where}.number", f"buiten bereik ({number})")
        check.pattern(check.need(line, "slug", str, where), SLUG_RE, f"{where}.slug")
        check.need(line, "title", str, where)
        check.need(line, "short", str, where)
        for key in ("title_en", "short_en"):
            check.need(line, key, str, where, optional=True)
    check.unique([x.get("number") for x in lines if isinstance(x, dict)], "action_lines.number")
    check.unique([x.get("slug") for x in lines if isinstance(x, dict)], "action_lines.slug")
    line_numbers = {x.get("number") for x in lines if isinstance(x, dict)}

    themes = data["themes"] if isinstance(data["themes"], list) else []
    if not themes:
        check.error("themes", "moet een niet-lege lijst zijn")
    for i, theme in enumerate(themes):
        where = f"themes[{i}]"
        check.pattern(check.need(theme, "slug", str, where), SLUG_RE, f"{where}.slug")
        check.need(theme, "name", str, where)
        for key in ("name_en", "description", "description_en"):
            check.need(theme, key, str, where, optional=True)
        number = check.need(theme, "action_line", int, where, optional=True)
        if number is not None and number not in line_numbers:
            check.error(f"{where}.action_line", f"onbekende actielijn {number}")
    check.unique([x.get("slug") for x in themes if isinstance(x, dict)], "themes.slug")

    phases = data["development_cycle"] if isinstance(data["development_cycle"], list) else []
    if not phases:
        check.error("development_cycle", "moet een niet-lege lijst zijn")
    for i, phase in enumerate(phases):
        where = f"development_cycle[{i}]"
        check.pattern(check.need(phase, "slug", str, where), SLUG_RE, f"{where}.slug")
        check.need(phase, "order", int, where)
        check.need(phase, "name", str, where)
        for key in ("name_en", "guiding_question", "guiding_question_en", "description", "description_en"):
            check.need(phase, key, str, where, optional=True)
    check.unique([x.get("slug") for x in phases if isinstance(x, dict)], "development_cycle.slug")
    check.unique([x.get("order") for x in phases if isinstance(x, dict)], "development_cycle.order")

    fund = data["fund"]
    if not isinstance(fund, dict):
        check.error("fund", "moet een object zijn")
    else:
        for key in ("total_eur", "per_year_eur"):
            check.need(fund, key, int, "fund")
        check.need(fund, "name", str, "fund")
        years = check.need(fund, "years", list, "fund")
        if years is not None and (not years or not all(isinstance(y, int) for y in years)):
            check.error("fund.years", "moet een lijst van jaartallen zijn")
        contributions = check.need(fund, "contributions", dict, "fund")
        if contributions is not None:
            check.need(contributions, "gemeenten_eur", int, "fund.contributions")
            check.need(contributions, "rijk_eur", int, "fund.contributions")
        for key in ("submission_deadline", "assessed_on", "announced_on"):
            value = check.need(fund, key, str, "fund", optional=True)
            if value is not None:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    check.error(f"fund.{key}", f"geen geldige datum ({value!r})")
        for i, alloc in enumerate(fund.get("allocations_known") or []):
            where = f"fund.allocations_known[{i}]"
            code = check.need(alloc, "region_code", str, where)
            if code is not None and code not in region_codes:
                check.error(f"{where}.region_code", f"onbekende regio {code!r}")
            if isinstance(alloc, dict) and not (
                alloc.get("annual_eur_approx") or alloc.get("three_year_eur_approx")
            ):
                check.error(where, "bedrag ontbreekt")
            for key in ("annual_eur_approx", "three_year_eur_approx"):
                if isinstance(alloc, dict) and alloc.get(key) and parse_approx_eur(alloc[key]) is None:
                    check.error(f"{where}.{key}", f"bedrag niet te lezen ({alloc[key]!r})")

    sources = data["sources"]
    if not isinstance(sources, dict):
        check.error("sources", "moet een object zijn")
    else:
        for key, source in sources.items():
            check.need(source, "title", str, f"sources.{key}")

    check.fail("Het referentiebestand bevat fouten; er is niets gewijzigd.")


_APPROX_RE = re.compile(r"(\d+(?:[.,]\d+)*)\s*(miljoen)?", re.IGNORECASE)


def parse_approx_eur(text: str) -> int | None:
    """Read an approximate Dutch amount such as 'ruim 2,7 miljoen' or 'nog geen 194.000' as whole euros."""
    match = _APPROX_RE.search(text or "")
    if not match:
        return None
    number, million = match.groups()
    if million:
        value = float(number.replace(".", "").replace(",", "."))
        return round(value * 1_000_000)
    return int(number.replace(".", "").replace(",", ""))


def _unverified_region_fields(region: dict) -> list[str]:
    fields = []
    confidence = region.get("confidence") or {}
    for name, level in confidence.items():
        if level != "high":
            fields.append(name)
    note = (region.get("display_name_note") or "").lower()
    if "unverified" in note:
        fields.append("display_name")
    return sorted(set(fields))


class _Upserter:
    """Create missing rows; update differing fields only when `overwrite` (keeps administrators' edits)."""

    def __init__(self, report: SeedReport, overwrite: bool) -> None:
        self.report = report
        self.overwrite = overwrite

    def apply(self, kind: str, obj, values: dict[str, Any], *, created: bool, label: str) -> None:
        if created:
            for key, value in values.items():
                setattr(obj, key, value)
            db.session.add(obj)
            self.report.count("created", kind)
            return
        differing = [key for key, value in values.items() if getattr(obj, key) != value]
        # A value the database never had (e.g. an English text added to the file later) fills a gap; it does not
        # overwrite an administrator's edit, so it is applied without --overwrite.
        gaps = [key for key in differing if getattr(obj, key) in (None, "") and values[key] not in (None, "")]
        for key in gaps:
            setattr(obj, key, values[key])
        differing = [key for key in differing if key not in gaps]
        if gaps and not differing:
            self.report.count("updated", kind)
        elif not differing:
            self.report.count("unchanged", kind)
        elif self.overwrite:
            for key in differing:
                setattr(obj, key, values[key])
            self.report.count("updated", kind)
        else:
            self.report.kept.extend(f"{label}.{key}" for key in differing)
            self.report.count("unchanged", kind)


def load_reference(data: dict[str, Any], *, overwrite: bool = False) -> SeedReport:
    """Create or update reference data from a parsed reference document.

    Validates everything first and raises Invalid (writing nothing) on any error. Existing rows are matched by
    their stable keys (region code, action line number, theme/phase slug, source key). Values an administrator
    changed are kept unless `overwrite` is set; they are listed in the report. Only flushes: the caller commits.
    """
    validate_reference(data)
    report = SeedReport()
    up = _Upserter(report, overwrite)

    sources = {s.key: s for s in db.session.scalars(select(Source))}
    for key, item in data["sources"].items():
        obj = sources.get(key)
        values = {"title": item["title"], "where": item.get("where", ""), "kind": item.get("kind", "")}
        up.apply("sources", obj or Source(key=key), values, created=obj is None, label=f"source:{key}")

    lines = {x.number: x for x in db.session.scalars(select(ActionLine))}
    for item in data["action_lines"]:
        obj = lines.get(item["number"])
        reported = 19 if item["number"] == 4 and any("19" in f for f in item.get("facts", [])) else None
        values = {
            "slug": item["slug"],
            "title": item["title"],
            "title_en": item.get("title_en"),
            "short": item["short"],
            "short_en": item.get("short_en"),
            "facts": list(item.get("facts", [])),
            "reported_plan_count": reported,
            "reported_plan_count_source": "16-27.nl" if reported else None,
            "source_keys": list(item.get("source", [])),
            "verified": item.get("confidence", "high") == "high",
        }
        if obj is None:
            obj = ActionLine(number=item["number"])
            lines[item["number"]] = obj
            up.apply("action_lines", obj, values, created=True, label="")
        else:
            up.apply("action_lines", obj, values, created=False, label=f"actielijn:{item['number']}")
    db.session.flush()

    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    for position, item in enumerate(data["themes"], start=1):
        obj = themes.get(item["slug"])
        line = lines.get(item["action_line"]) if item.get("action_line") is not None else None
        values = {
            "name": item["name"],
            "name_en": item.get("name_en"),
            "description": item.get("description", ""),
            "description_en": item.get("description_en"),
            "action_line_id": line.id if line else None,
            "verified": bool(item.get("verified", False)),
            "action_line_verified": bool(item.get("action_line_verified", True)),
            "note": item.get("note"),
            "source_keys": list(item.get("source", [])),
            "position": position,
        }
        up.apply(
            "themes",
            obj or Theme(slug=item["slug"]),
            values,
            created=obj is None,
            label=f"thema:{item['slug']}",
        )

    phases = {p.slug: p for p in db.session.scalars(select(CyclePhase))}
    for item in data["development_cycle"]:
        obj = phases.get(item["slug"])
        values = {
            "position": item["order"],
            "name": item["name"],
            "name_en": item.get("name_en"),
            "guiding_question": item.get("guiding_question", ""),
            "guiding_question_en": item.get("guiding_question_en"),
            "description": item.get("description", ""),
            "description_en": item.get("description_en"),
            "verified": bool(item.get("verified", False)),
            "source_note": item.get("source") if isinstance(item.get("source"), str) else None,
            "source_keys": list(item.get("refs", [])),
        }
        up.apply(
            "phases",
            obj or CyclePhase(slug=item["slug"]),
            values,
            created=obj is None,
            label=f"fase:{item['slug']}",
        )

    regions = {r.code: r for r in db.session.scalars(select(Region))}
    for item in data["regions"]:
        obj = regions.get(item["code"])
        values = {
            "slug": item["slug"],
            "name": item["name"],
            "display_name": item.get("display_name") or item["name"],
            "display_name_note": item.get("display_name_note", ""),
            "province": item["province"],
            "provinces": list(item.get("provinces") or [item["province"]]),
            "central_municipality": item.get("central_municipality"),
            "municipalities": sorted(item.get("municipalities", [])),
            "provenance": {
                "source": item.get("source", {}),
                "confidence": item.get("confidence", {}),
            },
            "unverified": _unverified_region_fields(item),
            "source_keys": list((item.get("source") or {}).get("refs", [])),
        }
        if obj is None:
            obj = Region(code=item["code"])
            regions[item["code"]] = obj
            up.apply("regions", obj, values, created=True, label="")
        else:
            up.apply("regions", obj, values, created=False, label=f"regio:{item['code']}")
    db.session.flush()

    fund_data = data["fund"]
    plan_approved = date.fromisoformat(fund_data["assessed_on"]) if fund_data.get("assessed_on") else None
    plans = {p.region_id: p for p in db.session.scalars(select(TransformationPlan))}
    for code, region in regions.items():
        facts = KNOWN_PLAN_FACTS.get(code, {})
        obj = plans.get(region.id)
        values = {
            "title": facts.get("title"),
            "period_start": facts.get("period_start"),
            "period_end": facts.get("period_end"),
            "approved_on": plan_approved,
            "verified": bool(facts),
            "source_keys": facts.get("source_keys", ["vng_toekenning"]),
        }
        up.apply(
            "plans",
            obj or TransformationPlan(region_id=region.id),
            values,
            created=obj is None,
            label=f"plan:{code}",
        )

    fund = db.session.scalar(select(Fund).where(Fund.name == fund_data["name"]))
    years = sorted(fund_data["years"])
    fund_values = {
        "total_eur": fund_data["total_eur"],
        "per_year_eur": fund_data["per_year_eur"],
        "first_year": years[0],
        "last_year": years[-1],
        "municipalities_eur": fund_data["contributions"]["gemeenten_eur"],
        "state_eur": fund_data["contributions"]["rijk_eur"],
        "distribution_key": fund_data.get("distribution_key", ""),
        "payment_route": fund_data.get("payment_route", ""),
        "rules": fund_data.get("rules", ""),
        "conditions": list(fund_data.get("conditions", [])),
        "submission_deadline": _date(fund_data.get("submission_deadline")),
        "assessed_on": _date(fund_data.get("assessed_on")),
        "assessed_by": fund_data.get("assessed_by", ""),
        "outcome": fund_data.get("outcome", ""),
        "announced_on": _date(fund_data.get("announced_on")),
        "allocations_note": fund_data.get("allocations_note", ""),
        "source_keys": list(fund_data.get("sources", [])),
    }
    fund_created = fund is None
    fund = fund or Fund(name=fund_data["name"])
    up.apply("fund", fund, fund_values, created=fund_created, label="fonds")
    db.session.flush()

    existing = {(a.region_id, a.basis): a for a in db.session.scalars(select(FundAllocation))}
    for item in fund_data.get("allocations_known") or []:
        region = regions[item["region_code"]]
        basis = "annual" if item.get("annual_eur_approx") else "total"
        label_text = item.get("annual_eur_approx") or item.get("three_year_eur_approx")
        obj = existing.get((region.id, basis))
        values = {
            "amount_eur": parse_approx_eur(label_text),
            "approx_label": label_text,
            "note": item.get("note"),
            "verified": True,
            "source_keys": list(item.get("source", [])),
        }
        up.apply(
            "allocations",
            obj or FundAllocation(fund_id=fund.id, region_id=region.id, basis=basis),
            values,
            created=obj is None,
            label=f"toekenning:{item['region_code']}",
        )
    db.session.flush()
    return report


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
