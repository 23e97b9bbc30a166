"""The practice profile (issue 17): target ages, partners, youth participation, evidence level, costs and funding.

One place for the vocabularies (stored values and Dutch labels), the checks with Dutch messages, how the
profile is applied to a practice and snapshotted for its revisions, and the filters the list and search use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from exchange.database import utctoday
from exchange.extensions import db
from exchange.practices.models import Organisation, Practice, PracticePartner
from exchange.reference.models import Fund, FundAllocation, Region

AGE_MIN, AGE_MAX = 0, 99
EVIDENCE_FIRST_YEAR = 1990
MAX_PARTNERS = 30
LIMITS = {"partner_name": 200, "participation_note": 500, "evidence_url": 500, "cost_indication": 200}

PARTNER_KINDS = {
    "gemeente": _l("Gemeente"),
    "aanbieder": _l("Aanbieder"),
    "school": _l("School"),
    "huisartsenpraktijk": _l("Huisartsenpraktijk"),
    "jeugdzorgregio": _l("Jeugdzorgregio"),
    "jongerenorganisatie": _l("Jongerenorganisatie"),
    "anders": _l("Anders"),
}
# The participation ladder, lowest first.
PARTICIPATION_LEVELS = {
    "geinformeerd": _l("Geïnformeerd"),
    "geraadpleegd": _l("Geraadpleegd"),
    "adviseur": _l("Adviseur"),
    "coproducent": _l("Coproducent"),
    "mede-eigenaar": _l("Mede-eigenaar"),
}
# The levels of the Dutch recognition system for interventions (Erkenningscommissie Interventies), lowest first.
EVIDENCE_LEVELS = {
    "niet-beoordeeld": _l("Niet beoordeeld"),
    "goed-beschreven": _l("Goed beschreven"),
    "goed-onderbouwd": _l("Goed onderbouwd"),
    "eerste-aanwijzingen": _l("Effectief volgens eerste aanwijzingen"),
    "goede-aanwijzingen": _l("Effectief volgens goede aanwijzingen"),
    "sterke-aanwijzingen": _l("Effectief volgens sterke aanwijzingen"),
}
# The snapshot keys of the profile, in the order the history and the edit page show them.
FIELDS = (
    "age_from",
    "age_to",
    "partners",
    "participation_level",
    "participation_note",
    "evidence_level",
    "evidence_url",
    "evidence_year",
    "cost_indication",
    "fund_used",
    "fund_amount_eur",
)
_AGE_RANGE = re.compile(r"^\s*([0-9]{1,2})\s*[-–]\s*([0-9]{1,2})\s*$")
_TWO_DIGITS = re.compile(r"[0-9]{1,2}")


@dataclass
class ProfileData:
    """Validated, resolved profile input (from the edit form or an import file); everything optional."""

    age_from: int | None = None
    age_to: int | None = None
    partners: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    participation_level: str | None = None
    participation_note: str = ""
    evidence_level: str | None = None
    evidence_url: str = ""
    evidence_year: int | None = None
    cost_indication: str = ""
    fund_used: bool | None = None
    fund_amount_eur: int | None = None


def name_key(name: str) -> str:
    """An organisation's name folded for matching: lower case, single spaces."""
    return " ".join((name or "").split()).casefold()


def fund_cap(region: Region) -> tuple[int, bool] | None:
    """The most Transformatiefonds money `region` can have put into one practice: (euros, known allocation).

    The region's known allocation over the fund's whole period (a total, or an annual amount times the years);
    when the allocation is unknown, the whole fund. None when no fund is loaded.
    """
    fund = db.session.scalar(select(Fund).order_by(Fund.id))
    if fund is None:
        return None
    rows = db.session.scalars(
        select(FundAllocation).where(FundAllocation.fund_id == fund.id, FundAllocation.region_id == region.id)
    ).all()
    years = fund.last_year - fund.first_year + 1
    amounts = [
        a.amount_eur if a.basis == "total" else a.amount_eur * years for a in rows if a.amount_eur is not None
    ]
    if amounts:
        return max(amounts), True
    return fund.total_eur, False


