"""Workspace actions: confirming that a practice is still current, and remembering when someone last visited."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from exchange.accounts.models import Role
from exchange.caching import personal
from exchange.database import utcnow, utctoday
from exchange.errors import Conflict
from exchange.extensions import db
from exchange.policy import require
from exchange.practices.models import FeedbackMessage, Practice, PracticeRevision, Status
from exchange.practices.services import snapshot

# Page loads closer together than this belong to one visit: paging through a list or coming back after a
# confirmation keeps the same "new since your last visit".
VISIT_GAP = timedelta(minutes=30)
# The visit stamp is written at most this often: every load writing it made each workspace request a write
# transaction (serialised by SQLite's lock and PostgreSQL's row lock); the end of a visit is exact to this much.
SEEN_RESOLUTION = timedelta(seconds=60)


def confirm_still_current(actor, practice: Practice) -> PracticeRevision:
    """Record that a published practice is still current: a revision noted "Nog actueel bevestigd" (same
    content) and a fresh `updated_at`, so it leaves the "not updated for 180 days" list.

    The region's staff may (policy "practice.edit"; NotAllowed otherwise); Conflict unless it is published.
    """
    require(actor, "practice.edit", practice)
    if practice.status != Status.PUBLISHED:
        raise Conflict(
            _l("Alleen een gepubliceerd praktijkvoorbeeld kunt u als nog actueel bevestigen."),
            code="not_published",
        )
    practice.revision += 1
    practice.updated_at = utcnow()
    db.session.flush()
    revision = PracticeRevision(
        practice_id=practice.id,
        number=practice.revision,
        author_id=actor.id,
        note=str(_l("Nog actueel bevestigd")),
        snapshot=snapshot(practice),
    )
    db.session.add(revision)
    db.session.flush()
    return revision


NEWEST_MESSAGE_SQL = f"SELECT max(id) FROM {FeedbackMessage.__table__.name}"
# The workspace's state is read with the sign-in, in one statement (caching.personal.STATE_ENDPOINTS).
personal.read_with_sign_in("workspace.index", (NEWEST_MESSAGE_SQL,))
# Its view reads the person's columns (and notes the visit) before `personal.serve` renders.
personal.adopt_person_later("workspace.index")


def page_key(user, previous_visit: datetime | None) -> tuple | None:
    """The key of this request's workspace in the per-person page store (`caching.personal`), or None to
    render it afresh.

    Regional staff and functionaries: the person's state (data version, role, region, themes, assignments),
    the newest feedback message (feedback does not raise the data version, and threads are append-only),
    today (due-ness), the previous visit ("new since") and the request's language and query. Administrators'
    lists read tables the data version ignores (failed mail, search misses), so their page is not stored.
    """
    if user.role not in (Role.STAFF, Role.FUNCTIONARY):
        return None
    state = personal.user_state(user, extra=(NEWEST_MESSAGE_SQL,))
    visit = previous_visit.isoformat() if previous_visit else None
    return personal.request_key(user, utctoday().isoformat(), visit, *state)


def record_visit(user, *, now: datetime | None = None) -> datetime | None:
    """Note that `user` opens the workspace now; return the end of their previous visit (None on a first visit).

    A visit is a run of page loads less than VISIT_GAP apart. The workspace shows what changed since the
    previous visit, so within one visit (paging, reloading) that moment stays the same, and a load after a
    longer pause starts a new visit measured from the last load of the one before. Loads less than
    SEEN_RESOLUTION after the stamp write nothing.
    """
    now = now or utcnow()
    if user.workspace_seen_at is not None and timedelta(0) <= now - user.workspace_seen_at < SEEN_RESOLUTION:
        return user.workspace_previous_visit_at
    if user.workspace_seen_at is not None and now - user.workspace_seen_at > VISIT_GAP:
        user.workspace_previous_visit_at = user.workspace_seen_at
    user.workspace_seen_at = now
    db.session.flush()
    return user.workspace_previous_visit_at
