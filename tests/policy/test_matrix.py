"""The permission matrix: every role × every registered action, against an explicit table.

How to extend: when you register a rule (exchange/policy/*.py), add the action to EXPECTED with one or more
Case(target, allowed_roles). `target` builds the object the action is asked about from the World (two regions,
two themes, one person per role); write a new target function when your action needs a new kind of object
(e.g. a draft practice in region A). The test fails on any unexpected allow or deny, when a registered action
is missing from the table, and when the table names an action that no longer exists.

Roles, relative to region A and theme 1 (the region/theme of the targets):
  anonymous               not signed in (None)
  staff_own               regional staff of region A
  staff_other             regional staff of region B
  functionary_assigned    functionary linked to theme 1, coaching region A on theme 1
  functionary_all_themes  functionary linked to theme 1, coaching region A on all their themes
  functionary_unassigned  functionary linked to theme 1, coaching only region B
  admin                   administrator
  deactivated             staff of region A whose account was deactivated (acts as anonymous)
  system                  exchange.policy.SYSTEM: the command line, imports and seeding; acts as an
                          administrator and may create and edit practices in every region
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
from exchange.policy import RULES, SYSTEM, can
from exchange.reference.models import CyclePhase, Region, Theme

ROLES = (
    "anonymous",
    "staff_own",
    "staff_other",
    "functionary_assigned",
    "functionary_all_themes",
    "functionary_unassigned",
    "admin",
    "deactivated",
    "system",
)
NOBODY: frozenset[str] = frozenset()
ADMINS = frozenset({"admin", "system"})
SIGNED_IN = frozenset(
    {
        "staff_own",
        "staff_other",
        "functionary_assigned",
        "functionary_all_themes",
        "functionary_unassigned",
        "admin",
    }
)


@dataclass
class World:
    region_a: Region
    region_b: Region
    theme_1: Theme
    theme_2: Theme
    people: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # objects built by targets, for reuse


# --- targets: what each action is asked about ---------------------------------------------------------------------

Target = Callable[[World, Any], Any]


def nothing(world: World, actor) -> None:
    return None


def themselves(world: World, actor):
    """The actor's own account (None for visitors and the system actor)."""
    return actor if isinstance(actor, User) else None


def staff_of_a(world: World, actor) -> User:
    return world.people["staff_own"]


def functionary_target(world: World, actor) -> User:
    return world.people["functionary_unassigned"]


def region_a(world: World, actor) -> Region:
    return world.region_a


@dataclass(frozen=True)
class Case:
    target: Target
    allowed: frozenset[str]
    note: str = ""


# --- the table ----------------------------------------------------------------------------------------------------

EXPECTED: dict[str, list[Case]] = {
    "account.edit_self": [
        Case(themselves, SIGNED_IN, "one's own account"),
        Case(staff_of_a, frozenset({"staff_own"}), "someone else's account: only its owner"),
    ],
    "user.manage": [Case(staff_of_a, ADMINS), Case(nothing, ADMINS, "the people list")],
    "user.invite": [Case(nothing, ADMINS)],
    "assignment.manage": [Case(functionary_target, ADMINS)],
    "audit.view": [Case(nothing, ADMINS)],
    "reference.edit": [Case(region_a, ADMINS), Case(nothing, ADMINS)],
}


def _practice_cases() -> dict[str, list[Case]]:
    """Rules of exchange/policy/practices.py (imported unconditionally: a rename must fail here, not drop rows)."""
    from exchange.practices.models import Practice, Status

    def practice(status):
        def build(world: World, actor):
            key = f"practice-{status.value}"
            if key not in world.cache:
                from exchange.extensions import db

                item = Practice(
                    region_id=world.region_a.id,
                    phase_id=world.cache["phase"].id,
                    title="Matrix",
                    summary="-",
                    status=status,
                )
                item.themes = [world.theme_1]
                db.session.add(item)
                db.session.flush()
                world.cache[key] = item
            return world.cache[key]

        return build

    draft, published = practice(Status.DRAFT), practice(Status.PUBLISHED)

    def result(world: World, actor):
        if "result" not in world.cache:
            from datetime import date
            from decimal import Decimal

            from exchange.extensions import db
            from exchange.practices.models import Result

            item = Result(
                practice=published(world, actor),
                phase_id=world.cache["phase"].id,
                indicator="Matrix",
                value=Decimal(1),
                measured_on=date(2024, 1, 1),
            )
            db.session.add(item)
            db.session.flush()
            world.cache["result"] = item
        return world.cache["result"]

    region_team = frozenset(
        {"staff_own", "functionary_assigned", "functionary_all_themes", "admin", "system"}
    )
    # Imports and seeding write practices as the system actor; no person other than the region's staff may.
    writers = frozenset({"staff_own", "system"})
    everyone = frozenset(ROLES)
    return {
        "practice.view": [Case(draft, region_team, "a draft"), Case(published, everyone, "published")],
        "practice.create": [Case(region_a, writers)],
        "practice.edit": [Case(draft, writers), Case(published, writers)],
        "practice.publish": [Case(draft, writers)],
        "practice.archive": [Case(published, writers)],
        "practice.history": [Case(draft, region_team), Case(published, region_team)],
        "result.add": [Case(published, writers)],
        "result.edit": [Case(result, writers, "a result of a published practice of region A")],
        "result.delete": [Case(result, writers)],
        "feedback.view": [Case(draft, region_team), Case(published, region_team)],
        "document.view": [Case(draft, region_team, "a draft's documents"), Case(published, everyone)],
        "document.manage": [Case(draft, writers | {"admin"}), Case(published, writers | {"admin"})],
        "feedback.post": [
            Case(published, frozenset({"staff_own", "functionary_assigned", "functionary_all_themes"}))
        ],
        "dashboard.view": [
            Case(
                nothing,
                frozenset(
                    {
                        "functionary_assigned",
                        "functionary_all_themes",
                        "functionary_unassigned",
                        "admin",
                        "system",
                    }
                ),
            )
        ],
    }


