"""The building blocks of checking an import file: reference data by every key a file may use, and a Checker
that reads one value of a given kind (text, date, number, phase, ...) and collects a Dutch error with its place.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from exchange.extensions import db
from exchange.reference.lookups import lookup_key, regions_by_key, themes_by_key
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value[:60]}{'…' if len(value) > 60 else ''}'"
    if isinstance(value, Decimal):
        return str(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text[:60] + ("…" if len(text) > 60 else "")


def kind(value: Any) -> str:
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


class Lookups:
    """Reference data by every key a file may use (a handful of queries, whatever the file size)."""

    def __init__(self) -> None:
        # Regions and themes follow the one lookup rule of exchange.reference.lookups (case-insensitive).
        self.regions = regions_by_key()
        self.themes = themes_by_key()
        self.lines = {x.number: x for x in db.session.scalars(select(ActionLine))}
        self.phases = {p.slug: p for p in db.session.scalars(select(CyclePhase))}
        self.theme_order = {t.id: (t.position, t.slug) for t in self.themes.values()}

    def region(self, code_or_slug: str) -> Region | None:
        return self.regions.get(lookup_key(code_or_slug))

    def theme(self, slug: str) -> Theme | None:
        return self.themes.get(lookup_key(slug))


class Checker:
    def __init__(self, lookups: Lookups, today: date) -> None:
        self.problems: list[tuple[str, str]] = []  # (place, message), e.g. ("practices[3].title", "is leeg")
        self.ref = lookups
        self.today = today

    def error(self, where: str, message: str) -> None:
        self.problems.append((where, message))

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
            self.error(where, f"moet een object zijn, niet {kind(value)}")
            return None
        return value

    def lst(self, value: Any, where: str) -> list | None:
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(where, f"moet een lijst zijn, niet {kind(value)}")
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
            self.error(place, f"moet tekst zijn, niet {kind(value)}")
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
            self.error(place, f"geen geldige datum {show(value)} (verwacht JJJJ-MM-DD)")
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.error(place, f"geen geldige datum {show(value)} (verwacht JJJJ-MM-DD)")
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
            self.error(place, f"geen getal ({show(value)})")
            return None
        # A float (a document parsed without parse_float=Decimal) is read by its shortest repr: 0.1 stays 0.1.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or abs(number) >= Decimal("1e10"):
            self.error(place, f"getal buiten bereik ({show(value)}; kleiner dan 10 000 000 000)")
            return None
        if number.normalize().as_tuple().exponent < -4:
            self.error(place, f"te veel decimalen ({show(value)}; maximaal 4)")
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
            self.error(f"{where}.{key}", f"onbekende fase {show(slug)}")
        return phase