def check_profile(data: ProfileData, region: Region) -> dict[str, str]:
    """Per-field Dutch messages for what breaks a rule (empty when the profile is fine)."""
    errors: dict[str, str] = {}
    for name in ("age_from", "age_to"):
        value = getattr(data, name)
        if value is not None and not AGE_MIN <= value <= AGE_MAX:
            errors[name] = _("Vul een leeftijd van %(a)s tot en met %(b)s jaar in.", a=AGE_MIN, b=AGE_MAX)
    ages = (data.age_from, data.age_to)
    if "age_to" not in errors and None not in ages and data.age_from > data.age_to:
        errors["age_to"] = _("De leeftijd 'tot' ligt onder de leeftijd 'van'.")
    if len(data.partners) > MAX_PARTNERS:
        errors["partners"] = _("Maximaal %(n)s partners.", n=MAX_PARTNERS)
    for name, kind in data.partners:
        if not name.strip() or len(name) > LIMITS["partner_name"]:
            errors["partners"] = _("Elke partner heeft een naam van hoogstens %(n)s tekens.", n=200)
        elif kind not in PARTNER_KINDS:
            errors["partners"] = _("Kies voor elke partner een soort organisatie.")
    if data.participation_level is not None and data.participation_level not in PARTICIPATION_LEVELS:
        errors["participation_level"] = _("Kies een niveau van de lijst.")
    if data.evidence_level is not None and data.evidence_level not in EVIDENCE_LEVELS:
        errors["evidence_level"] = _("Kies een niveau van de lijst.")
    for name in ("participation_note", "evidence_url", "cost_indication"):
        if len(getattr(data, name) or "") > LIMITS[name]:
            errors[name] = _("Maximaal %(n)s tekens.", n=LIMITS[name])
    url = data.evidence_url or ""
    if url and (
        not url.startswith("https://") or len(url) <= len("https://") or any(c.isspace() for c in url)
    ):
        errors["evidence_url"] = _("De link naar de databank moet beginnen met https:// (zonder spaties).")
    if data.evidence_year is not None and not EVIDENCE_FIRST_YEAR <= data.evidence_year <= utctoday().year:
        errors["evidence_year"] = _(
            "Vul een jaar van %(a)s tot en met %(b)s in.", a=EVIDENCE_FIRST_YEAR, b=utctoday().year
        )
    assessed = data.evidence_level not in (None, "niet-beoordeeld")
    if (url or data.evidence_year is not None) and not assessed and "evidence_level" not in errors:
        errors["evidence_level"] = _("Een link of jaar van beoordeling hoort bij een beoordeeld niveau.")
    if data.fund_amount_eur is not None:
        cap = fund_cap(region)
        if data.fund_used is not True:
            errors["fund_amount_eur"] = _("Een bedrag uit het Transformatiefonds hoort bij 'ja'.")
        elif data.fund_amount_eur < 0:
            errors["fund_amount_eur"] = _("Het bedrag kan niet negatief zijn.")
        elif cap is not None and data.fund_amount_eur > cap[0]:
            errors["fund_amount_eur"] = (
                _(
                    "Het bedrag is hoger dan de toekenning van de regio uit het Transformatiefonds (€ %(n)s).",
                    n=f"{cap[0]:,}".replace(",", "."),
                )
                if cap[1]
                else _(
                    "Het bedrag is hoger dan het hele Transformatiefonds (€ %(n)s).",
                    n=f"{cap[0]:,}".replace(",", "."),
                )
            )
    return errors


def _organisation(name: str, kind: str) -> Organisation:
    """The shared row for this name and kind, created when it is new."""
    key = name_key(name)
    found = db.session.scalar(
        select(Organisation).where(Organisation.name_key == key, Organisation.kind == kind)
    )
    if found is None:
        found = Organisation(name=" ".join(name.split()), name_key=key, kind=kind)
        db.session.add(found)
        db.session.flush()
    return found


