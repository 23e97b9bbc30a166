"""JSON API for published practices: a filtered, paginated list and a detail with results and cycle steps.

Drafts and archived practices never appear (404, as for any unknown id). Bad query parameters answer 400 with
a JSON error naming each parameter, in Dutch and English. Lists load in a fixed number of queries.
"""

from __future__ import annotations

import math

from flask import jsonify, request
from flask_babel import get_locale
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from exchange.api import serializers
from exchange.api.views import bp
from exchange.errors import DomainError, NotFound
from exchange.extensions import db
from exchange.practices import queries
from exchange.practices.models import CycleStep, Practice, Result, Status
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
LIST_PARAMETERS = ("region", "theme", "action_line", "phase", "page", "per_page")


class Bilingual:
    """A message with a Dutch and an English text; `str()` follows the locale (see errors.error_response)."""

    def __init__(self, nl: str, en: str) -> None:
        self.nl, self.en = nl, en

    def __str__(self) -> str:
        locale = get_locale()
        return self.en if locale is not None and locale.language == "en" else self.nl


class BadParameter(DomainError):
    status = 400
    code = "invalid_parameter"


def _bad(problems: dict[str, Bilingual]) -> BadParameter:
    names = ", ".join(problems)
    return BadParameter(
        Bilingual(f"Ongeldige parameter(s): {names}.", f"Invalid parameter(s): {names}."),
        details={"parameters": {name: {"nl": m.nl, "en": m.en} for name, m in problems.items()}},
    )


def _whole_number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 9 else None


def _parse_list_args() -> tuple[dict, int, int]:
    """Check every query parameter; raise BadParameter listing every problem, else (filters, page, per_page)."""
    problems: dict[str, Bilingual] = {}
    args = request.args
    for name in args:
        if name not in LIST_PARAMETERS:
            problems[name] = Bilingual(
                f"onbekende parameter; gebruik {', '.join(LIST_PARAMETERS)}",
                f"unknown parameter; use {', '.join(LIST_PARAMETERS)}",
            )
        elif len(args.getlist(name)) > 1:
            problems[name] = Bilingual("mag maar één keer voorkomen", "may appear only once")
    filters: dict = {}
    if "region" in args and "region" not in problems:
        value = args["region"]
        region = db.session.scalar(
            select(Region).where(or_(Region.code == value.upper(), Region.slug == value))
        )
        if region is None:
            problems["region"] = Bilingual(
                f"onbekende regio '{value[:60]}' (CBS-code zoals JZ01 of slug)",
                f"unknown region '{value[:60]}' (CBS code such as JZ01, or slug)",
            )
        else:
            filters["region_id"] = region.id
    if "theme" in args and "theme" not in problems:
        theme = db.session.scalar(select(Theme).where(Theme.slug == args["theme"]))
        if theme is None:
            problems["theme"] = Bilingual(
                f"onbekend thema '{args['theme'][:60]}'", f"unknown theme '{args['theme'][:60]}'"
            )
        else:
            filters["theme_id"] = theme.id
    if "phase" in args and "phase" not in problems:
        phase = db.session.scalar(select(CyclePhase).where(CyclePhase.slug == args["phase"]))
        if phase is None:
            problems["phase"] = Bilingual(
                f"onbekende fase '{args['phase'][:60]}'", f"unknown phase '{args['phase'][:60]}'"
            )
        else:
            filters["phase_id"] = phase.id
    if "action_line" in args and "action_line" not in problems:
        number = _whole_number(args["action_line"])
        line = (
            db.session.scalar(select(ActionLine).where(ActionLine.number == number))
            if number is not None
            else None
        )
        if line is None:
            problems["action_line"] = Bilingual(
                f"onbekende actielijn '{args['action_line'][:60]}' (een nummer, 1 t/m 6)",
                f"unknown action line '{args['action_line'][:60]}' (a number, 1 to 6)",
            )
        else:
            filters["action_line_id"] = line.id
    page = per_page = None
    if "page" not in problems:
        page = _whole_number(args.get("page", "1"))
        if page is None or page < 1:
            problems["page"] = Bilingual(
                "moet een geheel getal vanaf 1 zijn", "must be a whole number from 1"
            )
    if "per_page" not in problems:
        per_page = _whole_number(args.get("per_page", str(DEFAULT_PER_PAGE)))
        if per_page is None or not 1 <= per_page <= MAX_PER_PAGE:
            problems["per_page"] = Bilingual(
                f"moet een geheel getal van 1 tot en met {MAX_PER_PAGE} zijn",
                f"must be a whole number from 1 to {MAX_PER_PAGE}",
            )
    if problems:
        raise _bad(problems)
    return filters, page, per_page


def _published_stmt(**filters):
    # The API is public whoever calls it: only published practices, whatever the session cookie says.
    return queries.practices_stmt(None, status=Status.PUBLISHED, **filters)


@bp.get("/practices")
def practices():
    filters, page, per_page = _parse_list_args()
    stmt = _published_stmt(**filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = math.ceil(total / per_page)
    if page > max(pages, 1):
        raise _bad(
            {
                "page": Bilingual(
                    f"buiten bereik (laatste pagina: {max(pages, 1)})",
                    f"out of range (last page: {max(pages, 1)})",
                )
            }
        )
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return jsonify(
        {
            "total": total,
            "page": page,
            "per_page": per_page,
            "pages": pages,
            "items": [serializers.practice_summary(p) for p in items],
        }
    )


@bp.get("/practices/<int(max=2147483647):practice_id>")
def practice(practice_id: int):
    if request.args:
        raise _bad({name: Bilingual("onbekende parameter", "unknown parameter") for name in request.args})
    stmt = (
        _published_stmt()
        .where(Practice.id == practice_id)
        .options(
            selectinload(Practice.links),
            selectinload(Practice.results).selectinload(Result.phase),
            selectinload(Practice.steps).selectinload(CycleStep.from_phase),
            selectinload(Practice.steps).selectinload(CycleStep.to_phase),
        )
    )
    found = db.session.scalar(stmt)
    if found is None:
        raise NotFound(
            Bilingual(
                "Dit praktijkvoorbeeld bestaat niet of is niet openbaar.",
                "This practice does not exist or is not public.",
            ),
            code="practice_not_found",
        )
    return jsonify(serializers.practice_detail(found))
