"""Demo content for `make run`: realistic, idempotent and marked as demo wherever it shows."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from exchange.errors import Invalid
from exchange.extensions import db
from exchange.reference.models import ActionLine, Region, TransformationPlan
from exchange.reference.services import SeedReport

# Demo accounts use a reserved domain (RFC 2606) so they can never receive mail or be mistaken for people.
DEMO_EMAIL_DOMAIN = "demo.jeugdkennis.example"
DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo.json"


def read_demo_file(path: Path = DEMO_FILE) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise Invalid(f"Demobestand kan niet worden gelezen: {path} ({exc})") from exc


def load_demo_plans(plans: list[dict[str, Any]], report: SeedReport) -> None:
    """Fill in demo summaries and addressed action lines on plans that have none yet (idempotent)."""
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    lines = {x.number: x for x in db.session.scalars(select(ActionLine))}
    if not regions or not lines:
        raise Invalid("Laad eerst de referentiegegevens: flask seed reference")
    errors = []
    for i, item in enumerate(plans):
        if item.get("region") not in regions:
            errors.append(f"plans[{i}].region: onbekende regio {item.get('region')!r}")
        for number in item.get("action_lines", []):
            if number not in lines:
                errors.append(f"plans[{i}].action_lines: onbekende actielijn {number!r}")
    if errors:
        raise Invalid("Het demobestand bevat fouten; er is niets gewijzigd.", details={"errors": errors})
    plans_by_region = {p.region_id: p for p in db.session.scalars(select(TransformationPlan))}
    for item in plans:
        region = regions[item["region"]]
        plan = plans_by_region.get(region.id)
        if plan is None:
            plan = TransformationPlan(region_id=region.id)
            db.session.add(plan)
        if plan.action_lines and not plan.is_demo:
            report.count("unchanged", "demo_plans")  # real data entered by an administrator wins
            continue
        wanted = [lines[n] for n in sorted(set(item["action_lines"]))]
        if plan.is_demo and [x.number for x in plan.action_lines] == [x.number for x in wanted] and (
            plan.summary == item.get("summary")
        ):
            report.count("unchanged", "demo_plans")
            continue
        plan.action_lines = wanted
        plan.summary = item.get("summary")
        plan.is_demo = True
        report.count("updated", "demo_plans")
    db.session.flush()


def has_own_content() -> bool:
    """True when the database holds accounts that did not come from `seed demo` (a real installation)."""
    from exchange.accounts.models import User

    demo_domain = "%@" + DEMO_EMAIL_DOMAIN
    return db.session.scalar(select(User.id).where(~User.email.like(demo_domain)).limit(1)) is not None


def load_demo(data: dict[str, Any]) -> SeedReport:
    """Load every part of the demo document. Flushes only; the caller commits."""
    report = SeedReport()
    load_demo_plans(data.get("plans", []), report)
    return report
