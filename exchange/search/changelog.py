"""The search change log: every index (one per server) follows the same log of changes from its own position.

Every searchable change writes a row to `search_outbox` (the change log; see outbox.py for the hooks) in the
same transaction as the change. Its `id` is the sequence number. Rows are no longer deleted when an index
applied them: each index keeps its own position in a file INSIDE the index directory (POSITION_FILE), so a
second server, a server that was offline, or a rebuilt index each know exactly what they still have to apply.

The position is {"applied": highest sequence applied, "gaps": {sequence: first seen (epoch)}, "synced_at":
epoch of the last catch-up}. Sequence numbers are handed out when a row is inserted, but transactions commit in
any order: a reader may see 11 before 10 commits. Every sequence below `applied` that was not seen is a gap,
read again on every catch-up until it appears or is older than SEARCH_GAP_SECONDS (then its transaction rolled
back, or ran longer than the window allows; docs/search.md explains the choice).

Catching up takes a file lock next to the index (one catch-up per server at a time), then the Whoosh writer,
reads the rows after the position, writes their documents as read from the database NOW, commits the index and
then writes the new position (a crash in between only applies those rows once more: applying is idempotent).

An index whose last catch-up is older than the log keeps (SEARCH_LOG_RETENTION_HOURS, minus the gap window)
may have missed pruned rows: it is rebuilt from the database (the `flask search reindex` code path) and
REBUILT_FILE says so for /healthz.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from exchange.search.engine import IndexBusy
from exchange.search.engine import whoosh_internals as internals
from exchange.search.models import SearchOutbox

log = logging.getLogger(__name__)

POSITION_FILE = "changelog-position.json"
REBUILT_FILE = "changelog-rebuilt.json"
BATCH = 2000
MAX_GAPS = 1000


@dataclass
class Position:
    applied: int = 0
    gaps: dict[int, float] = field(default_factory=dict)
    synced_at: float | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "applied": self.applied,
                "gaps": {str(k): v for k, v in sorted(self.gaps.items())},
                "synced_at": self.synced_at,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Position:
        data = json.loads(text)
        return cls(
            applied=int(data.get("applied", 0)),
            gaps={int(k): float(v) for k, v in (data.get("gaps") or {}).items()},
            synced_at=data.get("synced_at"),
        )


@dataclass
class ApplyReport:
    rows: int = 0
    upserts: int = 0
    deletes: int = 0
    remaining: int = 0
    keys: list[str] = field(default_factory=list)
    rebuilt: bool = False


# -- the position inside the index


def read_position(index_path: Path) -> Position:
    """The index's position; an index without one (built before the change log) starts at 0 (every row left
    in the table by the old outbox is then applied once)."""
    try:
        return Position.from_json((Path(index_path) / POSITION_FILE).read_text())
    except FileNotFoundError:
        return Position()
    except (OSError, ValueError):
        log.warning("The search index position is unreadable; applying the whole log again", exc_info=True)
        return Position()


def write_position(index_path: Path, position: Position) -> None:
    """Atomically (a new file renamed over the old one)."""
    target = Path(index_path) / POSITION_FILE
    tmp = target.with_name(f".{POSITION_FILE}.{os.getpid()}.tmp")
    tmp.write_text(position.to_json())
    os.replace(tmp, target)


def read_rebuilt(index_path: Path) -> dict | None:
    try:
        return json.loads((Path(index_path) / REBUILT_FILE).read_text())
    except (OSError, ValueError):
        return None


@contextmanager
def catch_up_lock(index_path: Path, timeout: float) -> Iterator[None]:
    """One catch-up (or rebuild) per index directory at a time, across the server's processes."""
    path = Path(index_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = internals.file_lock(str(path.with_name(path.name + ".catchup.lock")))
    deadline = time.monotonic() + timeout
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise IndexBusy(str(path))
        time.sleep(0.02)
    try:
        yield
    finally:
        lock.release()


# -- settings


def _gap_seconds() -> float:
    return float(current_app.config.get("SEARCH_GAP_SECONDS", 300))


def _retention_seconds() -> float:
    return float(current_app.config.get("SEARCH_LOG_RETENTION_HOURS", 72)) * 3600


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns aggregates without the column type
        return moment.replace(tzinfo=UTC)
    return moment


# -- reading the log


def _pending_filter(position: Position):
    column = SearchOutbox.id
    if not position.gaps:
        return column > position.applied
    return or_(column > position.applied, column.in_(sorted(position.gaps)))


def snapshot(session: Session, now: float | None = None) -> Position:
    """The position of an index built from the database as read after this call: the highest sequence now,
    with every unseen sequence of the gap window below it as a gap (its transaction may still commit)."""
    now = time.time() if now is None else now
    latest = session.scalar(select(func.max(SearchOutbox.id))) or 0
    since = datetime.fromtimestamp(now - _gap_seconds(), UTC)
    recent = set(session.scalars(select(SearchOutbox.id).where(SearchOutbox.created_at >= since)))
    gaps: dict[int, float] = {}
    if recent:
        low = min(recent)
        gaps = {seq: now for seq in range(low, latest + 1) if seq not in recent}
    return Position(applied=latest, gaps=_bounded(gaps), synced_at=now)


def _bounded(gaps: dict[int, float]) -> dict[int, float]:
    if len(gaps) <= MAX_GAPS:
        return gaps
    log.warning("More than %d sequence gaps in the search log; the oldest are given up", MAX_GAPS)
    return dict(sorted(gaps.items())[-MAX_GAPS:])


def advance(position: Position, seen: list[int], now: float, gap_seconds: float) -> Position:
    """The position after applying the rows `seen` (sorted sequences read with `_pending_filter`)."""
    high = max([position.applied, *seen])
    seen_set = set(seen)
    gaps = {seq: first for seq, first in position.gaps.items() if seq not in seen_set}
    for seq in range(position.applied + 1, high):
        if seq not in seen_set:
            gaps[seq] = now
    gaps = {seq: first for seq, first in gaps.items() if now - first <= gap_seconds}
    return Position(applied=high, gaps=_bounded(gaps), synced_at=now)


def lag(session: Session, index_path: Path) -> dict:
    """This server's index lag: sequences not applied yet and the age of the oldest of them."""
    position = read_position(index_path)
    behind, oldest = session.execute(
        select(func.count(SearchOutbox.id), func.min(SearchOutbox.created_at)).where(
            _pending_filter(position)
        )
    ).one()
    latest = session.scalar(select(func.max(SearchOutbox.id))) or 0
    oldest = _aware(oldest)
    seconds = max(0.0, (datetime.now(UTC) - oldest).total_seconds()) if oldest else 0.0
    return {
        "applied": position.applied,
        "latest": latest,
        "behind": behind,
        "seconds": round(seconds, 1),
        "gaps": len(position.gaps),
    }


def pending_count(session: Session, index_path: Path) -> int:
    return (
        session.scalar(select(func.count(SearchOutbox.id)).where(_pending_filter(read_position(index_path))))
        or 0
    )


def up_to_date(session: Session, index_path: Path) -> bool:
    """Nothing to apply and nothing to record: no row after the position (nor a gap that appeared), no gap
    to give up, and a recent enough `synced_at` (the retention check and /healthz read it)."""
    position = read_position(index_path)
    now = time.time()
    if position.synced_at is None or now - position.synced_at > 60:
        return False
    if any(now - first > _gap_seconds() for first in position.gaps.values()):
        return False
    pending = session.scalar(select(SearchOutbox.id).where(_pending_filter(position)).limit(1))
    session.rollback()
    return pending is None


def too_far_behind(position: Position, now: float | None = None) -> bool:
    """Whether rows this index still needs may have been pruned (its last catch-up is older than the log
    keeps, minus the gap window)."""
    if position.synced_at is None:
        return False
    now = time.time() if now is None else now
    return now - position.synced_at > _retention_seconds() - _gap_seconds()


# -- applying


def apply_rows(
    index,
    session: Session,
    plan: Callable,
    limit: int | None,
    timeout: float | None,
    progress: Callable[[int], None] | None,
) -> ApplyReport:
    """Apply the log after the index's position (up to `limit` rows) in one writer; then move the position.

    The caller holds the catch-up lock. Raises IndexBusy/IndexMissing/IndexUnavailable like `index.writing`.
    """
    report = ApplyReport()
    now = time.time()
    # Lock first, read second: what is read is at least as new as what any earlier catch-up wrote.
    with index.writing(timeout) as writes:
        position = read_position(index.path)
        # A gap older than the window is given up: its transaction rolled back (or ran longer than allowed).
        position.gaps = {seq: first for seq, first in position.gaps.items() if now - first <= _gap_seconds()}
        stmt = (
            select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.object_id)
            .where(_pending_filter(position))
            .order_by(SearchOutbox.id)
        )
        if limit:
            stmt = stmt.limit(limit)
        rows = session.execute(stmt).all()
        pending: dict[str, set[int]] = defaultdict(set)
        for _, kind, ident in rows:
            pending[kind].add(ident)
        upserts, deletes, parents = plan(session, pending) if rows else ({}, set(), set())
        for parent in sorted(parents):
            writes.delete_children(parent)
        for key in sorted(deletes):
            writes.delete(key)
        for doc in upserts.values():
            writes.upsert(doc)
            if progress is not None:
                progress(1)
    # The index has the changes now; a crash before this write only means applying them once more.
    new = advance(position, [seq for seq, _, _ in rows], now, _gap_seconds())
    if rows or new.gaps != position.gaps or position.synced_at is None or now - position.synced_at > 60:
        write_position(index.path, new)
    session.rollback()
    report.rows = len(rows)
    report.upserts = len(upserts)
    report.deletes = len(deletes)
    report.keys = sorted(set(upserts) | deletes)
    report.remaining = session.scalar(select(func.count(SearchOutbox.id)).where(_pending_filter(new))) or 0
    session.rollback()
    return report


