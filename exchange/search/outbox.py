"""Keeping the index true: a change log row per changed searchable row, written in the same transaction, and
every server's index catching up from its own position (changelog.py) right after the commit.

- `after_flush` records (kind, id) of every new, changed or deleted practice, result, theme and region as a
  change log row (table `search_outbox`; its id is the sequence number), on the flush's own connection: the
  row commits or rolls back with the change itself. A renamed theme or action line also records every
  document that shows its name (documents.SHOWN_ELSEWHERE), with one INSERT ... SELECT per kind, however many
  documents that is.
- `after_commit` (of the outermost transaction) catches this server's index up with the log in ONE index
  writer, in a session of its own. Rows are not deleted: every other server's index applies them too, from its
  own position; `flask search prune-log` deletes rows older than SEARCH_LOG_RETENTION_HOURS.
- `after_soft_rollback` forgets that anything is pending.

A locked index (IndexBusy) or a crash after the commit loses nothing: the position stays where it was, and the
watcher's timer (warmup.py), the next commit that touches searchable data, `flask search sync` or
`flask search reindex` apply the rows. Before the first `flask search reindex` there is no index
(IndexMissing): saves never create a partial index. Bulk `update()` and `delete()` statements bypass the
session hooks: run `flask search check --fix` after them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, insert, inspect, literal, select
from sqlalchemy.orm import Session

from exchange.database import utcnow
from exchange.documents.models import Document
from exchange.practices.models import Practice, Result
from exchange.reference.models import Region, Theme
from exchange.search import changelog, documents
from exchange.search.changelog import ApplyReport
from exchange.search.engine import IndexBusy, IndexMissing
from exchange.search.models import SearchOutbox

log = logging.getLogger(__name__)

PENDING_KEY = "exchange.search_pending"
APPLIER_KEY = "exchange.search_applier"
KINDS: dict[type, str] = {Practice: "practice", Result: "result", Theme: "theme", Region: "region"}
BATCH = changelog.BATCH


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context) -> None:
    if session.info.get(APPLIER_KEY):
        return
    changed: set[tuple[str, int]] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Document):
            # An attached document is a child of its practice's document: rewriting the practice rewrites it.
            if obj.practice_id is not None and (obj not in session.dirty or session.is_modified(obj)):
                changed.add(("practice", obj.practice_id))
            continue
        kind = KINDS.get(type(obj))
        if kind is None or getattr(obj, "id", None) is None:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        changed.add((kind, obj.id))
        if kind == "result" and getattr(obj, "practice_id", None) is not None:
            # A practice's document holds its results' text (one card per practice): rewrite it too.
            changed.add(("practice", obj.practice_id))
    now = utcnow()
    dependents = _record_dependents(session, now)
    if not changed and not dependents:
        return
    if changed:
        session.connection().execute(
            insert(SearchOutbox.__table__),
            [{"kind": kind, "object_id": ident, "created_at": now} for kind, ident in sorted(changed)],
        )
    session.info[PENDING_KEY] = True


def _record_dependents(session: Session, now) -> bool:
    """Outbox rows for the documents that show a renamed theme or action line (in this flush's transaction)."""
    renamed: dict[type, list[int]] = defaultdict(list)
    for obj in session.dirty:
        shown = documents.SHOWN_ELSEWHERE.get(type(obj))
        if not shown or getattr(obj, "id", None) is None:
            continue
        attrs = inspect(obj).attrs
        if any(attrs[name].history.has_changes() for name in shown):
            renamed[type(obj)].append(obj.id)
    table = SearchOutbox.__table__
    for model, ids in renamed.items():
        for kind, ids_select in documents.dependent_documents(model, sorted(ids)):
            rows = select(
                literal(kind, table.c.kind.type),
                ids_select.subquery().c[0],
                literal(now, table.c.created_at.type),
            ).distinct()
            session.connection().execute(insert(table).from_select(["kind", "object_id", "created_at"], rows))
    return bool(renamed)


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session: Session) -> None:
    # Also fired when a savepoint is released; only the outermost commit makes the change durable.
    if session.get_nested_transaction() is not None or session.info.get(APPLIER_KEY):
        return
    if not session.info.pop(PENDING_KEY, False) or not has_app_context():
        return
    if not current_app.config.get("SEARCH_APPLY_ON_COMMIT", True):
        return
    try:
        apply_pending(limit=current_app.config.get("SEARCH_APPLY_LIMIT", 20_000))
    except IndexMissing:
        log.debug("No search index yet; the change waits in the outbox for `flask search reindex`")
    except IndexBusy:
        log.info(
            "Search index busy; the change stays in the outbox for the next write or `flask search sync`"
        )
    except Exception:
        log.exception("Applying the search outbox failed; the rows stay for `flask search sync`")


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def _plan(session: Session, pending: dict[str, set[int]]) -> tuple[dict[str, dict], set[str], set[str]]:
    """Documents to write, keys to delete and parents whose result documents to drop, for pending rows."""
    practice_ids = set(pending.get("practice", ()))
    if pending.get("region"):
        # A region's province is part of its practices' documents.
        practice_ids.update(
            session.scalars(select(Practice.id).where(Practice.region_id.in_(pending["region"])))
        )
    upserts: dict[str, dict] = {}
    deletes: set[str] = set()
    parents: set[str] = set()
    for kind, ids in (("theme", pending.get("theme", ())), ("region", pending.get("region", ()))):
        for key, doc in documents.documents_for(kind, ids, session).items():
            if doc is None:
                deletes.add(key)
            else:
                upserts[key] = doc
    for key, doc in documents.documents_for("practice", practice_ids, session).items():
        # A practice's status, region and themes live on in its results: rewrite them all.
        parents.add(key)
        if doc is None:
            deletes.add(key)
        else:
            upserts[key] = doc
    result_ids = set(pending.get("result", ()))
    if practice_ids:
        result_ids.update(session.scalars(select(Result.id).where(Result.practice_id.in_(practice_ids))))
    for key, doc in documents.documents_for("result", result_ids, session).items():
        if doc is None:
            deletes.add(key)
        else:
            upserts[key] = doc
    # Attached documents are children of their practice (deleted with its children above, written again here).
    for attachment in documents.attachments_of(practice_ids, session):
        doc = documents.attachment_document(attachment)
        if doc is not None:
            upserts[doc["key"]] = doc
    return upserts, deletes, parents


