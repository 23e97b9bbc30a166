"""The operations of the OpenAPI document: one GET per /api/v1 route, with its parameters and responses."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from exchange.api.openapi.parameters import PARAMETERS
from exchange.api.openapi.schemas import STR, ref

JSON = "application/json"

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
    response = {"description": description, "content": {JSON: {"schema": ref("Error")}}}
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
    body_schema = ref(op.schema) if op.schema else {"type": "object", "description": "OpenAPI 3.1 document."}
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


def build_paths(enums: dict[str, list]) -> dict:
    """The paths object: every operation under its path, with the allowed values filled in."""
    return {op.path: {"get": _operation(op, enums)} for op in OPERATIONS}
