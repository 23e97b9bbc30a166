"""The query parameters of every /api/v1 endpoint, as the OpenAPI document lists them.

`PARAMETERS` is static and also tells the API which parameters to refuse (exchange/api/views.py); the allowed
values of region, theme, phase, action line and the search facets come from the reference tables at request
time (`reference_enums`), so the document lists exactly the values the API accepts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from sqlalchemy import select

from exchange.extensions import db


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict
    description: str
    repeatable: bool = False
    enum: str | None = None  # key into the reference enums, filled in at request time
    deprecated: bool = False

    def as_openapi(self, enums: dict[str, list]) -> dict:
        schema = copy.deepcopy(self.schema)
        if self.enum is not None:
            target = schema["items"] if self.repeatable else schema
            target["enum"] = list(enums.get(self.enum, []))
        spec = {
            "name": self.name,
            "in": "query",
            "required": False,
            "description": self.description,
            "schema": schema,
        }
        if self.repeatable:
            spec.update(style="form", explode=True)
        if self.deprecated:
            spec["deprecated"] = True
        return spec


PAGE = Param(
    "page",
    {"type": "integer", "minimum": 1, "maximum": 999_999_999},
    "Pagina, vanaf 1. Een pagina na de laatste geeft 400. / Page number from 1; past the last page: 400.",
)
PER_PAGE = Param(
    "per_page",
    {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    "Aantal per pagina (1-100, standaard 20). / Items per page (1-100, default 20).",
)
REGION = Param(
    "region",
    {"type": "string"},
    "Regio: CBS-code (JZ01) of slug. / Region: CBS code (JZ01) or slug.",
    enum="region",
)
THEME = Param("theme", {"type": "string"}, "Thema (slug). / Theme slug.", enum="theme")
ACTION_LINE = Param(
    "action_line", {"type": "integer"}, "Actielijn (nummer). / Action line number.", enum="action_line"
)
PHASE = Param(
    "phase", {"type": "string"}, "Fase van de ontwikkelcirkel (slug). / Cycle phase slug.", enum="phase"
)
UPDATED_SINCE = Param(
    "updated_since",
    {"type": "string", "format": "date-time"},
    "Alleen praktijkvoorbeelden met updated_at op of na dit tijdstip (ISO 8601 met tijdzone; schrijf + als %2B). "
    "/ Only practices whose updated_at is at or after this instant (ISO 8601 with a time zone; encode + as %2B).",
)


def _facet(name: str, label: str, items: dict | None = None) -> Param:
    schema = {"type": "array", "maxItems": 20, "uniqueItems": True, "items": items or {"type": "string"}}
    return Param(name, schema, label, repeatable=True, enum=None if items else f"search:{name}")


SEARCH_PARAMETERS = (
    Param(
        "q",
        {"type": "string"},
        'Zoekwoorden; "..." voor een woordgroep. Nooit een fout, ingekort tot 200 '
        "tekens. / Search words; quotes for a phrase. Never an error; cut to 200 characters.",
    ),
    Param(
        "sort",
        {"type": "string", "enum": ["relevantie", "nieuwste", "bijgewerkt"], "default": "relevantie"},
        "Volgorde. / Order: relevance, newest, recently updated.",
    ),
    Param(
        "pagina",
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
        "Pagina (1-100). / Page (1-100).",
    ),
    Param(
        "per_pagina",
        {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
        "Aantal per pagina (1-50). / Items per page (1-50).",
    ),
    Param(
        "page",
        {"type": "integer", "minimum": 1, "maximum": 100},
        "Andere naam voor pagina (pagina gaat voor). / Alias of pagina (pagina wins).",
        deprecated=True,
    ),
    Param(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": 50},
        "Andere naam voor per_pagina (per_pagina gaat voor). / Alias of per_pagina (per_pagina wins).",
        deprecated=True,
    ),
    Param(
        "metingen",
        {"type": "string", "enum": ["gegroepeerd", "apart"], "default": "gegroepeerd"},
        "gegroepeerd: een item per praktijkvoorbeeld, met de passende metingen (resultaten) erin en passende "
        "thema's en regio's in related; apart: elk praktijkvoorbeeld, resultaat, thema en elke regio een eigen "
        "item (zoals voor issue 14). Met soort=... altijd apart. / gegroepeerd: one item per practice with its "
        "matching results inside (matching_results, best_result) and matching themes and regions in related; "
        "apart: every practice, result, theme and region is an item of its own. With soort=... always apart.",
    ),
    Param(
        "letterlijk",
        {"type": "string", "enum": ["1"]},
        "1: zoek precies de getypte woorden, ook als er niets gevonden wordt (geen verbetering). / 1: search "
        "the typed words exactly, never their spelling correction.",
    ),
    _facet("soort", "Soort: praktijk, resultaat, document, thema, regio. / Kind of item.", None),
    _facet("regio", "Regio (slug). / Region slug."),
    _facet("provincie", "Provincie (slug). / Province slug."),
    _facet("thema", "Thema (slug). / Theme slug."),
    _facet("actielijn", "Actielijn (nummer). / Action line number."),
    _facet("fase", "Fase (slug). / Cycle phase slug."),
    _facet("jaar", "Jaar. / Year.", {"type": "string", "pattern": "^(19[5-9][0-9]|20[0-9]{2})$"}),
    _facet(
        "leeftijd",
        "Leeftijd, van-tot in jaren (0-99), bijvoorbeeld 12-18: praktijkvoorbeelden waarvan de doelgroep die "
        "leeftijden overlapt (de volgorde doet er niet toe). / Age range in years, e.g. 12-18 (either order): "
        "practices whose target ages overlap it.",
        {"type": "string", "pattern": "^[0-9]{1,2}-[0-9]{1,2}$"},
    ),
    _facet("onderbouwing", "Mate van onderbouwing. / Evidence level (Dutch recognition system)."),
    _facet("participatie", "Jongerenparticipatie. / Youth participation level."),
)

PARAMETERS: dict[str, tuple[Param, ...]] = {
    "api.regions": (),
    "api.region": (),
    "api.action_lines": (),
    "api.themes": (),
    "api.cycle_phases": (),
    "api.practices": (REGION, THEME, ACTION_LINE, PHASE, UPDATED_SINCE, PAGE, PER_PAGE),
    "api.practice": (),
    "api.results": (
        REGION,
        THEME,
        ACTION_LINE,
        Param(
            "phase",
            {"type": "string"},
            "Fase waarin gemeten is (slug). / Phase the result was measured in.",
            enum="phase",
        ),
        Param(
            "practice",
            {"type": "integer", "minimum": 1, "maximum": 999_999_999},
            "Id van een praktijkvoorbeeld. / Practice id.",
        ),
        Param(
            "measured_from",
            {"type": "string", "format": "date"},
            "Gemeten op of na (JJJJ-MM-DD). / Measured on or after.",
        ),
        Param(
            "measured_to",
            {"type": "string", "format": "date"},
            "Gemeten op of voor (JJJJ-MM-DD). / Measured on or before.",
        ),
        PAGE,
        PER_PAGE,
    ),
    "api.search": SEARCH_PARAMETERS,
    "api.openapi_document": (),
}


# Parameters with two names: with both, the first wins, and the other is checked too (never silently ignored).
ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    "api.search": (("pagina", "page"), ("per_pagina", "per_page"))
}
ALIASES_RANGE = {
    p.name: (p.schema["minimum"], p.schema["maximum"])
    for p in SEARCH_PARAMETERS
    if p.name in ("page", "per_page")
}


def documented_parameters(endpoint: str | None) -> tuple[tuple[str, ...], frozenset[str]]:
    """(names, repeatable names) of the query parameters the document lists for an endpoint."""
    params = PARAMETERS.get(endpoint or "", ())
    return tuple(p.name for p in params), frozenset(p.name for p in params if p.repeatable)


def reference_enums() -> dict[str, list]:
    """Allowed values from the reference tables (and the search facets), read in a few small queries."""
    from exchange.reference.models import ActionLine, CyclePhase, Region, Theme
    from exchange.search.facets import FACETS, facet_values

    regions = list(db.session.execute(select(Region.code, Region.slug).order_by(Region.code)))
    enums: dict[str, list] = {
        "region": [code for code, _ in regions] + [slug for _, slug in regions],
        "region_slug": sorted(slug for _, slug in regions),
        "theme": list(db.session.scalars(select(Theme.slug).order_by(Theme.position, Theme.slug))),
        "phase": list(db.session.scalars(select(CyclePhase.slug).order_by(CyclePhase.position))),
        "action_line": list(db.session.scalars(select(ActionLine.number).order_by(ActionLine.number))),
    }
    values = facet_values()
    for facet in FACETS:
        enums[f"search:{facet.param}"] = sorted(values.to_index.get(facet.name, {}))
    return enums
