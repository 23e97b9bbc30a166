"""Read-side queries for practices. Visibility is part of every query (never filtered afterwards)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from exchange.accounts.models import CoachingAssignment, FunctionaryTheme, Role
from exchange.caching import counts as kept_counts
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.policy import can
from exchange.practices.models import (
    CycleStep,
    FeedbackMessage,
    Practice,
    PracticeRevision,
    Result,
    Status,
    practice_action_line,
    practice_theme,
)
from exchange.reference.models import Region


def _user(user):
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return user


def coached_clause(user):
    """SQL condition: the practice's region is coached by `user` on at least one of its themes."""
    pt = practice_theme.alias("coached_pt")
    linked = exists(
        select(1).where(FunctionaryTheme.user_id == user.id, FunctionaryTheme.theme_id == pt.c.theme_id)
    )
    return exists(
        select(1)
        .select_from(CoachingAssignment)
        .join(pt, pt.c.practice_id == Practice.id)
        .where(
            CoachingAssignment.user_id == user.id,
            CoachingAssignment.region_id == Practice.region_id,
            or_(
                CoachingAssignment.theme_id == pt.c.theme_id,
                and_(CoachingAssignment.theme_id.is_(None), linked),
            ),
        )
    )


def visible_clause(user):
    """SQL condition matching exactly the practices `user` may view (the same rule as practice.view)."""
    user = _user(user)
    published = Practice.status == Status.PUBLISHED
    if user is None:
        return published
    if user.role == Role.ADMIN:
        return true()
    conditions = [published]
    if user.role == Role.STAFF and user.region_id is not None:
        conditions.append(Practice.region_id == user.region_id)
    if user.role == Role.FUNCTIONARY:
        conditions.append(coached_clause(user))
    return or_(*conditions)


def _list_options():
    return (
        selectinload(Practice.region),
        selectinload(Practice.phase),
        selectinload(Practice.themes),
        selectinload(Practice.action_lines),
    )


def get_practice(user, practice_id: int) -> Practice:
    """Load a practice the user may view with everything its page shows; 404 when hidden or absent."""
    stmt = (
        select(Practice)
        .where(Practice.id == practice_id)
        .options(
            *_list_options(),
            selectinload(Practice.links),
            selectinload(Practice.results).selectinload(Result.phase),
            selectinload(Practice.steps).selectinload(CycleStep.to_phase),
            selectinload(Practice.steps).selectinload(CycleStep.from_phase),
            selectinload(Practice.steps).selectinload(CycleStep.author),
        )
    )
    practice = db.session.scalar(stmt)
    # Hidden practices answer 404, not 403, so drafts do not reveal that they exist.
    if practice is None or not can(user, "practice.view", practice):
        raise NotFound(code="practice_not_found")
    return practice


def get_practice_for_change(user, practice_id: int) -> Practice:
    """Load a practice for a change; the service checks permission (403 for the wrong region).

    A practice the user may not even view (another region's draft) answers 404 like a missing one, on GET and
    POST alike, so no form or button reveals that it exists."""
    practice = db.session.get(Practice, practice_id)
    if practice is None or not can(user, "practice.view", practice):
        raise NotFound(code="practice_not_found")
    return practice


def list_practices(user, *, limit=None, **filters):
    """Practices visible to `user`, filtered; eager-loaded for list pages (a fixed number of queries)."""
    stmt = practices_stmt(user, **filters)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def practices_stmt(
    user,
    *,
    theme_id=None,
    region_id=None,
    region_ids=None,
    province=None,
    action_line_id=None,
    phase_id=None,
    status=None,
    order="recent",
    coached_only=False,
):
    """The select() behind list_practices, for pagination."""
    stmt = select(Practice).where(visible_clause(user)).options(*_list_options())
    if coached_only:
        stmt = stmt.where(coached_clause(user))
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
    if region_id is not None:
        stmt = stmt.where(Practice.region_id == region_id)
    if region_ids is not None:
        stmt = stmt.where(Practice.region_id.in_(region_ids) if region_ids else false())
    if province:
        stmt = stmt.where(Practice.region_id.in_(select(Region.id).where(Region.province == province)))
    if phase_id is not None:
        stmt = stmt.where(Practice.phase_id == phase_id)
    if status is not None:
        stmt = stmt.where(Practice.status == status)
    if order == "recent":
        return stmt.order_by(Practice.updated_at.desc(), Practice.id.desc())
    return stmt.order_by(Practice.title, Practice.id)


def practices_per_phase(user, *, per_phase: int = 10, **filters) -> list[Practice]:
    """At most `per_phase` newest visible practices in each phase (one query plus the eager loads)."""
    ranked = (
        practices_stmt(user, **filters)
        .with_only_columns(
            Practice.id,
            func.row_number()
            .over(partition_by=Practice.phase_id, order_by=(Practice.updated_at.desc(), Practice.id.desc()))
            .label("rank"),
        )
        .order_by(None)
        .subquery()
    )
    stmt = practices_stmt(user, **filters).where(
        Practice.id.in_(select(ranked.c.id).where(ranked.c.rank <= per_phase))
    )
    return list(db.session.scalars(stmt))


def phase_counts(user, **filters) -> dict[int, int]:
    """Number of visible practices per phase id (one grouped query)."""
    stmt = practices_stmt(user, **filters).with_only_columns(Practice.phase_id, func.count()).order_by(None)
    return dict(db.session.execute(stmt.group_by(Practice.phase_id)).all())


