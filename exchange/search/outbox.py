"""Keeping the index true: an outbox row per changed searchable row, written in the same transaction, and
applied to the index right after the commit.

- `after_flush` records (kind, id) of every new, changed or deleted practice, result, theme and region as an
  outbox row, on the flush's own connection: the row commits or rolls back with the change itself. A renamed
  theme or action line also records every document that shows its name (documents.SHOWN_ELSEWHERE), with
  one INSERT ... SELECT per kind, however many documents that is.
- `after_commit` (of the outermost transaction) applies pending outbox rows in ONE index writer, in a
  session of its own, and deletes the rows it applied. The writer lock is taken first, so concurrent
  appliers are serialised and each reads the database after the one before it (no stale overwrite).
- `after_soft_rollback` forgets that anything is pending.

A locked index (IndexBusy) or a crash after the commit loses nothing: the rows stay, and the next commit that
touches searchable data, `flask search sync` or `flask search reindex` applies them. Before the first
`flask search reindex` there is no index (IndexMissing): rows wait, and saves never create a partial index. Bulk `update()` and
`delete()` statements bypass the session hooks: run `flask search check --fix` after them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import delete, event, insert, inspect, literal, select
from sqlalchemy.orm import Session

from exchange.database import utcnow
from exchange.documents.models import Document
from exchange.practices.models import Practice, Result
from exchange.reference.models import Region, Theme
from exchange.search import documents
from exchange.search.engine import IndexBusy, IndexMissing
from exchange.search.models import SearchOutbox

log = logging.getLogger(__name__)

PENDING_KEY = "exchange.search_pending"
APPLIER_KEY = "exchange.search_applier"
KINDS: dict[type, str] = {Practice: "practice", Result: "result", Theme: "theme", Region: "region"}
BATCH = 2000


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


@dataclass
class ApplyReport:
    rows: int = 0
    upserts: int = 0
    deletes: int = 0
    remaining: int = 0
    keys: list[str] = field(default_factory=list)


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
) -> ApplyReport:
    """Apply up to `limit` outbox rows (all when None) to the index in one writer; delete the applied rows.

    Raises IndexBusy when the index stays locked for `timeout` seconds (the rows then stay).
    """
    from exchange.extensions import db
    from exchange.search.queries import current_index

    index = current_index()
    report = ApplyReport()
    with Session(db.engine, info={APPLIER_KEY: True}) as session:
        # Lock first, read second: a later applier always sees the data of the commits before it.
        with index.writing(timeout) as writes:
            stmt = select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.object_id).order_by(
                SearchOutbox.id
            )
            if limit:
                stmt = stmt.limit(limit)
            rows = session.execute(stmt).all()
            if not rows:
                return report
            pending: dict[str, set[int]] = defaultdict(set)
            for _, kind, ident in rows:
                pending[kind].add(ident)
            upserts, deletes, parents = _plan(session, pending)
            for parent in sorted(parents):
                writes.delete_children(parent)
            for key in sorted(deletes):
                writes.delete(key)
            for key, doc in upserts.items():
                writes.upsert(doc)
                if progress is not None:
                    progress(1)
        # The index has the changes now; a crash before this delete only means applying them once more.
        row_ids = [row_id for row_id, _, _ in rows]
        for start in range(0, len(row_ids), BATCH):
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(row_ids[start : start + BATCH])))
        session.commit()
        report.rows = len(rows)
        report.upserts = len(upserts)
        report.deletes = len(deletes)
        report.keys = sorted(set(upserts) | deletes)
        report.remaining = pending_count(session)
    return report


def pending_count(session: Session | None = None) -> int:
    """Outbox rows not yet applied."""
    from sqlalchemy import func

    from exchange.extensions import db

    return (session or db.session).scalar(select(func.count(SearchOutbox.id))) or 0
