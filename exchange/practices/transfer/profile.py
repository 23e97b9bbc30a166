"""The profile of a practice in the exchange format (version 2): reading and checking it, and writing it.

Version 1 files have no profile: importing one leaves the profile of an existing practice as it is (the plan
carries `profile=None`, which applying reads as "keep").
"""

from __future__ import annotations

from typing import Any

from exchange.practices import profile
from exchange.practices.transfer.checker import Checker, kind, show

PROFILE_KEYS = set(profile.FIELDS)  # the same keys, in the file as in the revision snapshots
PARTNER_KEYS = {"name", "kind"}


def profile_record(practice) -> dict:
    """The profile as the export writes it (every key, null when not filled in)."""
    return {
        "age_from": practice.age_from,
        "age_to": practice.age_to,
        "partners": [{"name": o.name, "kind": o.kind} for o in practice.partners],
        "participation_level": practice.participation_level,
        "participation_note": practice.participation_note or "",
        "evidence_level": practice.evidence_level,
        "evidence_url": practice.evidence_url or "",
        "evidence_year": practice.evidence_year,
        "cost_indication": practice.cost_indication or "",
        "fund_used": practice.fund_used,
        "fund_amount_eur": practice.fund_amount_eur,
    }


def profile_of(practice) -> profile.ProfileData:
    """A stored practice's profile as input data (what an import without a profile keeps)."""
    return profile.ProfileData(
        age_from=practice.age_from,
        age_to=practice.age_to,
        partners=[(o.name, o.kind) for o in practice.partners],
        participation_level=practice.participation_level,
        participation_note=practice.participation_note or "",
        evidence_level=practice.evidence_level,
        evidence_url=practice.evidence_url or "",
        evidence_year=practice.evidence_year,
        cost_indication=practice.cost_indication or "",
        fund_used=practice.fund_used,
        fund_amount_eur=practice.fund_amount_eur,
    )


def _whole(check: Checker, obj: dict, key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        check.error(f"{where}.{key}", f"moet een geheel getal zijn, niet {show(value)}")
        return None
    return value


def _choice(check: Checker, obj: dict, key: str, where: str, allowed: dict) -> str | None:
    value = check.text(obj, key, where)
    if value is not None and value not in allowed:
        check.error(f"{where}.{key}", f"onbekende waarde {show(value)}; kies uit {', '.join(allowed)}")
        return None
    return value


def check_profile_item(
    check: Checker, item: dict, where: str, region, version: Any
) -> profile.ProfileData | None:
    """`profile` of one practice: None when absent (keep what is stored); its errors go to `check`."""
    if "profile" not in item:
        return None
    if version == 1:
        check.error(f"{where}.profile", "een profiel kan pas vanaf versie 2 van het formaat")
        return None
    place = f"{where}.profile"
    raw = check.obj(item.get("profile"), place)
    if raw is None:
        return profile.ProfileData()
    check.keys(raw, PROFILE_KEYS, place)
    partners = []
    for i, partner in enumerate(check.lst(raw.get("partners"), f"{place}.partners") or []):
        spot = f"{place}.partners[{i}]"
        entry = check.obj(partner, spot, required=True)
        if entry is None:
            continue
        check.keys(entry, PARTNER_KEYS, spot)
        name = check.text(entry, "name", spot, limit=profile.LIMITS["partner_name"], required=True)
        partner_kind = _choice(check, entry, "kind", spot, profile.PARTNER_KINDS)
        if partner_kind is None and entry.get("kind") is None:
            check.error(f"{spot}.kind", "ontbreekt")
        if name is not None and partner_kind is not None:
            partners.append((name, partner_kind))
    fund_used = raw.get("fund_used")
    fund_amount = _whole(check, raw, "fund_amount_eur", place)
    if fund_used is not None and not isinstance(fund_used, bool):
        check.error(f"{place}.fund_used", f"moet true, false of null zijn, niet {kind(fund_used)}")
        fund_used = fund_amount = None  # one message, not a second one about the amount
    data = profile.ProfileData(
        age_from=_whole(check, raw, "age_from", place),
        age_to=_whole(check, raw, "age_to", place),
        partners=partners,
        participation_level=_choice(check, raw, "participation_level", place, profile.PARTICIPATION_LEVELS),
        participation_note=check.text(raw, "participation_note", place) or "",
        evidence_level=_choice(check, raw, "evidence_level", place, profile.EVIDENCE_LEVELS),
        evidence_url=check.text(raw, "evidence_url", place) or "",
        evidence_year=_whole(check, raw, "evidence_year", place),
        cost_indication=check.text(raw, "cost_indication", place) or "",
        fund_used=fund_used,
        fund_amount_eur=fund_amount,
    )
    if region is not None:
        # The same rules as the edit form (ages 0–99 and in order, https, the region's fund allocation).
        for name, message in profile.check_profile(data, region).items():
            check.error(f"{place}.{name}", message)
    return data
