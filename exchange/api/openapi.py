"""The OpenAPI 3.1 document of the JSON API (/api/v1/openapi.json) and the API page generated from it (/api).

The document is built here in Python, next to nothing else, so one file says what every endpoint takes and
returns. Parameters are static (`PARAMETERS`, also used to refuse undocumented parameters); the allowed values
of region, theme, phase, action line and search facets come from the reference tables at request time, so the
document lists exactly the values the API accepts. Tests validate the document, check that every /api/v1
route is in it, and let schemathesis compare real answers with it (tests/api/test_openapi.py,
tests/api/test_schemathesis.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from flask import jsonify, render_template, url_for
from sqlalchemy import select

from exchange.api import bp, docs_bp
from exchange.api.http import api_rate_limit
from exchange.extensions import db

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
JSON = "application/json"


# --- parameters -------------------------------------------------------------------------------------------


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
    _facet("soort", "Soort: praktijk, resultaat, thema, regio. / Kind of item.", None),
    _facet("regio", "Regio (slug). / Region slug."),
    _facet("provincie", "Provincie (slug). / Province slug."),
    _facet("thema", "Thema (slug). / Theme slug."),
    _facet("actielijn", "Actielijn (nummer). / Action line number."),
    _facet("fase", "Fase (slug). / Cycle phase slug."),
    _facet("jaar", "Jaar. / Year.", {"type": "string", "pattern": "^(19[5-9][0-9]|20[0-9]{2})$"}),
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


# --- schemas ----------------------------------------------------------------------------------------------


def _obj(properties: dict, required: list[str] | None = None, description: str | None = None) -> dict:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(item: str, description: str) -> dict:
    return _obj(
        {"total": {"type": "integer", "minimum": 0}, "items": {"type": "array", "items": _ref(item)}},
        description=description,
    )


def _page_of(item: str, description: str) -> dict:
    return _obj(
        {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "pages": {"type": "integer", "minimum": 0, "description": "0 when nothing matches."},
            "items": {"type": "array", "items": _ref(item)},
        },
        description=description,
    )


STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
URL = {"type": "string", "format": "uri"}
INT = {"type": "integer"}
NINT = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
NDATE = {"type": ["string", "null"], "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
NDATETIME = {"type": ["string", "null"], "format": "date-time"}
NUMBER = {"type": "number"}
NNUMBER = {"type": ["number", "null"]}

PRACTICE_PROPERTIES = {
    "id": INT,
    "title": STR,
    "summary": STR,
    "region": _ref("RegionRef"),
    "themes": {"type": "array", "items": _ref("ThemeRef")},
    "action_lines": {"type": "array", "items": INT},
    "phase": _ref("PhaseRef"),
    "target_group": STR,
    "period": _obj({"start": NDATE, "end": NDATE}),
    "published_at": NDATETIME,
    "updated_at": DATETIME,
    "is_demo": BOOL,
    "url": URL,
    "api_url": URL,
}

SCHEMAS: dict[str, dict] = {
    "Error": _obj(
        {
            "error": _obj(
                {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "code": {
                        "type": "string",
                        "description": "Stable machine-readable code, e.g. invalid_parameter, "
                        "bad_search_parameter, practice_not_found, not_found, too_many_requests.",
                    },
                    "message": _ref("Message"),
                    "details": {
                        "type": "object",
                        "description": 'invalid_parameter: {"parameters": {name: {nl, en}}}; '
                        'bad_search_parameter: {"parameter": name}.',
                    },
                },
                required=["status", "code", "message"],
            )
        },
        description="Every error: the HTTP status, a stable code and the message in Dutch and English.",
    ),
    "Message": _obj({"nl": STR, "en": STR}),
    "RegionRef": _obj({"code": STR, "slug": STR, "name": STR, "url": URL}),
    "RegionSummary": _obj(
        {
            "code": STR,
            "slug": STR,
            "name": STR,
            "cbs_name": STR,
            "province": STR,
            "provinces": {"type": "array", "items": STR},
            "url": URL,
        },
    ),
    "RegionDetail": _obj(
        {
            "code": STR,
            "slug": STR,
            "name": STR,
            "cbs_name": STR,
            "province": STR,
            "provinces": {"type": "array", "items": STR},
            "url": URL,
            "central_municipality": NSTR,
            "municipalities": {"type": "array", "items": STR},
            "municipality_count": {"type": "integer", "minimum": 0},
            "unverified_fields": {"type": "array", "items": STR},
            "plan": {"oneOf": [{"type": "null"}, _ref("Plan")]},
            "fund_allocations": {"type": "array", "items": _ref("FundAllocation")},
        }
    ),
    "Plan": _obj(
        {
            "title": NSTR,
            "period_start": NINT,
            "period_end": NINT,
            "summary": NSTR,
            "url": NSTR,
            "approved_on": NDATE,
            "action_lines": {"type": "array", "items": INT},
            "is_demo": BOOL,
        },
        description="The region's transformation plan (fields are null while unknown).",
    ),
    "FundAllocation": _obj(
        {
            "basis": {"type": "string", "enum": ["annual", "total"]},
            "amount_eur": {"type": ["integer", "null"], "minimum": 0},
            "approximation": NSTR,
            "note": NSTR,
        }
    ),
    "ActionLine": _obj(
        {
            "number": INT,
            "slug": STR,
            "title": STR,
            "title_en": NSTR,
            "short": STR,
            "short_en": NSTR,
            "reported_plan_count": NINT,
            "recorded_plan_count": {"type": "integer", "minimum": 0},
            "regions": {
                "type": "array",
                "items": STR,
                "description": "CBS codes of regions whose plan names it.",
            },
            "themes": {"type": "array", "items": STR},
            "url": URL,
        }
    ),
    "Theme": _obj(
        {
            "slug": STR,
            "name": STR,
            "name_en": NSTR,
            "description": STR,
            "description_en": NSTR,
            "action_line": NINT,
            "verified": BOOL,
            "contacts": {"type": "array", "items": _ref("Contact")},
            "url": URL,
        }
    ),
    "Contact": _obj(
        {"name": STR, "email": {"type": "string", "format": "email"}},
        description="A theme functionary as the public theme page lists them: name and work address.",
    ),
    "CyclePhase": _obj(
        {
            "slug": STR,
            "position": INT,
            "name": STR,
            "name_en": NSTR,
            "guiding_question": STR,
            "guiding_question_en": NSTR,
            "description": STR,
            "description_en": NSTR,
            "verified": BOOL,
        }
    ),
    "PhaseRef": _obj({"slug": STR, "position": INT, "name": STR}),
    "ThemeRef": _obj({"slug": STR, "name": STR}),
    "PracticeSummary": _obj(PRACTICE_PROPERTIES),
    "PracticeDetail": _obj(
        {
            **PRACTICE_PROPERTIES,
            "body": {"type": "string", "description": "Markdown."},
            "body_html": {"type": "string", "description": "The body as sanitised HTML."},
            "contact": _obj({"name": STR, "email": STR}),
            "links": {"type": "array", "items": _obj({"title": STR, "url": STR})},
            "results": {"type": "array", "items": _ref("PracticeResult"), "description": "Oldest first."},
            "cycle_steps": {"type": "array", "items": _ref("CycleStep"), "description": "Oldest first."},
        }
    ),
    "PracticeResult": _obj(
        {
            "id": INT,
            "indicator": STR,
            "value": NUMBER,
            "unit": STR,
            "baseline": NNUMBER,
            "target": NNUMBER,
            "measured_on": DATE,
            "phase": {"type": "string", "description": "Phase slug."},
            "narrative": STR,
            "updated_at": {
                **DATETIME,
                "description": "Last correction (the posting time when never corrected).",
            },
        }
    ),
    "CycleStep": _obj(
        {
            "from": {"type": ["string", "null"], "description": "Phase slug; null for the first step."},
            "to": STR,
            "date": DATE,
            "explanation": STR,
        }
    ),
    "Result": _obj(
        {
            "id": INT,
            "indicator": STR,
            "value": NUMBER,
            "unit": STR,
            "baseline": NNUMBER,
            "target": NNUMBER,
            "measured_on": DATE,
            "phase": _ref("PhaseRef"),
            "narrative": STR,
            "updated_at": {
                **DATETIME,
                "description": "Last correction (the posting time when never corrected).",
            },
            "practice": _obj(
                {
                    "id": INT,
                    "title": STR,
                    "region": _obj({"code": STR, "slug": STR, "name": STR}),
                    "url": URL,
                    "api_url": URL,
                }
            ),
        }
    ),
    "SearchHit": _obj(
        {
            "id": INT,
            "type": {"type": "string", "enum": ["practice", "result", "theme", "region"]},
            "title": STR,
            "region": {"oneOf": [{"type": "null"}, _obj({"slug": STR, "name": STR})]},
            "themes": {"type": "array", "items": _ref("ThemeRef")},
            "phase": {"type": ["string", "null"], "description": "Phase name."},
            "date": NDATE,
            "url": URL,
            "snippet": {"type": "string", "description": "HTML: escaped text with <mark> around matches."},
            "snippet_text": STR,
            "practice": {
                "oneOf": [{"type": "null"}, _obj({"title": STR, "url": STR})],
                "description": "For a result: the practice it belongs to.",
            },
        }
    ),
    "FacetValue": _obj(
        {"value": STR, "label": STR, "count": {"type": "integer", "minimum": 0}, "selected": BOOL}
    ),
    "SearchResponse": _obj(
        {
            "query": STR,
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "sort": {"type": "string", "enum": ["relevantie", "nieuwste", "bijgewerkt"]},
            "results": {"type": "array", "items": _ref("SearchHit")},
            "facets": _obj(
                {
                    name: {"type": "array", "items": _ref("FacetValue")}
                    for name in ("soort", "regio", "provincie", "thema", "actielijn", "fase", "jaar")
                }
            ),
            "suggestion": {"type": ["string", "null"], "description": '"Did you mean" query, or null.'},
        }
    ),
    "RegionList": _list_of("RegionSummary", "All 42 regions."),
    "ActionLineList": _list_of("ActionLine", "The six action lines."),
    "ThemeList": _list_of("Theme", "All themes with their contacts."),
    "CyclePhaseList": _list_of("CyclePhase", "The phases of the development cycle, in order."),
    "PracticePage": _page_of(
        "PracticeSummary", "A page of published practices, most recently updated first."
    ),
    "ResultPage": _page_of("Result", "A page of results of published practices, newest measurement first."),
}


# --- operations -------------------------------------------------------------------------------------------

HEADERS = {
    "ETag": {
        "description": "Strong validator over the body; send it back as If-None-Match.",
        "required": True,
        "schema": STR,
    },
    "Last-Modified": {
        "description": "Newest change to the data behind this answer; If-Modified-Since works.",
        "schema": STR,
    },
    "Cache-Control": {"description": "public, no-cache: store, but revalidate.", "schema": STR},
    "Access-Control-Allow-Origin": {"description": "Always *. No credentials.", "schema": {"const": "*"}},
    "X-RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": STR},
    "X-RateLimit-Remaining": {"description": "Requests left in the window.", "schema": STR},
    "X-RateLimit-Reset": {"description": "When the window resets (Unix time).", "schema": STR},
}


@dataclass
class Operation:
    endpoint: str
    path: str
    summary: str
    description: str
    schema: str
    tag: str
    path_params: list[dict] = field(default_factory=list)
    not_found: bool = False


OPERATIONS = (
    Operation(
        "api.regions",
        "/regions",
        "Regio's / Regions",
        "De 42 jeugdzorgregio's. / The 42 youth-care regions.",
        "RegionList",
        "reference",
    ),
    Operation(
        "api.region",
        "/regions/{slug}",
        "Regio / Region",
        "Een regio met plan, gemeenten en toekenningen. / A region with its plan, municipalities and fund "
        "allocations.",
        "RegionDetail",
        "reference",
        path_params=[
            {
                "name": "slug",
                "in": "path",
                "required": True,
                "description": "Region slug.",
                "schema": {"type": "string", "x-enum": "region_slug"},
            }
        ],
        not_found=True,
    ),
    Operation(
        "api.action_lines",
        "/action-lines",
        "Actielijnen / Action lines",
        "De zes actielijnen.",
        "ActionLineList",
        "reference",
    ),
    Operation(
        "api.themes",
        "/themes",
        "Thema's / Themes",
        "Thema's met hun contactpersonen (themafunctionarissen): naam en e-mailadres zoals op de themapagina. "
        "/ Themes with their contacts (theme functionaries): name and address as on the public theme page.",
        "ThemeList",
        "reference",
    ),
    Operation(
        "api.cycle_phases",
        "/cycle-phases",
        "Ontwikkelcirkel / Cycle phases",
        "De fasen van de ontwikkelcirkel, op volgorde.",
        "CyclePhaseList",
        "reference",
    ),
    Operation(
        "api.practices",
        "/practices",
        "Praktijkvoorbeelden / Practices",
        "Gepubliceerde praktijkvoorbeelden, laatst bijgewerkt eerst; filters worden gecombineerd (en). "
        "/ Published practices, most recently updated first; filters combine (and).",
        "PracticePage",
        "practices",
    ),
    Operation(
        "api.practice",
        "/practices/{practice_id}",
        "Praktijkvoorbeeld / Practice",
        "Een gepubliceerd praktijkvoorbeeld met resultaten en stappen door de cirkel; concepten en "
        "gearchiveerde geven 404. / A published practice with results and cycle steps; drafts and archived "
        "practices answer 404.",
        "PracticeDetail",
        "practices",
        path_params=[
            {
                "name": "practice_id",
                "in": "path",
                "required": True,
                "description": "Practice id.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
            }
        ],
        not_found=True,
    ),
    Operation(
        "api.results",
        "/results",
        "Resultaten / Results",
        "Resultaten van gepubliceerde praktijkvoorbeelden, nieuwste meting eerst. / Results of published "
        "practices, newest measurement first.",
        "ResultPage",
        "practices",
    ),
    Operation(
        "api.search",
        "/search",
        "Zoeken / Search",
        "Dezelfde zoekopdracht als /zoeken (alleen gepubliceerde inhoud), met facetten. Parameters met "
        "meerdere waarden herhaalt u: regio=a&regio=b. / The search of /zoeken (published content only) "
        "with facet counts. Repeat multi-valued parameters.",
        "SearchResponse",
        "search",
    ),
    Operation(
        "api.openapi_document",
        "/openapi.json",
        "Dit document / This document",
        "De OpenAPI 3.1-beschrijving van deze API. / This OpenAPI 3.1 description.",
        "",
        "meta",
    ),
)


def _error(description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {JSON: {"schema": _ref("Error")}}}
    if headers:
        response["headers"] = headers
    return response


def _operation(op: Operation, enums: dict[str, list]) -> dict:
    params = [p.as_openapi(enums) for p in PARAMETERS[op.endpoint]]
    path_params = copy.deepcopy(op.path_params)
    for param in path_params:
        key = param["schema"].pop("x-enum", None)
        if key is not None:
            param["schema"]["enum"] = list(enums.get(key, []))
    body_schema = _ref(op.schema) if op.schema else {"type": "object", "description": "OpenAPI 3.1 document."}
    responses = {
        "200": {"description": "OK", "headers": HEADERS, "content": {JSON: {"schema": body_schema}}},
        "304": {
            "description": "Not modified: the ETag matched If-None-Match (or nothing changed since "
            "If-Modified-Since). No body."
        },
        "400": _error("Unknown, repeated or invalid parameter (every one is named)."),
        "429": _error(
            "Too many requests from this address.",
            {"Retry-After": {"description": "Seconds to wait.", "required": True, "schema": STR}},
        ),
        "500": _error("Unexpected error (a bug: please report it)."),
    }
    if op.not_found or op.path_params:
        responses["404"] = _error("Unknown or not public.")
    return {
        "operationId": op.endpoint.removeprefix("api."),
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        "parameters": path_params + params,
        "responses": responses,
    }


def build_document(enums: dict[str, list], server_url: str) -> dict:
    """The whole OpenAPI 3.1 document for `server_url` (the /api/v1 base) with the given allowed values."""
    limit = api_rate_limit()
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Jeugdkennis API",
            "version": API_VERSION,
            "summary": "Open data van Jeugdkennis / Open data of Jeugdkennis",
            "description": (
                "Alleen-lezen JSON-API met alle openbare kennis van de 42 jeugdzorgregio's: regio's, actielijnen, "
                "thema's, de ontwikkelcirkel, gepubliceerde praktijkvoorbeelden met resultaten, en zoeken. "
                "Concepten, gearchiveerde praktijkvoorbeelden en feedback staan er nooit in.\n\n"
                "Read-only JSON API with all public knowledge of the 42 youth-care regions. Drafts, archived "
                "practices and feedback never appear.\n\n"
                '- Errors: JSON `{"error": {"status", "code", "message": {"nl", "en"}, "details"}}`; '
                "unknown, repeated or invalid parameters give 400.\n"
                "- Caching: every 200 has a strong `ETag` and `Last-Modified`; send `If-None-Match` or "
                "`If-Modified-Since` to get 304.\n"
                "- CORS: `Access-Control-Allow-Origin: *` for GET, without credentials; preflights (OPTIONS) are "
                "answered.\n"
                f"- Rate limit: {limit} per client address (429 with `Retry-After`).\n"
                "- Atom feeds per theme (/themas/{slug}/feed.atom), region (/regios/{slug}/feed.atom) and search "
                "(/zoeken/feed.atom?q=...); a nightly open-data dump with a data dictionary."
            ),
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "reference", "description": "Regio's, actielijnen, thema's, fasen."},
            {"name": "practices", "description": "Praktijkvoorbeelden en resultaten."},
            {"name": "search", "description": "Zoeken."},
            {"name": "meta", "description": "Over de API."},
        ],
        "paths": {op.path: {"get": _operation(op, enums)} for op in OPERATIONS},
        "components": {"schemas": copy.deepcopy(SCHEMAS)},
    }


def current_document() -> dict:
    return build_document(reference_enums(), url_for("api.regions", _external=True).removesuffix("/regions"))


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(current_document())


# --- the human-readable page ---------------------------------------------------------------------------------


def _schema_name(schema: dict) -> str | None:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def link_target(schema: dict) -> str | None:
    """The component a property points to, directly or as the items of an array (for links on the page)."""
    return _schema_name(schema) or (
        _schema_name(schema["items"]) if isinstance(schema.get("items"), dict) else None
    )


def describe_type(schema: dict) -> str:
    """A short human form of a JSON schema: 'string (date)', 'array of Theme', 'integer | null', ..."""
    if not schema:
        return "any"
    name = _schema_name(schema)
    if name:
        return name
    if "oneOf" in schema:
        return " | ".join(describe_type(s) for s in schema["oneOf"])
    if "const" in schema:
        return repr(schema["const"])
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    parts = []
    for kind in kinds:
        if kind == "array":
            parts.append(f"array of {describe_type(schema.get('items', {}))}")
        elif kind != "null" and schema.get("format"):
            parts.append(f"{kind} ({schema['format']})")
        else:
            parts.append(kind)
    return " | ".join(parts)


def constraints(schema: dict) -> str:
    """Limits of a parameter or property, for the page: 'minimum 1, maximum 100, default 20'."""
    target = schema.get("items", schema) if schema.get("type") == "array" else schema
    out = []
    for key in ("minimum", "maximum", "maxItems", "default", "pattern"):
        source = schema if key == "maxItems" else target
        if key in source:
            out.append(f"{key} {source[key]}")
    enum = target.get("enum")
    if enum is not None:
        shown = ", ".join(str(v) for v in enum[:12])
        out.append(f"one of: {shown}{' …' if len(enum) > 12 else ''} ({len(enum)})")
    return ", ".join(out)


@docs_bp.get("/api")
def docs_page():
    document = current_document()
    return render_template(
        "api/index.html",
        doc=document,
        operations=[(path, item["get"]) for path, item in document["paths"].items()],
        schemas=document["components"]["schemas"],
        describe_type=describe_type,
        constraints=constraints,
        schema_name=_schema_name,
        link_target=link_target,
        rate_limit=api_rate_limit(),
    )