def rebuild(index, session: Session, progress=None, procs: int = 1, reason: str = "") -> int:
    """Rebuild the index from the database with its position taken first (the caller holds the catch-up
    lock). With a reason, REBUILT_FILE records it for /healthz."""
    from exchange.search import documents

    position = snapshot(session)
    session.rollback()
    total = documents.count_documents()
    files = {POSITION_FILE: position.to_json()}
    if reason:
        files[REBUILT_FILE] = json.dumps({"at": datetime.now(UTC).isoformat(), "reason": reason})
    return index.rebuild(
        documents.all_documents(), progress=progress, procs=procs, expected=total, files=files
    )


def prune(session: Session, older_than: timedelta, progress=None) -> int:
    """Delete log rows older than `older_than` (in batches); the number deleted."""
    cutoff = datetime.now(UTC) - older_than
    # The newest row always stays: SQLite hands out max(id) + 1, so an empty table would start the sequence
    # again below every index's position.
    newest = session.scalar(select(func.max(SearchOutbox.id))) or 0
    deleted = 0
    while True:
        ids = list(
            session.scalars(
                select(SearchOutbox.id)
                .where(SearchOutbox.created_at < cutoff, SearchOutbox.id < newest)
                .order_by(SearchOutbox.id)
                .limit(BATCH)
            )
        )
        if not ids:
            break
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(ids)))
        session.commit()
        deleted += len(ids)
        if progress is not None:
            progress(len(ids))
    return deleted


def health(session: Session, index) -> dict:
    """For /healthz: this server's lag behind the change log; not ok above SEARCH_MAX_LAG_SECONDS."""
    body = lag(session, index.path)
    body["ok"] = body["seconds"] <= float(current_app.config.get("SEARCH_MAX_LAG_SECONDS", 120))
    body["rebuilding"] = index.rebuild_marker.exists()
    rebuilt = read_rebuilt(index.path)
    if rebuilt:
        body["rebuilt"] = rebuilt  # the last automatic rebuild (fell behind the log's retention)
    return body
