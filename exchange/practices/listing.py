"""Browsing practices with filters (/praktijken): the URL read strictly, the filtered list and its facet counts.

The parameters are the search page's (`regio`, `provincie`, `thema`, `actielijn`, `fase`, `jaar`, `sort`) plus
`resultaten` ("ja": only practices with at least one result) and `status` (signed-in people only, within what
they may see). One value per parameter; filters of different parameters combine. A bad value raises
BadBrowse (a Dutch 400). Visibility is part of every query, and the counts take one grouped query per facet,
whatever the number of rows or options.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import and_, exists, func, select, tuple_
from sqlalchemy.orm import selectinload

from exchange import parallel
from exchange.accounts.models import Role
from exchange.caching import counts as kept_counts
from exchange.errors import Bilingual, DomainError, NotFound
from exchange.extensions import db
from exchange.i18n import localized
from exchange.practices import profile as profile_filters
from exchange.practices import tally
from exchange.practices.models import Practice, Result, Status, practice_action_line, practice_theme
from exchange.practices.queries import visible_clause
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme
from exchange.reference.naming import action_line_label

PER_PAGE = 25
MAX_PAGE = 10_000
FIRST_YEAR, LAST_YEAR = 1990, 2100
DEFAULT_SORT = "nieuwste"
SORTS = {
    "nieuwste": _l("Nieuwste eerst"),
    "bijgewerkt": _l("Laatst bijgewerkt"),
    "titel": _l("Titel (A–Z)"),
}
STATUSES = {"concept": Status.DRAFT, "gepubliceerd": Status.PUBLISHED, "gearchiveerd": Status.ARCHIVED}
STATUS_LABELS = {
    Status.DRAFT: _l("Concept"),
    Status.PUBLISHED: _l("Gepubliceerd"),
    Status.ARCHIVED: _l("Gearchiveerd"),
}
WITH_RESULTS = "ja"
# The order of the facets on the page and in the URL.
PARAMS = ("regio", "provincie", "thema", "actielijn", "fase", "jaar", "resultaten", "status")
# The profile filters (exchange/practices/profile.py) travel with the others.
PROFILE_PARAMS = ("leeftijd_van", "leeftijd_tot", "onderbouwing", "participatie")


class BadBrowse(DomainError):
    """A filter or sort value in the URL that does not exist (400, never a 500)."""

    status = 400
    code = "bad_browse_parameter"

    def __init__(self, nl: str, en: str, parameter: str):
        super().__init__(Bilingual(nl, en), details={"parameter": parameter})


def province_slug(name: str) -> str:
    """'Noord-Holland' -> 'noord-holland', 'Fryslân' -> 'fryslan' (the search page's province values)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def may_filter_status(user) -> bool:
    """Whether `user` sees anything but published practices, so a status filter means something."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and user.role in (Role.ADMIN, Role.STAFF, Role.FUNCTIONARY)
    )


@dataclass
class Reference:
    """The small reference tables the filters choose from (four queries)."""

    regions: list[Region]
    themes: list[Theme]
    lines: list[ActionLine]
    phases: list[CyclePhase]
    provinces: dict[str, str] = field(default_factory=dict)  # slug -> name

    @classmethod
    def load(cls) -> Reference:
        regions = list(db.session.scalars(select(Region).order_by(Region.display_name)))
        ref = cls(
            regions=regions,
            themes=list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.name))),
            lines=list(db.session.scalars(select(ActionLine).order_by(ActionLine.number))),
            phases=list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position))),
        )
        for name in sorted({r.province for r in regions}):
            ref.provinces[province_slug(name)] = name
        return ref


@dataclass
class Browse:
    """One browse request: the chosen filters (None: not filtered), the sort and the page."""

    region: Region | None = None
    province: str | None = None  # slug
    province_name: str | None = None
    theme: Theme | None = None
    line: ActionLine | None = None
    phase: CyclePhase | None = None
    year: int | None = None
    with_results: bool = False
    status: Status | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    notices: list[str] = field(default_factory=list)  # what was ignored, said to the visitor
    profile: profile_filters.ListFilters = field(default_factory=profile_filters.ListFilters)

    def values(self) -> dict[str, str]:
        """The URL value of every active filter."""
        out = {
            "regio": self.region.slug if self.region else None,
            "provincie": self.province,
            "thema": self.theme.slug if self.theme else None,
            "actielijn": str(self.line.number) if self.line else None,
            "fase": self.phase.slug if self.phase else None,
            "jaar": str(self.year) if self.year else None,
            "resultaten": WITH_RESULTS if self.with_results else None,
            "status": next((k for k, v in STATUSES.items() if v == self.status), None),
        }
        if self.profile.age is not None:
            out["leeftijd_van"], out["leeftijd_tot"] = (str(age) for age in self.profile.age)
        out["onderbouwing"] = self.profile.evidence[0] if self.profile.evidence else None
        out["participatie"] = self.profile.participation[0] if self.profile.participation else None
        return {k: v for k, v in out.items() if v}

    def args(self, **changes) -> dict:
        """URL arguments for url_for with `changes` (param -> value, None removes); back to page 1."""
        out = self.values()
        for key, value in changes.items():
            if key in ("sort", "pagina"):
                continue
            if value:
                out[key] = value
            else:
                out.pop(key, None)
        out = {k: out[k] for k in (*PARAMS, *PROFILE_PARAMS) if k in out}  # one order: one URL per list
        sort = changes.get("sort", self.sort)
        if sort != DEFAULT_SORT:
            out["sort"] = sort
        if changes.get("pagina", 1) > 1:
            out["pagina"] = changes["pagina"]
        return out

    @property
    def filtered(self) -> bool:
        return bool(self.values())


def _bad(param: str, value: str, nl_expected: str, en_expected: str) -> BadBrowse:
    shown = value if len(value) <= 40 else value[:40] + "…"
    return BadBrowse(
        f"Het filter '{param}' kent de waarde '{shown}' niet. {nl_expected}",
        f"The filter '{param}' has no value '{shown}'. {en_expected}",
        param,
    )


def _one(args, param: str) -> str | None:
    values = [v.strip() for v in args.getlist(param) if v and v.strip()]
    if len(set(values)) > 1:
        raise BadBrowse(
            f"Kies één waarde voor '{param}'.",
            f"Choose one value for '{param}'.",
            param,
        )
    return values[0] if values else None


def read_browse(args, user, ref: Reference) -> Browse:
    """Read the filters, sort and page from query arguments; BadBrowse (400) on any value that does not exist.

    A status filter from someone who only sees published practices is ignored with a notice, so a link a
    colleague shared still opens.
    """
    browse = Browse()
    if value := _one(args, "regio"):
        browse.region = next(
            (r for r in ref.regions if r.slug == value.lower() or r.code == value.upper()), None
        )
        if browse.region is None:
            raise _bad("regio", value, "Kies een regio uit de lijst.", "Choose a region from the list.")
    if value := _one(args, "provincie"):
        slug = province_slug(value)
        if slug not in ref.provinces:
            raise _bad(
                "provincie", value, "Kies een provincie uit de lijst.", "Choose a province from the list."
            )
        browse.province, browse.province_name = slug, ref.provinces[slug]
    if value := _one(args, "thema"):
        browse.theme = next((t for t in ref.themes if t.slug == value.lower()), None)
        if browse.theme is None:
            raise _bad("thema", value, "Kies een thema uit de lijst.", "Choose a theme from the list.")
    if value := _one(args, "actielijn"):
        browse.line = next((x for x in ref.lines if str(x.number) == value), None)
        if browse.line is None:
            numbers = ", ".join(str(x.number) for x in ref.lines)
            raise _bad("actielijn", value, f"Kies een van: {numbers}.", f"Choose one of: {numbers}.")
    if value := _one(args, "fase"):
        browse.phase = next((p for p in ref.phases if p.slug == value.lower()), None)
        if browse.phase is None:
            raise _bad("fase", value, "Kies een fase uit de lijst.", "Choose a phase from the list.")
    if value := _one(args, "jaar"):
        if not (
            value.isascii() and value.isdigit() and len(value) == 4 and FIRST_YEAR <= int(value) <= LAST_YEAR
        ):
            raise _bad(
                "jaar",
                value,
                f"Een jaar is een getal van {FIRST_YEAR} tot en met {LAST_YEAR}.",
                f"A year is a number from {FIRST_YEAR} to {LAST_YEAR}.",
            )
        browse.year = int(value)
    if value := _one(args, "resultaten"):
        if value != WITH_RESULTS:
            raise _bad("resultaten", value, "De enige waarde is 'ja'.", "The only value is 'ja'.")
        browse.with_results = True
    if value := _one(args, "status"):
        if value not in STATUSES:
            raise _bad(
                "status",
                value,
                f"Kies een van: {', '.join(STATUSES)}.",
                f"Choose one of: {', '.join(STATUSES)}.",
            )
        if may_filter_status(user):
            browse.status = STATUSES[value]
        else:
            browse.notices.append(
                str(_l("Filteren op status kan alleen na inloggen; dat filter is genegeerd."))
            )
    if value := _one(args, "sort"):
        if value not in SORTS:
            raise _bad(
                "sort", value, f"Kies een van: {', '.join(SORTS)}.", f"Choose one of: {', '.join(SORTS)}."
            )
        browse.sort = value
    browse.profile = profile_filters.read_list_filters(args)
    browse.notices.extend(browse.profile.errors)
    if value := _one(args, "pagina"):
        # A page that does not exist is a 404, as on the theme and region pages.
        if not (value.isascii() and value.isdigit() and len(value) <= 6 and 1 <= int(value) <= MAX_PAGE):
            raise NotFound(code="page_not_found")
        browse.page = int(value)
    return browse


def shown_on() -> object:
    """The date a practice shows in lists and the year filter reads: published, else written (as in search)."""
    return func.coalesce(Practice.published_at, Practice.created_at)


def _conditions(user, browse: Browse) -> dict[str, object]:
    """One SQL condition per active filter, keyed by its URL parameter."""
    out: dict[str, object] = {}
    if browse.region is not None:
        out["regio"] = Practice.region_id == browse.region.id
    if browse.province is not None:
        out["provincie"] = Practice.region_id.in_(
            select(Region.id).where(Region.province == browse.province_name)
        )
    if browse.theme is not None:
        out["thema"] = Practice.id.in_(
            select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == browse.theme.id)
        )
    if browse.line is not None:
        out["actielijn"] = Practice.id.in_(
            select(practice_action_line.c.practice_id).where(
                practice_action_line.c.action_line_id == browse.line.id
            )
        )
    if browse.phase is not None:
        out["fase"] = Practice.phase_id == browse.phase.id
    if browse.year is not None:
        start = datetime(browse.year, 1, 1, tzinfo=UTC)
        end = datetime(browse.year + 1, 1, 1, tzinfo=UTC)
        out["jaar"] = (shown_on() >= start) & (shown_on() < end)
    if browse.with_results:
        out["resultaten"] = _has_results()
    if browse.status is not None:
        out["status"] = Practice.status == browse.status
    if browse.profile.active:
        out["profiel"] = and_(*profile_filters.conditions(browse.profile))
    return out


def _has_results():
    return exists(select(1).where(Result.practice_id == Practice.id))


def _where(user, browse: Browse, without: str | None = None):
    conditions = [c for k, c in _conditions(user, browse).items() if k != without]
    return [visible_clause(user), *conditions]


def _ordered(stmt, sort: str):
    if sort == "titel":
        return stmt.order_by(func.lower(Practice.title), Practice.id)
    if sort == "bijgewerkt":
        return stmt.order_by(Practice.updated_at.desc(), Practice.id.desc())
    return stmt.order_by(shown_on().desc(), Practice.id.desc())


def practices_stmt(user, browse: Browse):
    """The filtered, sorted select() of visible practices, eager-loaded for cards (for db.paginate)."""
    stmt = (
        select(Practice)
        .where(*_where(user, browse))
        .options(
            selectinload(Practice.region),
            selectinload(Practice.phase),
            selectinload(Practice.themes),
            selectinload(Practice.action_lines),
        )
    )
    return _ordered(stmt, browse.sort)


class IdPagination(SelectPagination):
    """db.paginate for a select of Practice that first reads the page's ids, then loads those practices.

    Sorting the full rows of every matching practice (the body included) to keep 25 was most of the cost of
    /praktijken; the ids and sort keys come from indexes, and only the page's rows are read."""

    def _query_items(self) -> list:
        stmt, session = self._query_args["select"], self._query_args["session"]
        ids = list(
            session.scalars(
                stmt.with_only_columns(Practice.id).limit(self.per_page).offset(self._query_offset)
            )
        )
        if not ids:
            return []
        found = {p.id: p for p in session.scalars(stmt.where(Practice.id.in_(ids)).order_by(None))}
        return [found[i] for i in ids]

    def _query_count(self) -> int:
        stmt, session = self._query_args["select"], self._query_args["session"]
        ids = stmt.with_only_columns(Practice.id).order_by(None).subquery()
        return session.scalar(select(func.count()).select_from(ids)) or 0


def paginate(stmt, page: int) -> IdPagination:
    """The page `page` of `practices_stmt(...)`, PER_PAGE practices (a page past the end is empty)."""
    return IdPagination(select=stmt, session=db.session(), page=page, per_page=PER_PAGE, error_out=False)


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    args: dict  # URL arguments with this value chosen (or, when selected, removed)
    lang: str | None = None  # "nl" when the label is Dutch on an English page


@dataclass
class FacetModel:
    param: str
    label: str
    options: list[Option]

    @property
    def selected(self) -> Option | None:
        return next((o for o in self.options if o.selected), None)


def _count_by(user, browse: Browse, param: str, key, *joins):
    # count(*), not count(DISTINCT id): the joins here are to one row per practice (its region).
    stmt = select(key, func.count()).select_from(Practice)
    for target, onclause in joins:
        stmt = stmt.join(target, onclause)
    return stmt.where(*_where(user, browse, without=param)).group_by(key)


def _count_links(user, browse: Browse, param: str, link_column, practice_column):
    """Counts per value of a link table (themes, action lines) over the practices matching the other filters.

    Written as `practice_id IN (matching ids)`: both databases then read the matching ids from an index and
    probe the link table's primary key, instead of joining every link row to its practice. A link table's
    primary key holds each (practice, value) once, so count(*) counts each practice once per value."""
    matching = select(Practice.id).where(*_where(user, browse, without=param))
    return select(link_column, func.count()).where(practice_column.in_(matching)).group_by(link_column)


# Facets counted by a value of the practice row itself. On PostgreSQL those whose own filter is not chosen share
# one WHERE (the full filter) and are counted in one statement, GROUPING SETS: one pass over the matching
# practices instead of one each (at 100 000 practices each pass reads some 85,000 index entries).
_ROW_FACETS = ("regio", "fase", "jaar", "status")
_ROW_COLUMNS = {
    "regio": lambda: Practice.region_id,
    "fase": lambda: Practice.phase_id,
    "jaar": lambda: func.extract("year", shown_on()),
    "status": lambda: Practice.status,
}


def _count_together(user, browse: Browse, params: list[str]):
    columns = [_ROW_COLUMNS[p]() for p in params]
    stmt = (
        select(func.grouping(*columns), func.count(), *columns)
        .where(*_where(user, browse))
        .group_by(func.grouping_sets(*(tuple_(c) for c in columns)))
    )
    last = len(params) - 1

    def shape(rows) -> dict[str, dict]:
        counts: dict[str, dict] = {p: {} for p in params}
        for mask, n, *values in rows:
            # GROUPING() has a bit per column, the first column's the highest, set when the row is not grouped
            # by it: each row has exactly one clear bit, its facet's.
            i = next(i for i in range(len(params)) if not mask & (1 << (last - i)))
            counts[params[i]][values[i]] = n
        return counts

    return stmt, shape


# Every facet counted by `_count_all`.
FACETS = frozenset({*_ROW_FACETS, "provincie", "thema", "actielijn", "resultaten"})


def _counts(user, browse: Browse, ref: Reference, skip: set[str]) -> dict[str, dict]:
    """Every facet's counts but those in `skip`, keyed as the facets read them (param -> {value: count};
    "resultaten" -> {WITH_RESULTS: count}); for visitors kept until a write moves a count (`caching.counts`).

    A visitor's list without filters reads the counts the database keeps current (`tally`: one statement, no
    sum over the practices, true after every write). Unless a phase filter (or a profile filter) is chosen,
    only the phase facet's counts depend on where the practices are on the cycle: the others are kept apart and
    outlive a phase move."""
    if not getattr(user, "is_authenticated", False) and not browse.filtered:
        return _published_counts(ref, skip)
    key = ("facets", tuple(sorted(browse.values().items())), repr(browse.profile))
    if browse.phase is not None or browse.profile.active:
        return dict(
            kept_counts.for_visitors(
                user, (*key, tuple(sorted(skip))), lambda: _count_all(user, browse, ref, skip)
            )
        )
    others = skip | {"fase"}
    counts = dict(
        kept_counts.for_visitors(
            user,
            (*key, tuple(sorted(others))),
            lambda: _count_all(user, browse, ref, others),
            phases=False,
        )
    )
    if "fase" not in skip:
        only_phases = set(FACETS - {"fase"})
        counts.update(
            kept_counts.for_visitors(user, (*key, "fase"), lambda: _count_all(user, browse, ref, only_phases))
        )
    return counts


def _published_counts(ref: Reference, skip: set[str]) -> dict[str, dict]:
    """`_counts` for a visitor without filters, from `tally` (the published practices), keyed the same way."""
    kept = tally.published_counts()
    counts: dict[str, dict] = {param: dict(kept[param]) for param in tally.FACETS if param != "resultaten"}
    counts["resultaten"] = {WITH_RESULTS: kept["resultaten"].get(tally.RESULTS_VALUE, 0)}
    counts["status"] = {Status.PUBLISHED: sum(counts["regio"].values())}
    counts["provincie"] = _provinces(ref, counts["regio"])
    return {param: value for param, value in counts.items() if param not in skip}


def _count_all(user, browse: Browse, ref: Reference, skip: set[str]) -> dict[str, dict]:
    """`_counts` counted: the statements are independent and run at the same time (`parallel.read_all`:
    PostgreSQL, SQLite in a file). On PostgreSQL the row facets whose filter is not chosen share one statement
    and the provinces are summed from the regions when neither filter is chosen."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    active = _conditions(user, browse).keys()
    rows_wanted = [p for p in _ROW_FACETS if p not in skip]
    together = [p for p in rows_wanted if p not in active] if postgres else []
    if len(together) < 2:
        together = []
    provinces_summed = "regio" in together and "provincie" not in skip and "provincie" not in active

    def grouped(param):
        return lambda rows: {param: {key: n for key, n in rows}}

    jobs = []
    if together:
        jobs.append(_count_together(user, browse, together))
    for param in rows_wanted:
        if param not in together:
            jobs.append((_count_by(user, browse, param, _ROW_COLUMNS[param]()), grouped(param)))
    if "provincie" not in skip and not provinces_summed:
        join = (Region, Region.id == Practice.region_id)
        jobs.append((_count_by(user, browse, "provincie", Region.province, join), grouped("provincie")))
    if "thema" not in skip:
        stmt = _count_links(user, browse, "thema", practice_theme.c.theme_id, practice_theme.c.practice_id)
        jobs.append((stmt, grouped("thema")))
    if "actielijn" not in skip:
        stmt = _count_links(
            user,
            browse,
            "actielijn",
            practice_action_line.c.action_line_id,
            practice_action_line.c.practice_id,
        )
        jobs.append((stmt, grouped("actielijn")))
    if "resultaten" not in skip:
        stmt = select(func.count(Practice.id)).where(
            *_where(user, browse, without="resultaten"), _has_results()
        )
        jobs.append((stmt, lambda rows: {"resultaten": {WITH_RESULTS: rows[0][0] or 0}}))
    counts: dict[str, dict] = {}
    for (_stmt, shape), rows in zip(jobs, parallel.read_all([stmt for stmt, _shape in jobs]), strict=True):
        counts.update(shape(rows))
    if provinces_summed:
        counts["provincie"] = _provinces(ref, counts["regio"])
    return counts


def _provinces(ref: Reference, per_region: dict) -> dict[str, int]:
    """The counts per province summed from those per region."""
    by_name: dict[str, int] = {}
    for region in ref.regions:
        by_name[region.province] = by_name.get(region.province, 0) + per_region.get(region.id, 0)
    return by_name


def _option(browse: Browse, param: str, value: str, label: str, count: int, current: str | None, **kw):
    selected = current == value
    return Option(value, label, count, selected, browse.args(**{param: None if selected else value}), **kw)


def _keep(options: list[Option]) -> list[Option]:
    """Options worth offering: those that find something, and the chosen one (even at zero)."""
    return [o for o in options if o.count or o.selected]


def facets(
    user, browse: Browse, ref: Reference, *, hide: tuple[str, ...] = (), known: dict[str, dict] | None = None
) -> list[FacetModel]:
    """The facet model: per filter its options with the number of practices each would show, given the other
    filters (`_counts`: a grouped statement per facet). `hide` leaves out facets a page fixes (the theme on a theme page);
    `known` gives counts a page already has (param -> {key: count}, keyed as that facet's query would be)."""
    current = browse.values()
    status_shown = may_filter_status(user)
    skip = set(hide) | set(known or {})
    if not status_shown:
        skip.add("status")
    counts_of = {**_counts(user, browse, ref, skip), **(known or {})}

    english = _english()
    out: list[FacetModel] = []

    def add(param, label, options):
        if param not in hide:
            out.append(FacetModel(param, str(label), _keep(options)))

    if "regio" not in hide:
        counts = counts_of["regio"]
        add(
            "regio",
            _l("Regio"),
            [
                _option(browse, "regio", r.slug, r.display_name, counts.get(r.id, 0), current.get("regio"))
                for r in ref.regions
            ],
        )
    if "provincie" not in hide:
        by_name = counts_of["provincie"]
        add(
            "provincie",
            _l("Provincie"),
            [
                _option(browse, "provincie", slug, name, by_name.get(name, 0), current.get("provincie"))
                for slug, name in ref.provinces.items()
            ],
        )
    if "thema" not in hide:
        counts = counts_of["thema"]
        add(
            "thema",
            _l("Thema"),
            [
                _option(
                    browse,
                    "thema",
                    t.slug,
                    localized(t, "name"),
                    counts.get(t.id, 0),
                    current.get("thema"),
                    lang="nl" if english and not t.name_en else None,
                )
                for t in ref.themes
            ],
        )
    if "actielijn" not in hide:
        counts = counts_of["actielijn"]
        add(
            "actielijn",
            _l("Actielijn"),
            [
                _option(
                    browse,
                    "actielijn",
                    str(x.number),
                    action_line_label(x),
                    counts.get(x.id, 0),
                    current.get("actielijn"),
                    lang="nl" if english and not x.short_en else None,
                )
                for x in ref.lines
            ],
        )
    if "fase" not in hide:
        counts = counts_of["fase"]
        add(
            "fase",
            _l("Fase van de ontwikkelcirkel"),
            [
                _option(
                    browse,
                    "fase",
                    p.slug,
                    f"{p.position}. {localized(p, 'name')}",
                    counts.get(p.id, 0),
                    current.get("fase"),
                    lang="nl" if english and not p.name_en else None,
                )
                for p in ref.phases
            ],
        )
    if "jaar" not in hide:
        counts = {int(k): n for k, n in counts_of["jaar"].items() if k is not None}
        if browse.year and browse.year not in counts:
            counts[browse.year] = 0
        add(
            "jaar",
            _l("Jaar"),
            [
                _option(browse, "jaar", str(y), str(y), counts[y], current.get("jaar"))
                for y in sorted(counts, reverse=True)
            ],
        )
    if "resultaten" not in hide:
        n = counts_of["resultaten"][WITH_RESULTS]
        add(
            "resultaten",
            _l("Resultaten"),
            [
                _option(
                    browse,
                    "resultaten",
                    WITH_RESULTS,
                    str(_l("Met resultaten")),
                    n or 0,
                    current.get("resultaten"),
                )
            ],
        )
    if "status" not in hide and status_shown:
        counts = counts_of["status"]
        add(
            "status",
            _l("Status"),
            [
                _option(
                    browse, "status", value, str(STATUS_LABELS[s]), counts.get(s, 0), current.get("status")
                )
                for value, s in STATUSES.items()
            ],
        )
    return out


def sort_options(browse: Browse) -> list[tuple[str, str, bool, dict]]:
    """(value, label, chosen, URL arguments) for each sort, keeping the filters."""
    return [
        (value, str(label), value == browse.sort, browse.args(sort=value)) for value, label in SORTS.items()
    ]


def _english() -> bool:
    return str(get_locale()) == "en"
