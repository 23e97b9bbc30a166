"""The routes: the document as JSON (/api/v1/openapi.json) and the API page generated from it (/api)."""

from __future__ import annotations

from flask import jsonify, render_template

from exchange.api import bp, docs_bp
from exchange.api.http import api_rate_limit
from exchange.api.openapi.document import current_document


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
