"""Documents travel with practices: the open-data dump (published only, with checksums) and imports by checksum."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest
from sqlalchemy import select

from exchange.documents import carry, storage
from exchange.documents.models import Document
from exchange.errors import Invalid
from exchange.policy import SYSTEM
from tests.documents import files


def test_the_open_data_dump_has_published_documents_with_checksums(
    runner, db, cast, make_practice, attach, tmp_path
):
    published = make_practice("Openbaar", publish=True)
    draft = make_practice("Concept")
    shown = attach(published, files.pdf("openbaar rapport"), title="Evaluatie 2021")
    attach(draft, files.pdf("geheim concept"), title="Concept-evaluatie")
    sha256, practice_id = shown.sha256, published.id  # the dump detaches every row it read
    target = tmp_path / "opendata"
    result = runner.invoke(args=["opendata", "dump", str(target)])
    assert result.exit_code == 0, result.output
    with open(target / "documents.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["title"], r["sha256"], r["practice_id"]) for r in rows] == [
        ("Evaluatie 2021", sha256, str(practice_id))
    ]
    stored = target / rows[0]["file"]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha256
    sums = (target / "SHA256SUMS").read_text()
    assert f"{sha256}  documents/{sha256}.pdf" in sums
    assert sorted(p.name for p in (target / "documents").iterdir()) == [f"{sha256}.pdf"]


def test_import_attaches_documents_from_the_side_folder_by_checksum(
    db, cast, make_practice, attach, tmp_path
):
    source = make_practice("Bron")
    document = attach(source, files.pdf("meegenomen"), title="Plan 2020", kind="plan")
    entry = carry.record(document)
    carry.place_file(document, tmp_path / "side")
    target = make_practice("Doel")
    added = carry.import_documents(SYSTEM, target, [entry], tmp_path / "side", "practices[0].documents")
    db.session.commit()
    assert added == 1
    assert [(d.title, d.sha256) for d in target.documents] == [("Plan 2020", document.sha256)]
    # Importing again updates instead of duplicating.
    entry["title"] = "Plan 2020 (herzien)"
    assert carry.import_documents(SYSTEM, target, [entry], tmp_path / "side", "practices[0].documents") == 0
    db.session.commit()
    assert [d.title for d in target.documents] == ["Plan 2020 (herzien)"]


def test_import_refuses_a_missing_or_altered_file_naming_its_place(db, cast, make_practice, attach, tmp_path):
    document = attach(make_practice("Bron"), files.pdf("origineel"))
    entry = carry.record(document)
    target = make_practice("Doel")
    with pytest.raises(Invalid) as missing:
        carry.import_documents(SYSTEM, target, [entry], tmp_path / "leeg", "practices[0].documents")
    assert "ontbreekt" in missing.value.fields["practices[0].documents[0].sha256"]
    side = tmp_path / "side"
    side.mkdir()
    (side / f"{document.sha256}.pdf").write_bytes(files.pdf("vervalst"))
    with pytest.raises(Invalid) as altered:
        carry.import_documents(SYSTEM, target, [entry], side, "practices[0].documents")
    assert "klopt niet" in altered.value.fields["practices[0].documents[0].sha256"]


def test_export_and_import_carry_documents_by_checksum(
    app, runner, db, cast, make_practice, attach, tmp_path
):
    practice = make_practice("Meeverhuizen", publish=True)
    document = attach(practice, files.pdf("gaat mee"), title="Factsheet", kind="factsheet")
    sha256 = document.sha256
    side = tmp_path / "bijlagen"
    exported = runner.invoke(args=["practices", "export", "--documents", str(side)])
    assert exported.exit_code == 0, exported.output
    doc = json.loads(exported.stdout)
    assert doc["practices"][0]["documents"][0]["sha256"] == sha256
    assert (side / f"{sha256}.pdf").exists()

    # The document is gone; importing the export again (the practice matched by its id) brings it back.
    db.session.delete(db.session.get(Document, document.id))
    db.session.commit()
    assert not storage.path_of(sha256).exists()
    source = tmp_path / "export.json"
    source.write_text(exported.stdout, encoding="utf-8")
    without = runner.invoke(args=["practices", "import", str(source)])
    assert without.exit_code == 1
    assert "--documents" in without.output
    imported = runner.invoke(args=["practices", "import", str(source), "--documents", str(side)])
    assert imported.exit_code == 0, imported.output
    again = db.session.scalars(select(Document)).all()
    assert [(d.title, d.sha256) for d in again] == [("Factsheet", sha256)]
    assert storage.path_of(sha256).read_bytes() == (side / f"{sha256}.pdf").read_bytes()


def test_an_import_with_a_bad_document_entry_writes_nothing(app, runner, db, cast, make_practice, tmp_path):
    make_practice("Bestaand", publish=True)
    exported = runner.invoke(args=["practices", "export"])
    doc = json.loads(exported.stdout)
    doc["practices"][0]["documents"] = [{"title": "X", "kind": "roman", "date": "2021-01-01", "sha256": "ab"}]
    source = tmp_path / "export.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(args=["practices", "import", str(source), "--documents", str(tmp_path)])
    assert result.exit_code == 1
    assert "documents[0].kind: onbekende soort 'roman'" in result.output
