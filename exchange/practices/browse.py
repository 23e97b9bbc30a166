"""The pages of one region (/regios/<slug>) and one theme (/themas/<slug>): reference data with its practices.

They are on the `reference` blueprint (endpoints `reference.region`, `reference.theme`) but list practices, so
they live here, above both domains: reference itself never imports practices.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from exchange.caching.visitor import visitor_cached
from exchange.extensions import db
from exchange.practices import cards, listing
from exchange.practices import queries as practice_queries
from exchange.practices.page_counts import load as page_counts_for
from exchange.reference import bp, cache, queries


def _theme_filter(themes):
    slug = request.args.get("thema")
    if not slug:
        return None
    theme = next((t for t in themes if t.slug == slug), None)
    if theme is None:
        abort(404)
    return theme


def _phase_filter(phases):
    slug = request.args.get("fase")
    if not slug:
        return None
    phase = next((p for p in phases if p.slug == slug), None)
    if phase is None:
        abort(404)
    return phase


def _reference() -> listing.Reference:
    """The filters' reference lists from the per-process snapshot (no query; the rows have every attribute the
    facets read) instead of `listing.Reference.load()`'s four queries."""
    names = cache.snapshot()
    ref = listing.Reference(
        regions=list(names.regions),  # type: ignore[arg-type]  # plain rows with the attributes used
        themes=list(names.themes),  # type: ignore[arg-type]
        lines=list(names.action_lines),  # type: ignore[arg-type]
        phases=list(names.phases),  # type: ignore[arg-type]
    )
    for name in sorted({r.province for r in names.regions}):
        ref.provinces[listing.province_slug(name)] = name
    return ref


def _facets(
    browse: listing.Browse, hide: tuple[str, ...], known: dict[str, dict] | None = None
) -> list[listing.FacetModel]:
    """The filter component of /praktijken with this page's own filter fixed (its links open that list)."""
    return listing.facets(current_user, browse, _reference(), hide=hide, known=known)


PER_GROUP = 10
PER_PAGE = 25
# A theme with at least this many visible practices gets its newest results by walking all results newest first
# (`latest_results(walk=True)`): cheap when many practices match, a scan of every result when few do.
WALK_FROM = 200


def _page() -> int:
    page = request.args.get("pagina", 1, type=int)
    if page < 1 or page > 10_000:
        abort(404)
    return page


def _paginate(stmt, page: int):
    """One page of a `practices_stmt` whose items are cards (ids paged, then the cards' columns)."""
    pagination = db.paginate(cards.ids_stmt(stmt), page=page, per_page=PER_PAGE, error_out=False)
    if page > 1 and not pagination.items:
        abort(404)
    pagination.items = cards.load(list(pagination.items))
    return pagination


@bp.get("/regios/<slug>")
@visitor_cached
def region(slug: str):
    """A region with its plan, coaches and practices: capped per theme, or one filtered, paginated list."""
    region = queries.get_region(slug)
    if slug != region.slug:  # a code or another spelling: one URL per region
        return redirect(
            url_for("reference.region", slug=region.slug, **request.args.to_dict(flat=False)), 301
        )
    names = cache.snapshot()
    themes, phases = names.themes, names.phases
    theme, phase = _theme_filter(themes), _phase_filter(phases)
    filtered = theme is not None or phase is not None
    pagination = grouped = counts = None
    if filtered:
        stmt = practice_queries.practices_stmt(
            current_user,
            region_id=region.id,
            theme_id=theme.id if theme else None,
            phase_id=phase.id if phase else None,
        )
        pagination = _paginate(stmt, _page())
    else:
        grouped, counts = cards.per_theme(current_user, region_id=region.id, per_theme=PER_GROUP)
    keys = list(region.source_keys) + (list(region.plan.source_keys) if region.plan else [])
    keys += [k for a in region.allocations for k in a.source_keys]
    return render_template(
        "reference/region.html",
        region=region,
        sources=queries.sources_by_key(keys),
        pagination=pagination,
        grouped=grouped,
        theme_counts=counts,
        results=practice_queries.latest_results(current_user, region_id=region.id, limit=10),
        themes=themes,
        phases=phases,
        theme_filter=theme,
        phase_filter=phase,
        per_group=PER_GROUP,
        browse_facets=_facets(
            listing.Browse(region=region),
            hide=("regio", "provincie"),
            known=page_counts_for(current_user, region_id=region.id).facets(names),
        ),
    )


@bp.get("/themas/<slug>")
@visitor_cached
def theme(slug: str):
    """Practices of all regions in a theme, grouped by phase (capped) or one phase paginated; with filters."""
    theme = queries.get_theme(slug)
    if slug != theme.slug:  # another spelling: one URL per theme
        return redirect(url_for("reference.theme", slug=theme.slug, **request.args.to_dict(flat=False)), 301)
    names = cache.snapshot()
    regions, lines, phases = names.regions, names.action_lines, names.phases
    region_slug, province = request.args.get("regio"), request.args.get("provincie")
    line_number = request.args.get("actielijn", type=int)
    region = next((r for r in regions if r.slug == region_slug), None) if region_slug else None
    line = next((x for x in lines if x.number == line_number), None) if line_number is not None else None
    provinces = sorted({r.province for r in regions})
    if (
        (region_slug and region is None)
        or (province and province not in provinces)
        or ("actielijn" in request.args and line is None)
    ):
        abort(404)
    phase = _phase_filter(phases)
    filters = {
        "theme_id": theme.id,
        "region_id": region.id if region else None,
        "province": province or None,
        "action_line_id": line.id if line else None,
    }
    page_counts = page_counts_for(current_user, theme_id=theme.id)  # the theme, without the page's filters
    unfiltered = region is None and not province and line is None
    counts = page_counts.per_phase() if unfiltered else practice_queries.phase_counts(current_user, **filters)
    if phase is not None:
        pagination = _paginate(
            practice_queries.practices_stmt(current_user, phase_id=phase.id, **filters), _page()
        )
        practices = pagination.items
    else:
        pagination = None
        practices = cards.per_phase(
            current_user, [p.id for p in phases if counts.get(p.id)], per_phase=PER_GROUP, **filters
        )
    return render_template(
        "reference/theme.html",
        theme=theme,
        sources=queries.sources_by_key(theme.source_keys),
        practices=practices,
        pagination=pagination,
        phase_counts=counts,
        phases=phases,
        regions=regions,
        provinces=provinces,
        lines=lines,
        region_filter=region,
        province_filter=province,
        line_filter=line,
        phase_filter=phase,
        per_group=PER_GROUP,
        results=practice_queries.latest_results(
            current_user, theme_id=theme.id, limit=10, walk=sum(counts.values()) >= WALK_FROM
        ),
        browse_facets=_facets(listing.Browse(theme=theme), hide=("thema",), known=page_counts.facets(names)),
    )
