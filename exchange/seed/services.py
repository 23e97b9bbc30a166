"""Demo content for `make run`: realistic, idempotent and marked as demo wherever it shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from exchange.database import utcnow
from exchange.errors import Invalid, join_by_field
from exchange.extensions import db
from exchange.reference.models import ActionLine, Region, TransformationPlan
from exchange.reference.seeding import SeedReport

# Demo accounts use a reserved domain (RFC 2606) so they can never receive mail or be mistaken for people.
DEMO_EMAIL_DOMAIN = "demo.jeugdkennis.example"
DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo.json"
DEMO_PRACTICES_FILE = Path(__file__).resolve().parent / "data" / "demo_practices.json"


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
    problems = []
    for i, item in enumerate(plans):
        if item.get("region") not in regions:
            problems.append((f"plans[{i}].region", f"onbekende regio {item.get('region')!r}"))
        for number in item.get("action_lines", []):
            if number not in lines:
                problems.append((f"plans[{i}].action_lines", f"onbekende actielijn {number!r}"))
    if problems:
        raise Invalid.on_fields(
            join_by_field(problems), "Het demobestand bevat fouten; er is niets gewijzigd."
        )
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
        if (
            plan.is_demo
            and [x.number for x in plan.action_lines] == [x.number for x in wanted]
            and (plan.summary == item.get("summary"))
        ):
            report.count("unchanged", "demo_plans")
            continue
        plan.action_lines = wanted
        plan.summary = item.get("summary")
        plan.is_demo = True
        report.count("updated", "demo_plans")
    db.session.flush()


# Demo accounts (only ever created by `flask seed demo`): everyone signs in with DEMO_PASSWORD.
DEMO_PASSWORD = "demo-jeugdkennis"
# The demo administrator and functionaries have a second factor with this well-known secret (README: put it in
# an authenticator app, or print the current code with pyotp), so `make run` needs no setup step.
DEMO_TOTP_SECRET = "JEUGDKENNISDEMOTOTPGEHEIM2FA7777"
DEMO_USERS = [
    {"local": "beheerder", "name": "Bea Beheer (demo)", "role": "admin"},
    {"local": "rijnmond", "name": "Rosa Rijnmond (demo)", "role": "staff", "region": "JZ29"},
    {"local": "zeeland", "name": "Zeger Zeeland (demo)", "role": "staff", "region": "JZ38"},
    {"local": "groningen", "name": "Greet Groningen (demo)", "role": "staff", "region": "JZ01"},
    {
        "local": "functionaris.vakmanschap",
        "name": "Fenna Functionaris (demo)",
        "role": "functionary",
        "themes": ["vakmanschap", "wachtlijstaanpak", "wonen-naar-zelfstandigheid"],
        "coaches": [("JZ29", None), ("JZ01", "wachtlijstaanpak")],
    },
    {
        "local": "functionaris.pleegzorg",
        "name": "Pieter Pleegzorg (demo)",
        "role": "functionary",
        "themes": ["pleegzorg-gezinshuizen", "lokale-teams-toegang", "onderwijs-zorg"],
        "coaches": [("JZ38", None), ("JZ01", "onderwijs-zorg")],
    },
]


def load_demo_users(report: SeedReport) -> None:
    """Create the demo accounts (admin, staff in three regions, two coaching functionaries) when missing.

    Existing accounts are left alone, so running again changes nothing. The shared password is well known,
    which is acceptable only because these accounts exist solely through `seed demo` on a reserved domain.
    """
    from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
    from exchange.accounts.passwords import hash_password
    from exchange.accounts.twofactor.models import TwoFactor
    from exchange.reference.models import Theme

    regions = {r.code: r for r in db.session.scalars(select(Region))}
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    problems = []
    for item in DEMO_USERS:
        where = f"demo-account {item['local']}"
        wanted_regions = [item.get("region")] + [code for code, _ in item.get("coaches", [])]
        wanted_themes = item.get("themes", []) + [slug for _, slug in item.get("coaches", []) if slug]
        problems += [(where, f"onbekende regio {c}") for c in wanted_regions if c and c not in regions]
        problems += [(where, f"onbekend thema {s}") for s in wanted_themes if s not in themes]
    if problems:
        raise Invalid.on_fields(
            join_by_field(problems), "Laad eerst de referentiegegevens: flask seed reference"
        )
    password_hash = None
    for item in DEMO_USERS:
        email = f"{item['local']}@{DEMO_EMAIL_DOMAIN}"
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            report.count("unchanged", "demo-accounts")
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        region = regions.get(item.get("region"))
        user = User(
            email=email,
            name=item["name"],
            role=Role(item["role"]),
            region_id=region.id if region else None,
            password_hash=password_hash,
        )
        db.session.add(user)
        db.session.flush()
        if user.role in (Role.ADMIN, Role.FUNCTIONARY):
            db.session.add(TwoFactor(user_id=user.id, secret=DEMO_TOTP_SECRET, confirmed_at=utcnow()))
        for slug in item.get("themes", []):
            db.session.add(FunctionaryTheme(user_id=user.id, theme_id=themes[slug].id))
        for code, slug in item.get("coaches", []):
            db.session.add(
                CoachingAssignment(
                    user_id=user.id, region_id=regions[code].id, theme_id=themes[slug].id if slug else None
                )
            )
        report.count("created", "demo-accounts")
    db.session.flush()


def has_own_content() -> bool:
    """True when the database holds accounts that did not come from `seed demo` (a real installation)."""
    from exchange.accounts.models import User

    demo_domain = "%@" + DEMO_EMAIL_DOMAIN
    return db.session.scalar(select(User.id).where(~User.email.like(demo_domain)).limit(1)) is not None


def load_demo_practices(path: Path, report: SeedReport) -> None:
    """Load the demo practices through the bulk importer (the same code path as `flask practices import`),
    marked as demo. Re-running updates nothing when the file did not change."""
    from exchange.practices.transfer import import_practices, read_document

    result = import_practices(read_document(path), demo=True)
    kind = "demo-praktijkvoorbeelden"
    for bucket, n in (
        ("created", result.created),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
    ):
        if n:
            getattr(report, bucket)[kind] = n


def load_demo(data: dict[str, Any], practices_file: Path | None = DEMO_PRACTICES_FILE) -> SeedReport:
    """Load every part of the demo document, then the demo practices. Flushes only; the caller commits."""
    report = SeedReport()
    load_demo_plans(data.get("plans", []), report)
    load_demo_users(report)
    if practices_file is not None:
        load_demo_practices(practices_file, report)
    return report
