"""What each role's workspace lists. Every list is one count and one page query (plus eager loads), never a
query per row; visibility is part of each query, through exchange.practices.queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from exchange.accounts.models import CoachingAssignment, Role, User
from exchange.database import utcnow, utctoday
from exchange.extensions import db
from exchange.mail.models import OutgoingMail
from exchange.practices.models import FeedbackMessage, Practice, Result, Status
from exchange.practices.queries import coached_clause, practices_stmt, visible_clause
from exchange.reference.models import CyclePhase, Region, Theme
from exchange.search.models import SearchMiss
from exchange.workspace.due import due_stmt, to_series
from exchange.workspace.listing import Listing, from_list, from_select

# A published practice not updated (or confirmed) for this long asks its region "still current?".
STALE_AFTER = timedelta(days=180)
# A running practice of a coached region without a measurement for this long needs the coach's attention.
UNMEASURED_AFTER = timedelta(days=365)
# "New since your last visit" on a first visit (there is no previous one): this many days back, not everything.
FIRST_VISIT_WINDOW = timedelta(days=14)
# "Searches without results this week": the last seven days.
SEARCH_MISS_WINDOW = timedelta(days=7)


# --- regional staff ------------------------------------------------------------------------------------------


def region_drafts(user: User, page: int) -> Listing:
    """The drafts of the user's region, most recently changed first."""
    stmt = practices_stmt(user, region_id=user.region_id, status=Status.DRAFT)
    return from_select("concepten", stmt, page)


def region_stale(user: User, page: int, *, now: datetime | None = None) -> Listing:
    """Published practices of the user's region not updated for STALE_AFTER, the oldest first."""
    cutoff = (now or utcnow()) - STALE_AFTER
    stmt = (
        practices_stmt(user, region_id=user.region_id, status=Status.PUBLISHED)
        .where(Practice.updated_at < cutoff)
        .order_by(None)
        .order_by(Practice.updated_at, Practice.id)
    )
    return from_select("verouderd", stmt, page)


def _is_last_message():
    """SQL condition: the feedback message is the newest of its practice's thread (no later one, by time then
    id). A correlated NOT EXISTS on the practice's index: only the threads of the listed practices are read,
    not every message of the platform."""
    newer = aliased(FeedbackMessage)
    return ~exists().where(
        newer.practice_id == FeedbackMessage.practice_id,
        or_(
            newer.created_at > FeedbackMessage.created_at,
            and_(newer.created_at == FeedbackMessage.created_at, newer.id > FeedbackMessage.id),
        ),
    )


def _waiting_threads(user: User, author_role: Role) -> Select:
    """Rows (practice, last message) of visible threads whose newest message is by someone of `author_role`."""
    return (
        practices_stmt(user)
        .add_columns(FeedbackMessage)
        .join(FeedbackMessage, FeedbackMessage.practice_id == Practice.id)
        .join(User, User.id == FeedbackMessage.author_id)
        .where(_is_last_message(), User.role == author_role)
        .options(selectinload(FeedbackMessage.author))
        .order_by(None)
        .order_by(FeedbackMessage.created_at, FeedbackMessage.id)
    )


def region_feedback_waiting(user: User, page: int) -> Listing:
    """Coaching threads on the region's practices whose last message is a coach's: they wait for our answer."""
    stmt = _waiting_threads(user, Role.FUNCTIONARY).where(Practice.region_id == user.region_id)
    return from_select("feedback", stmt, page, rows=True)


def region_due_measurements(user: User, page: int, *, today: date | None = None) -> Listing:
    """Result series of the region's running (not archived) practices whose next measurement is due (see
    exchange.workspace.due): the series worked out in SQL, then the titles of their practices
    (the ones the user may see) in one query. The due series come in one query (a few numbers each; a count
    and a page would run the windows twice) and are paged here."""
    stmt = due_stmt(Practice.region_id == user.region_id, today=today or utctoday())
    listing = from_list("metingen", db.session.execute(stmt).all(), page)
    listing.items = [to_series(row) for row in listing.items]
    ids = {s.practice_id for s in listing.items}
    if ids:
        titles = {
            row.id: row
            for row in db.session.execute(
                select(Practice.id, Practice.title).where(visible_clause(user), Practice.id.in_(ids))
            )
        }
        for series in listing.items:
            series.practice = titles.get(series.practice_id)
    return listing


def region_practice_choices(user: User) -> list[tuple[int, str]]:
    """(id, title) of the region's running practices, for the "add a result" quick action."""
    stmt = (
        select(Practice.id, Practice.title)
        .where(Practice.region_id == user.region_id, Practice.status != Status.ARCHIVED)
        .order_by(Practice.title, Practice.id)
    )
    return [(row.id, row.title) for row in db.session.execute(stmt)]


# --- functionaries -------------------------------------------------------------------------------------------


def _coached_regions(user: User) -> Select:
    return select(CoachingAssignment.region_id).where(CoachingAssignment.user_id == user.id)


def _coached(user: User, **filters) -> Select:
    """practices_stmt(coached_only=True), narrowed first to the assigned regions: the same rows (a coached
    practice is in an assigned region), but the database starts from the region index instead of testing the
    coaching condition on every practice."""
    return practices_stmt(user, coached_only=True, **filters).where(
        Practice.region_id.in_(_coached_regions(user))
    )


