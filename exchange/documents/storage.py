"""The files of documents: in DOCUMENTS_DIR (outside the web root), named by their SHA-256.

A file is written to `tmp/` in the same directory tree, flushed to disk and renamed into
`files/<first two hex digits>/<sha256>`, so a reader never sees half a file. The database row is added in the
same unit of work and commits after the file is in place, so a committed row always has its file. What the
database does not commit is undone by session hooks after the fact:

- a rollback removes the files this transaction put in place (unless a committed row uses the same content);
- a commit that deleted document rows removes their files when no row uses that content any more.

A crash between the rename and the commit, or between the commit and the removal, leaves an orphan file (never
an orphan row or half a file): `flask documents check --fix` removes it (documents.checking).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

WRITTEN_KEY = "exchange.documents_written"
DROPPED_KEY = "exchange.documents_dropped"


def root() -> Path:
    configured = current_app.config.get("DOCUMENTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "documents"


def files_dir() -> Path:
    return root() / "files"


def tmp_dir() -> Path:
    return root() / "tmp"


def path_of(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return files_dir() / sha256[:2] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write(data: bytes, sha256: str | None = None) -> tuple[str, bool]:
    """Put `data` in place under its SHA-256; (sha256, True when this call created the file)."""
    sha256 = sha256 or digest(data)
    target = path_of(sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir().mkdir(parents=True, exist_ok=True)
    existed = target.exists()
    handle, temp_name = tempfile.mkstemp(dir=tmp_dir(), prefix="upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp_name, 0o640)
        # Same content, same name: replacing an existing file with identical bytes is harmless.
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return sha256, not existed


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def store(session: Session, data: bytes) -> str:
    """Write `data` for a row added in `session`'s transaction; remembered so a rollback removes it again."""
    sha256, created = write(data)
    if created:
        session.info.setdefault(WRITTEN_KEY, set()).add(sha256)
    return sha256


def drop_after_commit(session: Session, sha256: str) -> None:
    """Remove the file of a document row deleted in this transaction once it commits (if no row uses it)."""
    session.info.setdefault(DROPPED_KEY, set()).add(sha256)


def remove_unused(shas: set[str]) -> int:
    """Delete the files of these checksums that no committed document row uses; returns how many went."""
    from exchange.documents.models import Document
    from exchange.extensions import db

    if not shas:
        return 0
    with db.engine.connect() as conn:
        used = set(conn.scalars(select(Document.sha256).where(Document.sha256.in_(sorted(shas)))))
    removed = 0
    for sha256 in shas - used:
        try:
            path_of(sha256).unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("Could not remove document file %s; `flask documents check --fix` will", sha256)
    return removed


@event.listens_for(Session, "after_flush")
def _note_deleted(session: Session, flush_context) -> None:
    from exchange.documents.models import Document

    for obj in session.deleted:
        if isinstance(obj, Document):
            drop_after_commit(session, obj.sha256)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return
    session.info.pop(WRITTEN_KEY, None)
    dropped = session.info.pop(DROPPED_KEY, None)
    if dropped and has_app_context():
        remove_unused(dropped)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:
        return
    session.info.pop(DROPPED_KEY, None)
    written = session.info.pop(WRITTEN_KEY, None)
    if written and has_app_context():
        remove_unused(written)
