"""Adding, editing and deleting documents through the services: checks by content, storage, rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from exchange.documents import extraction, services, sniffing, storage
from exchange.documents.models import Document, DocumentPage
from exchange.errors import Invalid, NotAllowed
from tests.documents import files
from tests.documents.conftest import data


def stored_files(app) -> list[str]:
    root = storage.files_dir()
    return sorted(p.name for p in root.glob("*/*")) if root.is_dir() else []


def test_a_pdf_is_stored_by_checksum_with_its_pages(db, cast, make_practice, attach, app):
    practice = make_practice()
    content = files.pdf("Inleiding", "Resultaten", "Minder thuiszitters in Rijnmond")
    document = attach(practice, content)
    assert document.sha256 == storage.digest(content)
    assert storage.path_of(document.sha256).read_bytes() == content
    assert document.media_type == sniffing.PDF and document.paged is True
    assert [p.text for p in document.pages] == ["Inleiding", "Resultaten", "Minder thuiszitters in Rijnmond"]
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert not any(storage.tmp_dir().iterdir())


@pytest.mark.parametrize(
    "make, name, media_type, expected",
    [
        (
            lambda: files.docx("Plan van aanpak", "Tweede pagina"),
            "plan.docx",
            sniffing.DOCX,
            ["Plan van aanpak", "Tweede pagina"],
        ),
        (lambda: files.odt("Eerste", "Tweede"), "plan.odt", sniffing.ODT, ["Eerste", "Tweede"]),
        (lambda: files.xlsx([["Gemeente", "Aantal"]]), "cijfers.xlsx", sniffing.XLSX, ["Gemeente Aantal"]),
        (lambda: files.ods([["Regio", "Wachttijd"]]), "cijfers.ods", sniffing.ODS, ["Regio Wachttijd"]),
        (
            lambda: files.csv_bytes([["regio", "aantal"], ["Zeeland", "12"]]),
            "cijfers.csv",
            sniffing.CSV,
            ["regio;aantal\nZeeland;12"],
        ),
        (files.png, "logo.png", sniffing.PNG, [""]),
        (files.jpeg, "foto.jpeg", sniffing.JPEG, [""]),
    ],
)
def test_every_accepted_type_is_recognised_by_content(
    db, cast, make_practice, attach, make, name, media_type, expected
):
    document = attach(make_practice(), make(), filename=name)
    assert document.media_type == media_type
    assert [p.text for p in document.pages] == expected


def test_the_name_does_not_decide_the_type(db, cast, make_practice, attach):
    document = attach(make_practice(), files.pdf("Echt een PDF"), filename="plaatje.png")
    assert document.media_type == sniffing.PDF
    assert document.filename == "plaatje.png.pdf"


def nothing_stored(db, app) -> bool:
    return db.session.scalar(select(func.count(Document.id))) == 0 and stored_files(app) == []


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"", "leeg.pdf", "Het bestand is leeg."),
        (b"MZ\x90\x00" + bytes(200), "setup.pdf", "Dit soort bestand kunnen we niet opnemen"),
        (
            b"alleen wat tekst zonder kolommen\nnog een regel",
            "notities.csv",
            "Dit soort bestand kunnen we niet opnemen",
        ),
        (files.pdf("geheim", encrypt="wachtwoord"), "geheim.pdf", "versleuteld"),
        (files.broken_pdf(), "kapot.pdf", "De PDF is beschadigd"),
        (b"PK\x03\x04" + bytes(100), "kapot.docx", "beschadigd"),
        (files.zip_bomb_docx(40 * 1024 * 1024), "bom.docx", "pakt uit tot veel meer gegevens"),
        (files.pdf("x"), "../../etc/passwd.pdf", "mag geen / of \\ bevatten"),
        (files.pdf("x"), "map\\rapport.pdf", "mag geen / of \\ bevatten"),
        (files.pdf("x"), "rapport\n.pdf", "onzichtbare tekens"),
        (files.pdf("x"), "rap\x00port.pdf", "onzichtbare tekens"),
        (files.pdf("x"), "rapport\u202e.pdf", "onzichtbare tekens"),
    ],
    ids=[
        "empty",
        "exe",
        "text",
        "encrypted",
        "broken-pdf",
        "broken-zip",
        "zip-bomb",
        "slash",
        "backslash",
        "newline",
        "nul",
        "bidi",
    ],
)
def test_bad_files_are_refused_with_a_dutch_message_and_nothing_stored(
    db, cast, make_practice, app, content, filename, message
):
    practice = make_practice()
    with pytest.raises(Invalid) as refused:
        services.add_document(cast.staff, practice, data(), filename, content)
    db.session.rollback()
    assert message in refused.value.fields["file"]
    assert nothing_stored(db, app)


def test_a_file_over_the_limit_is_refused(db, cast, make_practice, app):
    app.config["DOCUMENTS_MAX_BYTES"] = 50_000
    with pytest.raises(Invalid) as refused:
        services.add_document(
            cast.staff, make_practice(), data(), "groot.pdf", files.pdf("x", padding=60_000)
        )
    assert refused.value.fields["file"] == "Het bestand is groter dan 48 kB."
    assert nothing_stored(db, app)


def test_a_zip_whose_directory_lies_is_still_capped_when_read(monkeypatch):
    monkeypatch.setattr(extraction, "XML_MEMBER_LIMIT", 1000)
    content = files.docx("woord " * 1000)
    with pytest.raises(Invalid) as refused:
        extraction.extract(content, sniffing.DOCX)
    assert "pakt uit tot veel meer" in refused.value.fields["file"]


def test_xml_with_a_doctype_is_refused():
    content = files._zip(
        {
            "[Content_Types].xml": files.CONTENT_TYPES,
            "word/document.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        }
    )
    with pytest.raises(Invalid) as refused:
        extraction.extract(content, sniffing.DOCX)
    assert "beschadigd" in refused.value.fields["file"]


def test_metadata_is_checked_on_its_fields(db, cast, make_practice, app):
    bad = services.DocumentData(
        title="  ", kind="roman", document_date=date.today() + timedelta(days=2), language="xx"
    )
    with pytest.raises(Invalid) as refused:
        services.add_document(cast.staff, make_practice(), bad, "r.pdf", files.pdf("x"))
    assert set(refused.value.fields) == {"title", "kind", "document_date", "language"}
    assert nothing_stored(db, app)


def test_at_most_the_configured_number_per_practice(db, cast, make_practice, attach, app):
    app.config["DOCUMENTS_PER_PRACTICE"] = 2
    practice = make_practice()
    attach(practice, files.pdf("een"))
    attach(practice, files.pdf("twee"))
    with pytest.raises(Invalid) as refused:
        services.add_document(cast.staff, practice, data(), "drie.pdf", files.pdf("drie"))
    assert "hoogstens 2 documenten" in refused.value.fields["file"]


def test_the_same_file_twice_on_one_practice_is_refused(db, cast, make_practice, attach):
    practice = make_practice()
    content = files.pdf("een")
    attach(practice, content)
    with pytest.raises(Invalid) as refused:
        services.add_document(cast.staff, practice, data(), "nog eens.pdf", content)
    assert refused.value.fields["file"] == "Dit bestand hoort al bij dit praktijkvoorbeeld."


@pytest.mark.parametrize("who", ["other_staff", "coach"])
def test_only_the_regions_staff_and_admins_manage_documents(db, cast, make_practice, who):
    with pytest.raises(NotAllowed):
        services.add_document(getattr(cast, who), make_practice(), data(), "r.pdf", files.pdf("x"))


def test_an_admin_may_add_a_document(db, cast, make_practice, attach):
    document = attach(make_practice(), files.pdf("x"), actor=cast.admin)
    assert document.id is not None


def test_a_rollback_removes_the_file_it_wrote(db, cast, make_practice, app):
    practice = make_practice()
    services.add_document(cast.staff, practice, data(), "r.pdf", files.pdf("teruggedraaid"))
    assert len(stored_files(app)) == 1
    db.session.rollback()
    assert stored_files(app) == []


def test_deleting_removes_the_file_after_the_commit_unless_shared(db, cast, make_practice, attach, app):
    content = files.pdf("gedeeld")
    first = attach(make_practice("Een"), content)
    second = attach(make_practice("Twee"), content)
    assert stored_files(app) == [first.sha256]
    services.delete_document(cast.staff, first)
    assert stored_files(app) == [first.sha256]  # not before the commit
    db.session.commit()
    assert stored_files(app) == [second.sha256]  # the other practice still uses it
    services.delete_document(cast.staff, second)
    db.session.commit()
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count(DocumentPage.id))) == 0


def test_deleting_a_practice_removes_its_files(db, cast, make_practice, attach, app):
    practice = make_practice()
    attach(practice, files.pdf("een"))
    attach(practice, files.docx("twee"), filename="twee.docx")
    assert len(stored_files(app)) == 2
    db.session.delete(practice)
    db.session.commit()
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_editing_changes_the_description_only(db, cast, make_practice, attach):
    document = attach(make_practice(), files.pdf("x"))
    services.edit_document(cast.staff, document, data(title="Factsheet", kind="factsheet", language="en"))
    db.session.commit()
    assert (document.title, document.kind.value, document.language) == ("Factsheet", "factsheet", "en")


@pytest.mark.parametrize(
    "name, extension, expected",
    [
        ("  rapport   2021.pdf ", "pdf", "rapport 2021.pdf"),
        ("...verborgen.pdf", "pdf", "verborgen.pdf"),
        ("Évaluatie.PDF", "pdf", "Évaluatie.pdf"),
        ("rapport", "docx", "rapport.docx"),
        ("x" * 300 + ".pdf", "pdf", "x" * 196 + ".pdf"),
    ],
)
def test_names_are_cleaned(name, extension, expected):
    assert services.clean_filename(name, extension) == expected
