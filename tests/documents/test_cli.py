"""`flask documents check [--fix]`: orphan files, leftover temporary files, missing and damaged files."""

from __future__ import annotations

import os
import time

from sqlalchemy import func, select

from exchange.documents import storage
from exchange.documents.models import Document
from tests.documents import files


def test_a_clean_store_passes(app, runner, cast, make_practice, attach):
    attach(make_practice(), files.pdf("x"))
    result = runner.invoke(args=["documents", "check"])
    assert result.exit_code == 0, result.output
    assert (
        "1 bestanden gecontroleerd; 0 zonder document, 0 tijdelijk, 0 ontbrekend, 0 beschadigd."
        in result.output
    )


def test_drift_is_reported_and_repaired(app, runner, db, cast, make_practice, attach):
    practice = make_practice()
    kept = attach(practice, files.pdf("blijft"))
    missing = attach(practice, files.pdf("weg"))
    damaged = attach(practice, files.pdf("kapot"))
    storage.path_of(missing.sha256).unlink()
    storage.path_of(damaged.sha256).write_bytes(b"%PDF-1.4 anders")
    orphan, _ = storage.write(files.pdf("wees"))
    stale = storage.tmp_dir() / "upload-oud"
    stale.write_bytes(b"half")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = storage.tmp_dir() / "upload-nu"
    fresh.write_bytes(b"bezig")

    report = runner.invoke(args=["documents", "check"])
    assert report.exit_code == 1
    assert f"Bestand zonder document: {orphan}" in report.output
    assert "Achtergebleven tijdelijk bestand: upload-oud" in report.output
    assert "upload-nu" not in report.output
    assert f"Bestand ontbreekt: document {missing.id} (Evaluatie 2021)" in report.output
    assert f"Controlegetal klopt niet: document {damaged.id}" in report.output

    fixed = runner.invoke(args=["documents", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert "Hersteld." in fixed.output
    assert not storage.path_of(orphan).exists() and not stale.exists() and fresh.exists()
    assert (storage.root() / "damaged" / damaged.sha256).exists()
    assert list(db.session.scalars(select(Document.id))) == [kept.id]
    again = runner.invoke(args=["documents", "check"])
    assert again.exit_code == 0, again.output


def test_a_crash_between_rename_and_commit_leaves_only_an_orphan_file(app, runner, db, cast, make_practice):
    from exchange.documents import services
    from tests.documents.conftest import data

    practice = make_practice()
    services.add_document(cast.staff, practice, data(), "r.pdf", files.pdf("nooit gecommit"))
    # A crash: the process dies before the commit, so no rollback hook runs either.
    db.session.info.pop(storage.WRITTEN_KEY)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Document.id))) == 0
    report = runner.invoke(args=["documents", "check"])
    assert report.exit_code == 1 and "Bestand zonder document" in report.output
    assert "ontbreekt" not in report.output.replace("0 ontbrekend", "")
    assert runner.invoke(args=["documents", "check", "--fix"]).exit_code == 0
    assert list(storage.files_dir().glob("*/*")) == []
