"""JSON API for published practices and their results: filtered, paginated lists and a practice detail with
results and cycle steps.

Drafts and archived practices never appear (404, as for any unknown id), nor do their results. Bad query
parameters answer 400 with a JSON error naming each parameter, in Dutch and English. Lists load in a fixed
number of queries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

from flask import jsonify, request
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from exchange.api import bp, practice_list, serializers
from exchange.api.http import (
    BadParameter,
    Bilingual,
    bad_parameters,
    parse_instant,
    reject_unknown_parameters,
    unknown_parameter,
    version_etag,
)
from exchange.caching.visitor import visitor_cached
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.practices import queries
from exchange.practices.models import (
    CycleStep,
    Practice,
    PracticePartner,
    Result,
    Status,
    practice_action_line,
    practice_theme,
)
from exchange.reference.lookups import RegionNotFound, ThemeNotFound, find_region, find_theme
from exchange.reference.models import ActionLine, CyclePhase
from exchange.routing import whole_number

__all__ = ["BadParameter", "Bilingual"]

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
LIST_PARAMETERS = ("region", "theme", "action_line", "phase", "updated_since", "page", "per_page")
RESULT_PARAMETERS = (
    "region",
    "theme",
    "action_line",
    "phase",
    "practice",
    "measured_from",
    "measured_to",
    "page",
    "per_page",
)
_bad = bad_parameters


def _whole_number(text: str) -> int | None:
    return whole_number(text, low=0, high=999_999_999)


def _region(value: str, filters: dict) -> Bilingual | None:
    try:
        region = find_region(value)
    except RegionNotFound:
        return Bilingual(
            f"onbekende regio '{value[:60]}' (CBS-code zoals JZ01 of slug)",
            f"unknown region '{value[:60]}' (CBS code such as JZ01, or slug)",
        )
    filters["region_id"] = region.id
    return None


def _theme(value: str, filters: dict) -> Bilingual | None:
    try:
        theme = find_theme(value)
    except ThemeNotFound:
        return Bilingual(f"onbekend thema '{value[:60]}'", f"unknown theme '{value[:60]}'")
    filters["theme_id"] = theme.id
    return None


def _phase(value: str, filters: dict) -> Bilingual | None:
    phase = db.session.scalar(select(CyclePhase).where(CyclePhase.slug == value))
    if phase is None:
        return Bilingual(f"onbekende fase '{value[:60]}'", f"unknown phase '{value[:60]}'")
    filters["phase_id"] = phase.id
    return None


def _action_line(value: str, filters: dict) -> Bilingual | None:
    number = _whole_number(value)
    line = (
        db.session.scalar(select(ActionLine).where(ActionLine.number == number))
        if number is not None
        else None
    )
    if line is None:
        return Bilingual(
            f"onbekende actielijn '{value[:60]}' (een nummer, 1 t/m 6)",
            f"unknown action line '{value[:60]}' (a number, 1 to 6)",
        )
    filters["action_line_id"] = line.id
    return None


def _updated_since(value: str, filters: dict) -> Bilingual | None:
    try:
        filters["updated_since"] = parse_instant(value)
    except ValueError as error:
        if str(error) == "timezone":
            return Bilingual(
                "moet een tijdzone hebben, bijvoorbeeld 2024-05-01T00:00:00Z of 2024-05-01T02:00:00%2B02:00",
                "needs a time zone, for example 2024-05-01T00:00:00Z or 2024-05-01T02:00:00%2B02:00",
            )
        return Bilingual(
            "moet een ISO 8601-tijdstip met tijdzone zijn, bijvoorbeeld 2024-05-01T00:00:00Z"
            " (schrijf + in een URL als %2B)",
            "must be an ISO 8601 date-time with a time zone, for example 2024-05-01T00:00:00Z"
            " (write + in a URL as %2B)",
        )
    return None


def _practice(value: str, filters: dict) -> Bilingual | None:
    number = _whole_number(value)
    if number is None or number < 1:
        return Bilingual(
            "moet een geheel getal vanaf 1 zijn (het id van een praktijkvoorbeeld)",
            "must be a whole number from 1 (the id of a practice)",
        )
    filters["practice_id"] = number
    return None


def _day(name: str) -> Callable[[str, dict], Bilingual | None]:
    def parse(value: str, filters: dict) -> Bilingual | None:
        try:
            filters[name] = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            filters[name] = None
        if filters[name] is None:
            return Bilingual("moet een datum zijn zoals 2024-05-01", "must be a date such as 2024-05-01")
        return None

    return parse


PARSERS: dict[str, Callable[[str, dict], Bilingual | None]] = {
    "region": _region,
    "theme": _theme,
    "phase": _phase,
    "action_line": _action_line,
    "updated_since": _updated_since,
    "practice": _practice,
    "measured_from": _day("measured_from"),
    "measured_to": _day("measured_to"),
}


def _parse_list_args(allowed: tuple[str, ...] = LIST_PARAMETERS) -> tuple[dict, int, int]:
    """Check every query parameter; raise BadParameter listing every problem, else (filters, page, per_page)."""
    problems: dict[str, Bilingual] = {}
    args = request.args
    for name in args:
        if name not in allowed:
            problems[name[:60]] = unknown_parameter(allowed)
        elif len(args.getlist(name)) > 1:
            problems[name] = Bilingual("mag maar één keer voorkomen", "may appear only once")
    filters: dict = {}
    for name, parse in PARSERS.items():
        if name in allowed and name in args and name not in problems:
            problem = parse(args[name], filters)
            if problem is not None:
                problems[name] = problem
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


def _published_stmt(*, correlated: bool = False, **filters):
    """Published practices matching the list filters, newest update first.

    With `correlated`, the theme and action-line filters are EXISTS clauses on the link tables' primary keys
    instead of `id IN (...)`: for a page (ORDER BY updated_at LIMIT n) SQLite then walks the index on
    (status, updated_at, id) and stops after n matches, where the IN form sorted every practice of the theme
    (30 ms instead of 280 ms at 100 000 practices). The count keeps the IN form, which reads only the
    theme's practices. PostgreSQL plans both as the same semi-join."""
    # The API is public whoever calls it: only published practices, whatever the session cookie says.
    since = filters.pop("updated_since", None)
    theme_id = filters.pop("theme_id", None) if correlated else None
    line_id = filters.pop("action_line_id", None) if correlated else None
    stmt = queries.practices_stmt(None, status=Status.PUBLISHED, **filters)
    if since is not None:
        stmt = stmt.where(Practice.updated_at >= since)
    if theme_id is not None:
        stmt = stmt.where(
            exists().where(practice_theme.c.practice_id == Practice.id, practice_theme.c.theme_id == theme_id)
        )
    if line_id is not None:
        stmt = stmt.where(
            exists().where(
                practice_action_line.c.practice_id == Practice.id,
                practice_action_line.c.action_line_id == line_id,
            )
        )
    return stmt


