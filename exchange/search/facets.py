"""Facets: URL parameter names, index values and labels.

The URL carries readable values (region and theme slugs, action line numbers, phase slugs, Dutch content
types); the index holds stable ids, so renaming a region or theme never leaves the index stale. The mapping
comes from the small reference tables, read once per search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.extensions import db
from exchange.i18n import localized
from exchange.practices.profile import EVIDENCE_LEVELS, PARTICIPATION_LEVELS
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme
from exchange.reference.naming import action_line_label
from exchange.search.documents import slugify


@dataclass(frozen=True)
class Facet:
    param: str  # URL parameter
    name: str  # facet name in the index
    label: object  # lazy Dutch label


FACETS: tuple[Facet, ...] = (
    Facet("soort", "type", _l("Soort")),
    Facet("regio", "region", _l("Regio")),
    Facet("provincie", "province", _l("Provincie")),
    Facet("thema", "theme", _l("Thema")),
    Facet("actielijn", "action_line", _l("Actielijn")),
    Facet("fase", "phase", _l("Fase van de ontwikkelcirkel")),
    Facet("jaar", "year", _l("Jaar")),
    # The practice profile (issue 17); `leeftijd` takes a range such as 12-18 (overlapping age ranges match).
    Facet("leeftijd", "age", _l("Leeftijd")),
    Facet("onderbouwing", "evidence", _l("Mate van onderbouwing")),
    Facet("participatie", "participation", _l("Jongerenparticipatie")),
)
BY_PARAM = {f.param: f for f in FACETS}

TYPES = {
    "praktijk": "practice",
    "resultaat": "result",
    "document": "document",
    "thema": "theme",
    "regio": "region",
}
TYPE_LABELS = {
    "practice": _l("Praktijkvoorbeeld"),
    "result": _l("Resultaat"),
    "document": _l("Document"),
    "theme": _l("Thema"),
    "region": _l("Regio"),
}


@dataclass
class FacetValues:
    """Per facet: URL value -> index value, and index value -> (URL value, label), for the current data."""

    to_index: dict[str, dict[str, str]] = field(default_factory=dict)
    to_url: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    order: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, name: str, url_value: str, index_value: str, label: str, position: int) -> None:
        self.to_index.setdefault(name, {})[url_value] = index_value
        self.to_url.setdefault(name, {})[index_value] = (url_value, label)
        self.order.setdefault(name, {})[index_value] = position


def facet_values() -> FacetValues:
    """Read the reference tables once (four small queries) into the URL/index/label mapping."""
    values = FacetValues()
    for i, (param, name) in enumerate(TYPES.items()):
        values.add("type", param, name, str(TYPE_LABELS[name]), i)
    provinces: dict[str, str] = {}
    for region in db.session.scalars(select(Region).order_by(Region.display_name)):
        values.add(
            "region", region.slug, str(region.id), region.display_name, len(values.order.get("region", {}))
        )
        provinces.setdefault(slugify(region.province), region.province)
    for i, (slug, label) in enumerate(sorted(provinces.items(), key=lambda item: item[1])):
        values.add("province", slug, slug, label, i)
    for theme in db.session.scalars(select(Theme).order_by(Theme.position, Theme.name)):
        values.add("theme", theme.slug, str(theme.id), localized(theme, "name"), theme.position)
    for line in db.session.scalars(select(ActionLine).order_by(ActionLine.number)):
        label = action_line_label(line)
        values.add("action_line", str(line.number), str(line.number), label, line.number)
    for phase in db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)):
        values.add(
            "phase",
            phase.slug,
            str(phase.id),
            f"{phase.position}. {localized(phase, 'name')}",
            phase.position,
        )
    for name, vocabulary in (("evidence", EVIDENCE_LEVELS), ("participation", PARTICIPATION_LEVELS)):
        for i, (value, label) in enumerate(vocabulary.items()):
            values.add(name, value, value, str(label), i)
    return values