def coached_drafts(user: User, page: int) -> Listing:
    """Drafts in the regions × themes the functionary coaches, the longest waiting first."""
    stmt = _coached(user, status=Status.DRAFT).order_by(None).order_by(Practice.updated_at, Practice.id)
    return from_select("concepten", stmt, page)


def coached_feedback_waiting(user: User, page: int) -> Listing:
    """Threads on practices the functionary coaches whose last message is from regional staff."""
    stmt = _waiting_threads(user, Role.STAFF).where(
        Practice.region_id.in_(_coached_regions(user)), coached_clause(user)
    )
    return from_select("feedback", stmt, page, rows=True)


def coached_unmeasured(user: User, page: int, *, now: datetime | None = None) -> Listing:
    """Rows (practice, last measured or None): running coached practices, on the platform for longer than
    UNMEASURED_AFTER, without a measurement in that time. Never measured first, then the longest ago."""
    now = now or utcnow()
    cutoff = (now - UNMEASURED_AFTER).date()
    # The latest measurement of each practice in the assigned regions only (grouped once; a correlated
    # subquery was evaluated per use on PostgreSQL, a platform-wide grouping read every result).
    latest = (
        select(Result.practice_id, func.max(Result.measured_on).label("last"))
        .join(Practice, Practice.id == Result.practice_id)
        .where(Practice.region_id.in_(_coached_regions(user)))
        .group_by(Result.practice_id)
        .subquery()
    )
    stmt = (
        _coached(user)
        .add_columns(latest.c.last)
        .outerjoin(latest, latest.c.practice_id == Practice.id)
        .where(
            Practice.status != Status.ARCHIVED,
            Practice.created_at < now - UNMEASURED_AFTER,
            or_(latest.c.last.is_(None), latest.c.last < cutoff),
        )
        .order_by(None)
        .order_by(latest.c.last.is_not(None), latest.c.last, Practice.id)
    )
    return from_select("zonder-meting", stmt, page, rows=True)


def coached_silent_regions(user: User, page: int) -> Listing:
    """Regions the functionary coaches that have no published practice on a theme they coach there."""
    shared = exists(
        select(Practice.id).where(
            Practice.region_id == Region.id, Practice.status == Status.PUBLISHED, coached_clause(user)
        )
    )
    stmt = (
        select(Region)
        .where(Region.id.in_(_coached_regions(user)), ~shared)
        .order_by(Region.display_name, Region.id)
    )
    return from_select("regios", stmt, page)


def coached_changed_since(user: User, since: datetime, page: int) -> Listing:
    """Practices the functionary coaches (regions × themes) changed after `since`, the newest change first."""
    stmt = _coached(user).where(Practice.updated_at > since)
    return from_select("nieuw", stmt, page)


def coached_phase_counts(user: User) -> tuple[dict[int, int], int]:
    """Running coached practices per phase id, and all coached practices (one grouped query each)."""
    base = _coached(user).order_by(None)
    counts = dict(
        db.session.execute(
            base.where(Practice.status != Status.ARCHIVED)
            .with_only_columns(Practice.phase_id, func.count())
            .group_by(Practice.phase_id)
        ).all()
    )
    total = db.session.scalar(base.with_only_columns(func.count(Practice.id))) or 0
    return counts, total


# --- administrators ------------------------------------------------------------------------------------------


def failed_mail(page: int) -> Listing:
    """Messages the SMTP server did not accept (they wait for `flask mail send-pending`), the oldest first."""
    stmt = (
        select(OutgoingMail)
        .where(OutgoingMail.attempts > 0)
        .order_by(OutgoingMail.created_at, OutgoingMail.id)
    )
    return from_select("mail", stmt, page)


def search_misses(page: int, *, now: datetime | None = None) -> Listing:
    """Searches that found nothing in the last seven days, the most asked first."""
    since = (now or utcnow()) - SEARCH_MISS_WINDOW
    stmt = (
        select(SearchMiss)
        .where(SearchMiss.last_seen >= since)
        .order_by(SearchMiss.count.desc(), SearchMiss.query)
    )
    return from_select("zoekvragen", stmt, page)


def pending_invitations(page: int) -> Listing:
    """People invited who have not set a password yet, the longest waiting first."""
    stmt = (
        select(User)
        .where(User.password_hash.is_(None), User.deleted_at.is_(None))
        .options(selectinload(User.region))
        .order_by(User.created_at, User.id)
    )
    return from_select("uitnodigingen", stmt, page)


@dataclass
class UnverifiedFact:
    kind: str  # "theme", "phase" or "region"
    id: int
    name: str
    fields: list[str]


def unverified_facts(page: int) -> Listing:
    """Reference facts marked unverified, as /beheer/referentie flags them: themes, cycle phases and regions
    (with the fields in doubt). Three small queries; there are a few dozen reference rows in all."""
    facts = [
        UnverifiedFact("theme", t.id, t.name, [])
        for t in db.session.scalars(select(Theme).where(Theme.verified.is_(False)).order_by(Theme.position))
    ]
    facts += [
        UnverifiedFact("phase", p.id, f"{p.position}. {p.name}", [])
        for p in db.session.scalars(
            select(CyclePhase).where(CyclePhase.verified.is_(False)).order_by(CyclePhase.position)
        )
    ]
    # `unverified` is a JSON list: filtering on "not empty" differs per database, so read the 42 rows.
    facts += [
        UnverifiedFact("region", r.id, r.display_name, list(r.unverified))
        for r in db.session.scalars(select(Region).order_by(Region.display_name))
        if r.unverified
    ]
    return from_list("referentie", facts, page)