def _count_pages(stmt, page: int, per_page: int) -> tuple[int, int]:
    """(total, pages) of `stmt`; a page past the last one (the first always exists) is a 400."""
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
    return total, pages


def _page_of(stmt, page: int, per_page: int) -> tuple[list, int, int]:
    """(rows of `page`, total, pages); a page past the last one (the first always exists) is a 400."""
    total, pages = _count_pages(stmt, page, per_page)
    return list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))), total, pages


@bp.get("/practices")
@version_etag
@visitor_cached
def practices():
    filters, page, per_page = _parse_list_args()
    total, pages = _count_pages(_published_stmt(**filters).with_only_columns(Practice.id), page, per_page)
    items = practice_list.summaries(
        _published_stmt(correlated=True, **filters), per_page, (page - 1) * per_page
    )
    return jsonify({"total": total, "page": page, "per_page": per_page, "pages": pages, "items": items})


@bp.get("/practices/<int(max=2147483647):practice_id>")
def practice(practice_id: int):
    reject_unknown_parameters(())
    stmt = (
        _published_stmt()
        .where(Practice.id == practice_id)
        .options(
            selectinload(Practice.links),
            selectinload(Practice.partner_links).selectinload(PracticePartner.organisation),
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


def published_results_stmt(
    *,
    region_id=None,
    theme_id=None,
    action_line_id=None,
    phase_id=None,
    practice_id=None,
    measured_from=None,
    measured_to=None,
):
    """Results of published practices, newest measurement first, with what the API shows eagerly loaded."""
    stmt = (
        select(Result)
        .join(Practice, Practice.id == Result.practice_id)
        .where(Practice.status == Status.PUBLISHED)
        .options(
            selectinload(Result.phase),
            selectinload(Result.practice).selectinload(Practice.region),
        )
        .order_by(Result.measured_on.desc(), Result.id.desc())
    )
    if region_id is not None:
        stmt = stmt.where(Practice.region_id == region_id)
    if theme_id is not None:
        stmt = stmt.where(
            Practice.id.in_(select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == theme_id))
        )
    if action_line_id is not None:
        stmt = stmt.where(
            Practice.id.in_(
                select(practice_action_line.c.practice_id).where(
                    practice_action_line.c.action_line_id == action_line_id
                )
            )
        )
    if phase_id is not None:
        stmt = stmt.where(Result.phase_id == phase_id)
    if practice_id is not None:
        stmt = stmt.where(Result.practice_id == practice_id)
    if measured_from is not None:
        stmt = stmt.where(Result.measured_on >= measured_from)
    if measured_to is not None:
        stmt = stmt.where(Result.measured_on <= measured_to)
    return stmt


@bp.get("/results")
def results():
    filters, page, per_page = _parse_list_args(RESULT_PARAMETERS)
    items, total, pages = _page_of(published_results_stmt(**filters), page, per_page)
    return jsonify(
        {
            "total": total,
            "page": page,
            "per_page": per_page,
            "pages": pages,
            "items": [serializers.result(r) for r in items],
        }
    )
