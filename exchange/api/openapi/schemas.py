"""The component schemas of the OpenAPI document: one closed JSON schema per object the API returns."""

from __future__ import annotations

from exchange.practices.profile import EVIDENCE_LEVELS, PARTICIPATION_LEVELS, PARTNER_KINDS
from exchange.search.facets import FACETS


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


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(item: str, description: str) -> dict:
    return _obj(
        {"total": {"type": "integer", "minimum": 0}, "items": {"type": "array", "items": ref(item)}},
        description=description,
    )


def _page_of(item: str, description: str) -> dict:
    return _obj(
        {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "pages": {"type": "integer", "minimum": 0, "description": "0 when nothing matches."},
            "items": {"type": "array", "items": ref(item)},
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
    "region": ref("RegionRef"),
    "themes": {"type": "array", "items": ref("ThemeRef")},
    "action_lines": {"type": "array", "items": INT},
    "phase": ref("PhaseRef"),
    "target_group": STR,
    "period": _obj({"start": NDATE, "end": NDATE}),
    "published_at": NDATETIME,
    "updated_at": DATETIME,
    "is_demo": BOOL,
    "profile": ref("PracticeProfile"),
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
                    "message": ref("Message"),
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
            "plan": {"oneOf": [{"type": "null"}, ref("Plan")]},
            "fund_allocations": {"type": "array", "items": ref("FundAllocation")},
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
            "contacts": {"type": "array", "items": ref("Contact")},
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
    "PracticeProfile": _obj(
        {
            "age_from": {**NINT, "minimum": 0, "maximum": 99, "description": "Target age from (years)."},
            "age_to": {
                **NINT,
                "minimum": 0,
                "maximum": 99,
                "description": "Target age to (years, inclusive).",
            },
            "partners": {
                "type": "array",
                "items": _obj({"name": STR, "kind": {"type": "string", "enum": list(PARTNER_KINDS)}}),
            },
            "participation": _obj(
                {
                    "level": {
                        "oneOf": [ref("ProfileLevel"), {"type": "null"}],
                        "description": "Youth participation, from geinformeerd to mede-eigenaar: "
                        + ", ".join(PARTICIPATION_LEVELS),
                    },
                    "note": STR,
                }
            ),
            "evidence": _obj(
                {
                    "level": {
                        "oneOf": [ref("ProfileLevel"), {"type": "null"}],
                        "description": "Level in the Dutch recognition system for interventions: "
                        + ", ".join(EVIDENCE_LEVELS),
                    },
                    "url": {
                        "type": ["string", "null"],
                        "format": "uri",
                        "description": "Databank entry (https).",
                    },
                    "year": {**NINT, "description": "Year of the assessment."},
                }
            ),
            "costs": _obj(
                {
                    "indication": STR,
                    "fund_used": {
                        "type": ["boolean", "null"],
                        "description": "Transformatiefonds money went in.",
                    },
                    "fund_amount_eur": {**NINT, "minimum": 0, "description": "How much of it (euros)."},
                }
            ),
        },
        description="Target ages, partners, youth participation, evidence level, costs and funding (issue 17).",
    ),
    "ProfileLevel": _obj({"value": STR, "label": {"type": "string", "description": "Dutch label."}}),
    "PracticeDetail": _obj(
        {
            **PRACTICE_PROPERTIES,
            "body": {"type": "string", "description": "Markdown."},
            "body_html": {"type": "string", "description": "The body as sanitised HTML."},
            "contact": _obj({"name": STR, "email": STR}),
            "links": {"type": "array", "items": _obj({"title": STR, "url": STR})},
            "results": {"type": "array", "items": ref("PracticeResult"), "description": "Oldest first."},
            "cycle_steps": {"type": "array", "items": ref("CycleStep"), "description": "Oldest first."},
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
            "phase": ref("PhaseRef"),
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
            "type": {"type": "string", "enum": ["practice", "result", "document", "theme", "region"]},
            "title": STR,
            "region": {"oneOf": [{"type": "null"}, _obj({"slug": STR, "name": STR})]},
            "themes": {"type": "array", "items": ref("ThemeRef")},
            "phase": {"type": ["string", "null"], "description": "Phase name."},
            "date": NDATE,
            "url": URL,
            "snippet": {"type": "string", "description": "HTML: escaped text with <mark> around matches."},
            "snippet_text": STR,
            "practice": {
                "oneOf": [{"type": "null"}, _obj({"title": STR, "url": STR})],
                "description": "For a result: the practice it belongs to.",
            },
            "matching_results": {
                "type": "integer",
                "minimum": 0,
                "description": "metingen=gegroepeerd: how many of the practice's results match (else 0).",
            },
            "best_result": {
                "oneOf": [
                    {"type": "null"},
                    _obj({"id": INT, "title": STR, "url": STR, "snippet": STR, "snippet_text": STR}),
                ],
                "description": "metingen=gegroepeerd: the best matching result of the practice, or null.",
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
            "results": {"type": "array", "items": ref("SearchHit")},
            "facets": _obj(
                {
                    name: {"type": "array", "items": ref("FacetValue")}
                    for name in (facet.param for facet in FACETS)
                }
            ),
            "suggestion": {
                "type": ["string", "null"],
                "description": '"Bedoelde u"-zoekvraag, of null. / "Did you mean" query, or null.',
            },
            "measurements": {
                "type": "string",
                "enum": ["gegroepeerd", "apart"],
                "description": "gegroepeerd: een item per praktijkvoorbeeld (passende metingen erin, thema's en "
                "regio's in related); apart: elk praktijkvoorbeeld, resultaat, thema en elke regio een eigen item. "
                "/ gegroepeerd: one item per practice (results inside it, themes and regions in related); apart: "
                "every practice, result, theme and region is an item of its own.",
            },
            "related": {
                "type": "array",
                "items": ref("SearchHit"),
                "description": "metingen=gegroepeerd, eerste pagina: de best passende thema's en regio's. / "
                "metingen=gegroepeerd, first page: the best matching themes and regions.",
            },
            "corrected_from": {
                "type": ["string", "null"],
                "description": "De getypte zoekvraag als die niets vond en dit de resultaten van de verbetering "
                "(query) zijn; vraag opnieuw met letterlijk=1 voor de getypte woorden. Anders null. / The typed "
                "query when it found nothing and these are the results of its correction (query); ask again with "
                "letterlijk=1 for the typed words. Else null.",
            },
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