def apply_profile(practice: Practice, data: ProfileData) -> None:
    """Write the (checked) profile onto `practice`; the partner rows change only when the list does."""
    practice.age_from, practice.age_to = data.age_from, data.age_to
    practice.participation_level = data.participation_level
    practice.participation_note = (data.participation_note or "").strip()
    practice.evidence_level = data.evidence_level
    practice.evidence_url = (data.evidence_url or "").strip()
    practice.evidence_year = data.evidence_year
    practice.cost_indication = (data.cost_indication or "").strip()
    practice.fund_used = data.fund_used
    practice.fund_amount_eur = data.fund_amount_eur if data.fund_used else None
    wanted = list(dict.fromkeys((name_key(n), k) for n, k in data.partners if n.strip()))
    names = {(name_key(n), k): n for n, k in data.partners}
    current = [(o.name_key, o.kind) for o in practice.partners]
    if wanted != current:
        organisations = [_organisation(names[pair], pair[1]) for pair in wanted]
        practice.partner_links = [
            PracticePartner(organisation_id=o.id, organisation=o, position=i)
            for i, o in enumerate(organisations)
        ]


def snapshot(practice: Practice) -> dict:
    """The profile as plain data, merged into services.snapshot (revisions, conflicts, history)."""
    return {
        "age_from": practice.age_from,
        "age_to": practice.age_to,
        "partners": [[o.name, o.kind] for o in practice.partners],
        "participation_level": practice.participation_level,
        "participation_note": practice.participation_note or "",
        "evidence_level": practice.evidence_level,
        "evidence_url": practice.evidence_url or "",
        "evidence_year": practice.evidence_year,
        "cost_indication": practice.cost_indication or "",
        "fund_used": practice.fund_used,
        "fund_amount_eur": practice.fund_amount_eur,
    }


def typed_snapshot(data: ProfileData) -> dict:
    """What the user submitted, in the shape of `snapshot`."""
    return {
        "age_from": data.age_from,
        "age_to": data.age_to,
        "partners": [[" ".join(n.split()), k] for n, k in data.partners if n.strip()],
        "participation_level": data.participation_level,
        "participation_note": (data.participation_note or "").strip(),
        "evidence_level": data.evidence_level,
        "evidence_url": (data.evidence_url or "").strip(),
        "evidence_year": data.evidence_year,
        "cost_indication": (data.cost_indication or "").strip(),
        "fund_used": data.fund_used,
        "fund_amount_eur": data.fund_amount_eur if data.fund_used else None,
    }


def label(vocabulary: dict, value: str | None) -> str:
    return str(vocabulary[value]) if value in vocabulary else (value or "")


def fund_used_text(value: bool | None) -> str:
    return "" if value is None else (_("ja") if value else _("nee"))


def readable(name: str, value):
    """A profile snapshot value as people read it (labels instead of stored values); None if not a profile key."""
    if name not in FIELDS:
        return None
    if name == "partners":
        return [f"{n} ({label(PARTNER_KINDS, k)})" for n, k in value or []]
    if name == "participation_level":
        return label(PARTICIPATION_LEVELS, value)
    if name == "evidence_level":
        return label(EVIDENCE_LEVELS, value)
    if name == "fund_used":
        return fund_used_text(value)
    if name == "fund_amount_eur":
        return "" if value is None else f"€ {value:,}".replace(",", ".")
    return "" if value is None else str(value)


def age_text(practice) -> str:
    """'16–27 jaar', 'vanaf 12 jaar', 'tot 18 jaar' or ''."""
    a, b = practice.age_from, practice.age_to
    if a is not None and b is not None:
        return _("%(a)s–%(b)s jaar", a=a, b=b)
    if a is not None:
        return _("vanaf %(a)s jaar", a=a)
    if b is not None:
        return _("tot en met %(b)s jaar", b=b)
    return ""


def has_profile(practice) -> bool:
    return any(
        (
            practice.age_from is not None,
            practice.age_to is not None,
            practice.partner_links,
            practice.participation_level,
            practice.evidence_level,
            practice.cost_indication,
            practice.fund_used is not None,
        )
    )