def apply_pending(
    limit: int | None = None,
    timeout: float | None = None,
    progress: Callable[[int], None] | None = None,
    allow_rebuild: bool = False,
) -> ApplyReport:
    """Catch this server's index up with the change log: up to `limit` rows (all when None) in one writer.

    Raises IndexBusy when another catch-up or the writer lock keeps the index for `timeout` seconds. An index
    that fell behind further than the log keeps is rebuilt when `allow_rebuild` (the watcher, `sync`), else
    left alone (a save never waits for a rebuild).
    """
    from exchange.extensions import db
    from exchange.search.queries import current_index

    index = current_index()
    if timeout is None:
        timeout = index.writer_timeout
    if index.rebuild_marker.exists():
        timeout = 0.0  # a rebuild holds the index for minutes: do not make a save wait for it
    if not index.exists():
        raise IndexMissing(str(index.path))
    with Session(db.engine, info={APPLIER_KEY: True}) as session:
        if changelog.up_to_date(session, index.path):
            return ApplyReport()  # the timer's usual look: no lock, no writer
    with (
        Session(db.engine, info={APPLIER_KEY: True}) as session,
        changelog.catch_up_lock(index.path, timeout),
    ):
        rebuilt = False
        if changelog.too_far_behind(changelog.read_position(index.path)):
            if not allow_rebuild:
                log.warning("The search index fell behind the change log; the watcher rebuilds it")
                return ApplyReport(remaining=changelog.pending_count(session, index.path))
            log.warning("The search index fell behind further than the change log keeps: rebuilding it")
            changelog.rebuild(index, session, reason="behind the change log's retention")
            rebuilt = True
        report = changelog.apply_rows(index, session, _plan, limit, timeout, progress)
        report.rebuilt = rebuilt
    return report


def pending_count(session: Session | None = None) -> int:
    """Change log rows this server's index has not applied yet."""
    from exchange.extensions import db
    from exchange.search.queries import current_index

    return changelog.pending_count(session or db.session, current_index().path)