def ranked_per_theme(
    user, *, region_id: int, per_theme: int = 10
) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """For a region: (theme id, practice id) of at most `per_theme` newest visible practices per theme, and the
    full count per theme (two queries)."""
    visible = (
        practices_stmt(user, region_id=region_id).with_only_columns(Practice.id).order_by(None).subquery()
    )
    ranked = (
        select(
            practice_theme.c.theme_id,
            practice_theme.c.practice_id,
            func.row_number()
            .over(
                partition_by=practice_theme.c.theme_id,
                order_by=(Practice.updated_at.desc(), Practice.id.desc()),
            )
            .label("rank"),
        )
        .join(Practice, Practice.id == practice_theme.c.practice_id)
        .where(practice_theme.c.practice_id.in_(select(visible.c.id)))
        .subquery()
    )
    # Counts only: kept for visitors until a write moves a count (a text edit does not; caching.counts).
    counts = kept_counts.for_visitors(
        user,
        ("region-themes", region_id),
        lambda: dict(
            db.session.execute(select(ranked.c.theme_id, func.count()).group_by(ranked.c.theme_id)).all()
        ),
        phases=False,  # how many practices per theme: no phase move changes it
    )
    pairs = db.session.execute(
        select(ranked.c.theme_id, ranked.c.practice_id).where(ranked.c.rank <= per_theme)
    ).all()
    return [(theme_id, practice_id) for theme_id, practice_id in pairs], counts


def practices_per_theme(
    user, *, region_id: int, per_theme: int = 10
) -> tuple[dict[int, list[Practice]], dict[int, int]]:
    """For a region: at most `per_theme` newest visible practices per theme, and the full count per theme."""
    pairs, counts = ranked_per_theme(user, region_id=region_id, per_theme=per_theme)
    ids = {practice_id for _, practice_id in pairs}
    by_id = (
        {p.id: p for p in db.session.scalars(practices_stmt(user).where(Practice.id.in_(ids)))} if ids else {}
    )
    grouped: dict[int, list[Practice]] = defaultdict(list)
    for theme_id, practice_id in pairs:
        grouped[theme_id].append(by_id[practice_id])
    for items in grouped.values():
        items.sort(key=lambda p: (p.updated_at, p.id), reverse=True)
    return dict(grouped), counts


def count_published() -> int:
    return db.session.scalar(select(func.count(Practice.id)).where(Practice.status == Status.PUBLISHED)) or 0


def latest_results(user, *, region_id=None, theme_id=None, limit=10, walk=False):
    """Newest results on practices visible to `user`.

    `walk=True` asks for a plan that walks the results newest first and checks each one's practice by primary
    key, stopping after `limit` matches: far cheaper than joining every result of a theme and sorting them when
    the filter matches many practices, far dearer when it matches few (up to every result). Callers pass it only
    when they know the filter matches many (a theme page with hundreds of practices)."""
    if walk:
        practice = select(1).where(Practice.id == Result.practice_id, visible_clause(user))
        if region_id is not None:
            practice = practice.where(Practice.region_id == region_id)
        if theme_id is not None:
            practice = practice.where(
                exists().where(
                    practice_theme.c.practice_id == Practice.id, practice_theme.c.theme_id == theme_id
                )
            )
        stmt = select(Result).where(exists(practice))
    else:
        stmt = select(Result).join(Practice, Practice.id == Result.practice_id).where(visible_clause(user))
        if region_id is not None:
            stmt = stmt.where(Practice.region_id == region_id)
        if theme_id is not None:
            stmt = stmt.where(
                Practice.id.in_(
                    select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == theme_id)
                )
            )
    stmt = (
        stmt.options(selectinload(Result.practice).selectinload(Practice.region), selectinload(Result.phase))
        .order_by(Result.measured_on.desc(), Result.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def result_series(practice: Practice) -> dict[str, list[Result]]:
    """Results grouped per indicator, oldest first, for the charts."""
    series: dict[str, list[Result]] = defaultdict(list)
    for result in sorted(practice.results, key=lambda r: (r.measured_on, r.id)):
        series[result.indicator].append(result)
    return dict(series)


def cycle_map(user, theme_id: int):
    """Counts of visible practices per (region, phase) for one theme, in one grouped query."""
    stmt = (
        select(Practice.region_id, Practice.phase_id, func.count(Practice.id))
        .where(visible_clause(user))
        .where(
            Practice.id.in_(select(practice_theme.c.practice_id).where(practice_theme.c.theme_id == theme_id))
        )
        .group_by(Practice.region_id, Practice.phase_id)
    )
    counts: dict[tuple[int, int], int] = {}
    for region_id, phase_id, n in db.session.execute(stmt):
        counts[(region_id, phase_id)] = n
    return counts


def feedback_thread(practice: Practice) -> list[FeedbackMessage]:
    stmt = (
        select(FeedbackMessage)
        .where(FeedbackMessage.practice_id == practice.id)
        .options(selectinload(FeedbackMessage.author))
        .order_by(FeedbackMessage.created_at, FeedbackMessage.id)
    )
    return list(db.session.scalars(stmt))


def revisions(practice: Practice) -> list[PracticeRevision]:
    stmt = (
        select(PracticeRevision)
        .where(PracticeRevision.practice_id == practice.id)
        .options(selectinload(PracticeRevision.author))
        .order_by(PracticeRevision.number.desc())
    )
    return list(db.session.scalars(stmt))