# --- filters: the /praktijken list (SQL) and search (index values) --------------------------------------------


def parse_age_range(value: str | None) -> tuple[int, int] | None:
    """'12-18' (or '12–18') -> (12, 18), in either order ('18-12' is the same range: a URL carries no more
    meaning than that); None for anything else (not two whole numbers of at most two digits)."""
    match = _AGE_RANGE.match(value or "")
    if not match:
        return None
    low, high = sorted((int(match.group(1)), int(match.group(2))))
    return low, high


def age_years(practice) -> list[int]:
    """Every year of age the practice is for (an open end runs to the edge): what search indexes."""
    if practice.age_from is None and practice.age_to is None:
        return []
    low = AGE_MIN if practice.age_from is None else practice.age_from
    high = AGE_MAX if practice.age_to is None else practice.age_to
    return list(range(low, high + 1))


@dataclass
class ListFilters:
    """The profile filters of the /praktijken list, read leniently from the query string (bad values dropped)."""

    age: tuple[int, int] | None = None
    evidence: list[str] = field(default_factory=list)
    participation: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.age or self.evidence or self.participation)


def read_list_filters(args) -> ListFilters:
    """Read `leeftijd_van`/`leeftijd_tot`, `onderbouwing` and `participatie` from the query string.

    A bad age gives a Dutch message (shown above the list) and no age filter, never an error page.
    """
    out = ListFilters()
    raw_from, raw_to = (args.get("leeftijd_van") or "").strip(), (args.get("leeftijd_tot") or "").strip()
    if raw_from or raw_to:
        # ASCII digits only: str.isdigit() also accepts '²', which int() refuses.
        low = int(raw_from) if _TWO_DIGITS.fullmatch(raw_from) else None
        high = int(raw_to) if _TWO_DIGITS.fullmatch(raw_to) else None
        if (raw_from and low is None) or (raw_to and high is None):
            out.errors.append(_("Vul een leeftijd van %(a)s tot en met %(b)s jaar in.", a=AGE_MIN, b=AGE_MAX))
        elif low is not None and high is not None and low > high:
            out.errors.append(_("De leeftijd 'tot' ligt onder de leeftijd 'van'."))
        else:
            out.age = (AGE_MIN if low is None else low, AGE_MAX if high is None else high)
    out.evidence = [v for v in dict.fromkeys(args.getlist("onderbouwing")) if v in EVIDENCE_LEVELS]
    out.participation = [v for v in dict.fromkeys(args.getlist("participatie")) if v in PARTICIPATION_LEVELS]
    return out


def conditions(filters: ListFilters) -> list:
    """SQL conditions on Practice for the profile filters: the age range overlaps the chosen range, the
    evidence and participation levels are among the chosen ones."""
    out = []
    if filters.age is not None:
        low, high = filters.age
        out.append(
            and_(
                or_(Practice.age_from.is_not(None), Practice.age_to.is_not(None)),
                func.coalesce(Practice.age_from, AGE_MIN) <= high,
                func.coalesce(Practice.age_to, AGE_MAX) >= low,
            )
        )
    if filters.evidence:
        out.append(Practice.evidence_level.in_(filters.evidence))
    if filters.participation:
        out.append(Practice.participation_level.in_(filters.participation))
    return out


def filter_practices(stmt, filters: ListFilters):
    """`stmt` (a select of Practice) narrowed by the profile filters."""
    return stmt.where(*conditions(filters))


def suggest_organisations(text: str, limit: int = 10) -> list[Organisation]:
    """Organisations whose name contains `text` (folded), names starting with it first."""
    key = name_key(text)[:100]
    if len(key) < 2:
        return []
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.session.scalars(
        select(Organisation)
        .where(Organisation.name_key.like(f"%{escaped}%", escape="\\"))
        .order_by(Organisation.name_key)
        .limit(200)
    ).all()
    rows.sort(key=lambda o: (not o.name_key.startswith(key), o.name_key, o.kind))
    return rows[:limit]
