"""The one test world: small builders and a standard cast on top of the shipped reference data.

Every package builds its people and practices from here, so a test's data reads the same everywhere:

- `places()`: the regions, themes and phases the tests use (Rijnmond and Zeeland; onderwijs-zorg and
  pleegzorg-gezinshuizen; the cycle phases in order);
- `person(...)`: one account, with a password (so it signs in through the real form), themes and coaching
  assignments (addresses end in .example: email-validator refuses .test, so the login form would too);
  administrators and functionaries have a second factor with `tests.web.TOTP_SECRET` (it is required for
  them), which `tests.web.login` answers;
- `build_cast()`: the standard cast: staff of Rijnmond and of Zeeland, a coach of Rijnmond on one theme, a
  coach of Rijnmond on all themes, a coach of Zeeland, and an administrator;
- `practice(...)`: a practice created (and published) through the services, as a person would;
- `tests.world.public`: published practices with results, cycle steps and feedback, next to a draft and an
  archived one whose texts carry secrets (for the API, feed and dump tests).

Where a package needs more (a coach on another theme, a subscriber), it adds to this world in its conftest.
All builders work in the current application context and on `exchange.extensions.db`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role, User
from exchange.extensions import db
from exchange.reference.models import CyclePhase, Region, Theme
from tests.web import DEFAULT_PASSWORD, TOTP_SECRET

RIJNMOND = "JZ29"
ZEELAND = "JZ38"
THEME = "onderwijs-zorg"
OTHER_THEME = "pleegzorg-gezinshuizen"


def region(code: str) -> Region:
    """The region with this code (JZ01…JZ42) or slug."""
    found = db.session.scalar(select(Region).where((Region.code == code) | (Region.slug == code)))
    assert found is not None, f"no region {code!r}: load the `reference` fixture first"
    return found


def theme(slug: str = THEME) -> Theme:
    found = db.session.scalar(select(Theme).where(Theme.slug == slug))
    assert found is not None, f"no theme {slug!r}: load the `reference` fixture first"
    return found


def phases() -> list[CyclePhase]:
    return list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)))


@dataclass
class Places:
    region: Region  # Rotterdam Rijnmond
    other_region: Region  # Zeeland
    theme: Theme  # onderwijs-zorg
    other_theme: Theme  # pleegzorg-gezinshuizen
    phases: list[CyclePhase]


def places() -> Places:
    return Places(region(RIJNMOND), region(ZEELAND), theme(THEME), theme(OTHER_THEME), phases())


def person(
    email: str,
    role: Role | str,
    *,
    region: Region | None = None,
    name: str = "",
    password: str | None = DEFAULT_PASSWORD,
    themes=(),
    coaches=(),
    active: bool = True,
    two_factor: bool | None = None,
) -> User:
    """An account (flushed, not committed). `themes`: Themes the functionary works on; `coaches`: a list of
    (Region, Theme or None for all themes) assignments. `password=None` makes an invited account.
    `two_factor` (default: for administrators and functionaries with a password, who must have one) gives the
    account a confirmed second factor with TOTP_SECRET."""
    from exchange.accounts.passwords import hash_password
    from exchange.accounts.twofactor.models import TwoFactor
    from exchange.database import utcnow

    user = User(
        email=email,
        role=Role(role),
        region_id=region.id if region is not None else None,
        name=name or email.split("@")[0],
        password_hash=hash_password(password) if password is not None else None,
        active=active,
    )
    db.session.add(user)
    db.session.flush()
    for each in themes:
        db.session.add(FunctionaryTheme(user_id=user.id, theme_id=each.id))
    for coached, on in coaches:
        db.session.add(
            CoachingAssignment(user_id=user.id, region_id=coached.id, theme_id=on.id if on else None)
        )
    if two_factor is None:
        two_factor = password is not None and user.role in (Role.ADMIN, Role.FUNCTIONARY)
    if two_factor:
        db.session.add(TwoFactor(user_id=user.id, secret=TOTP_SECRET, confirmed_at=utcnow()))
    db.session.flush()
    return user


@dataclass
class Cast(Places):
    staff: User
    other_staff: User
    coach: User
    coach_all_themes: User
    other_coach: User
    admin: User


def build_cast() -> Cast:
    """Rijnmond with its staff and coaches, Zeeland's staff, Zeeland's coach and an administrator (committed)."""
    where = places()
    cast = Cast(
        **vars(where),
        staff=person("staff@rijnmond.example", Role.STAFF, region=where.region, name="Sanne Staf"),
        other_staff=person("staff@zeeland.example", Role.STAFF, region=where.other_region),
        coach=person(
            "coach@ozj.example", Role.FUNCTIONARY, name="Coen Coach", coaches=[(where.region, where.theme)]
        ),
        coach_all_themes=person(
            "coach-all@ozj.example", Role.FUNCTIONARY, themes=[where.theme], coaches=[(where.region, None)]
        ),
        other_coach=person(
            "other-coach@ozj.example",
            Role.FUNCTIONARY,
            themes=[where.theme],
            coaches=[(where.other_region, where.theme)],
        ),
        admin=person("admin@ozj.example", Role.ADMIN),
    )
    db.session.commit()
    return cast


def practice(
    cast: Places,
    title: str = "Thuiszitterstafel",
    *,
    actor: User | None = None,
    publish: bool = False,
    themes=None,
    region: Region | None = None,
    summary: str = "Onderwijs en jeugdhulp zoeken samen een plek voor elke thuiszitter.",
    **fields,
):
    """A practice created through the service by `actor` (default: the cast's staff) in the cast's region,
    on its theme and in the first phase unless told otherwise; a draft unless `publish`. Committed."""
    from exchange.practices import services

    actor = actor or getattr(cast, "staff", None)
    data = services.PracticeData(
        title=title,
        summary=summary,
        themes=themes or [cast.theme],
        phase=fields.pop("phase", cast.phases[0]),
        **fields,
    )
    made = services.create_practice(actor, region or cast.region, data)
    if publish:
        services.publish_practice(actor, made)
    db.session.commit()
    return made