EXPECTED.update(_practice_cases())
EXPECTED.update(
    {
        "digest.runs": [Case(nothing, ADMINS, "digest runs and the subscriber search")],
        "digest.preview": [Case(nothing, ADMINS, "anyone's next digest")],
    }
)
EXPECTED.update(
    {
        "search.manage": [Case(nothing, ADMINS, "the synonym list and the searches that found nothing")],
    }
)
EXPECTED.update(
    {
        "account.export_data": [
            Case(themselves, SIGNED_IN, "one's own data"),
            Case(staff_of_a, frozenset({"staff_own"}), "someone else's data: only its owner"),
        ],
    }
)


# --- the world ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(module_db) -> World:
    """Two regions, two themes and one person per role (minimal rows, no reference file needed).

    Built once per module: the tests only ask the policy (targets are built once and cached in the world)."""
    db = module_db

    def make_region(code: str, slug: str) -> Region:
        region = Region(
            code=code, slug=slug, name=slug.title(), display_name=slug.title(), province="Utrecht"
        )
        db.session.add(region)
        return region

    a, b = make_region("JZ91", "regio-a"), make_region("JZ92", "regio-b")
    t1, t2 = Theme(slug="thema-1", name="Thema 1"), Theme(slug="thema-2", name="Thema 2")
    db.session.add_all([t1, t2])
    db.session.flush()

    def person(key: str, role: Role, region: Region | None = None, **fields) -> User:
        user = User(
            email=f"{key}@matrix.example", role=role, region_id=region.id if region else None, **fields
        )
        db.session.add(user)
        return user

    people: dict[str, Any] = {
        "anonymous": None,
        "staff_own": person("staff_own", Role.STAFF, a),
        "staff_other": person("staff_other", Role.STAFF, b),
        "functionary_assigned": person("functionary_assigned", Role.FUNCTIONARY),
        "functionary_all_themes": person("functionary_all_themes", Role.FUNCTIONARY),
        "functionary_unassigned": person("functionary_unassigned", Role.FUNCTIONARY),
        "admin": person("admin", Role.ADMIN),
        "deactivated": person("deactivated", Role.STAFF, a, active=False),
        "system": SYSTEM,
    }
    db.session.flush()
    for key in ("functionary_assigned", "functionary_all_themes", "functionary_unassigned"):
        db.session.add(FunctionaryTheme(user_id=people[key].id, theme_id=t1.id))
    db.session.add_all(
        [
            CoachingAssignment(user_id=people["functionary_assigned"].id, region_id=a.id, theme_id=t1.id),
            CoachingAssignment(user_id=people["functionary_all_themes"].id, region_id=a.id, theme_id=None),
            CoachingAssignment(user_id=people["functionary_unassigned"].id, region_id=b.id, theme_id=t1.id),
        ]
    )
    world = World(a, b, t1, t2, people)
    phase = CyclePhase(slug="fase-1", position=1, name="Fase 1")
    db.session.add(phase)
    world.cache["phase"] = phase
    db.session.flush()
    return world


# --- the tests ----------------------------------------------------------------------------------------------------


def registered_actions() -> list[str]:
    return sorted(RULES)


def test_every_registered_action_is_in_the_table():
    missing = set(registered_actions()) - set(EXPECTED)
    assert not missing, f"add these actions to EXPECTED in {__file__}: {sorted(missing)}"


def test_the_table_names_no_unknown_actions():
    stale = set(EXPECTED) - set(registered_actions())
    assert not stale, f"these actions are in EXPECTED but have no rule: {sorted(stale)}"


def test_the_table_names_only_known_roles():
    for action, cases in EXPECTED.items():
        for case in cases:
            assert case.allowed <= set(ROLES), (action, case.allowed - set(ROLES))


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_permission_matrix(world, action):
    surprises = []
    for case in EXPECTED[action]:
        for role in ROLES:
            actor = world.people[role]
            target = case.target(world, actor)
            allowed = can(actor, action, target)
            expected = role in case.allowed
            if allowed != expected:
                what = "ALLOWED" if allowed else "DENIED"
                surprises.append(
                    f"{role} unexpectedly {what} {action} on {case.target.__name__} {case.note}".strip()
                )
    assert not surprises, "\n".join(surprises)


def test_deactivated_accounts_are_treated_as_visitors(world):
    for action in registered_actions():
        for case in EXPECTED.get(action, []):
            deactivated = world.people["deactivated"]
            assert can(deactivated, action, case.target(world, deactivated)) == can(
                None, action, case.target(world, None)
            ), action
