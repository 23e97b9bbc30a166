"""Drift between the document rows and the files: orphan files, stale temporary files, missing files and files
whose content no longer matches their name (checksum). `flask documents check [--fix]` reports and repairs."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from exchange.documents import storage
from exchange.documents.models import Document
from exchange.extensions import db

log = logging.getLogger(__name__)

# A temporary file younger than this may belong to an upload in progress.
TMP_GRACE_SECONDS = 3600


@dataclass
class Drift:
    orphans: list[str] = field(default_factory=list)  # files without a row
    stale_tmp: list[str] = field(default_factory=list)  # leftovers of interrupted writes
    missing: list[int] = field(default_factory=list)  # document ids whose file is gone
    damaged: list[int] = field(default_factory=list)  # document ids whose file does not match its SHA-256
    checked_files: int = 0

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.stale_tmp or self.missing or self.damaged)


def count_work() -> int:
    files = storage.files_dir()
    return sum(1 for _ in files.glob("*/*")) if files.is_dir() else 0


def find_drift(progress: Callable[[int], None] | None = None) -> Drift:
    """Compare every stored file with the rows (reads and hashes every file)."""
    drift = Drift()
    rows: dict[str, list[int]] = {}
    for ident, sha256 in db.session.execute(select(Document.id, Document.sha256).order_by(Document.id)):
        rows.setdefault(sha256, []).append(ident)
    seen: set[str] = set()
    files = storage.files_dir()
    if files.is_dir():
        for path in sorted(files.glob("*/*")):
            name = path.name
            if progress:
                progress(1)
            if name not in rows:
                drift.orphans.append(name)
                continue
            seen.add(name)
            drift.checked_files += 1
            if storage.file_digest(path) != name:
                drift.damaged.extend(rows[name])
    for sha256, ids in rows.items():
        if sha256 not in seen:
            drift.missing.extend(ids)
    tmp = storage.tmp_dir()
    if tmp.is_dir():
        now = time.time()
        drift.stale_tmp = sorted(p.name for p in tmp.iterdir() if now - p.stat().st_mtime > TMP_GRACE_SECONDS)
    drift.missing.sort()
    drift.damaged.sort()
    return drift


def fix_drift(drift: Drift) -> None:
    """Repair what `find_drift` found: orphan and stale temporary files are deleted; a damaged file is moved to
    `damaged/` for inspection; documents whose file is missing or damaged are deleted (they cannot be served;
    staff upload them again), which also takes them out of the search index. Commits."""
    for name in drift.orphans:
        storage.path_of(name).unlink(missing_ok=True)
    for name in drift.stale_tmp:
        (storage.tmp_dir() / name).unlink(missing_ok=True)
    damaged_dir = storage.root() / "damaged"
    for document in db.session.scalars(select(Document).where(Document.id.in_(drift.damaged))):
        path = storage.path_of(document.sha256)
        if path.exists():
            damaged_dir.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), damaged_dir / document.sha256)
    broken = drift.missing + drift.damaged
    for document in db.session.scalars(select(Document).where(Document.id.in_(broken))):
        log.warning(
            "Removing document %s (%r) of practice %s: its file is missing or damaged",
            document.id,
            document.title,
            document.practice_id,
        )
        db.session.delete(document)
    db.session.commit()
