"""Document pages: upload through the form, the list, downloads with safe headers, visibility, edit, delete."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from exchange.documents import storage
from exchange.documents.models import Document
from tests.documents import files
from tests.web import csrf_token_from, login, text


def fetch(client, path):
    """GET a download and close it (a streamed file stays open until the response is closed)."""
    answer = client.get(path)
    answer.get_data()
    answer.close()
    return answer


def upload(client, practice, content, filename="evaluatie.pdf", **fields):
    path = f"/praktijken/{practice.id}/documenten/nieuw"
    form = {
        "csrf_token": csrf_token_from(client, path),
        "title": "Evaluatie 2021",
        "kind": "evaluatie",
        "document_date": "2021-11-01",
        "language": "nl",
        "file": (io.BytesIO(content), filename),
        **fields,
    }
    return client.post(path, data=form, content_type="multipart/form-data")


def test_staff_upload_a_document_and_see_it_listed(client, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.staff)
    answer = upload(client, practice, files.pdf("Minder thuiszitters"))
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/praktijken/{practice.id}/documenten/")
    listing = text(client.get(f"/praktijken/{practice.id}/documenten/"))
    assert "Evaluatie 2021" in listing and "evaluatie.pdf" in listing
    assert "Evaluatie 2021" in text(client.get(f"/praktijken/{practice.id}"))


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"", "leeg.pdf", "Het bestand is leeg."),
        (files.zip_bomb_docx(40 * 1024 * 1024), "rapport.docx", "pakt uit tot veel meer gegevens"),
        (files.pdf("x", encrypt="geheim"), "geheim.pdf", "versleuteld"),
        (b"GIF89a" + bytes(50), "plaatje.gif", "Dit soort bestand kunnen we niet opnemen"),
    ],
)
def test_a_bad_file_is_refused_on_the_form(client, cast, make_practice, db, content, filename, message):
    practice = make_practice()
    login(client, cast.staff)
    answer = upload(client, practice, content, filename)
    assert answer.status_code == 422
    assert message in text(answer)
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_no_file_chosen_is_refused(client, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.staff)
    path = f"/praktijken/{practice.id}/documenten/nieuw"
    answer = client.post(
        path,
        data={
            "csrf_token": csrf_token_from(client, path),
            "title": "X",
            "kind": "plan",
            "document_date": "2021-01-01",
            "language": "nl",
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert "Kies een bestand." in text(answer)


def test_a_request_over_the_limit_is_answered_on_the_form(client, cast, make_practice, db, app):
    app.config["DOCUMENTS_MAX_BYTES"] = 10_000
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    practice = make_practice()
    login(client, cast.staff)
    # Under 500 kB, so the test client builds the body in memory (a larger one is a temporary file that the
    # test client never closes when the app refuses to read it).
    answer = upload(client, practice, files.pdf("x", padding=200_000))
    assert answer.status_code == 413
    assert "Het bestand is groter dan 9 kB." in text(answer)


def test_a_file_over_the_limit_inside_the_request_limit_is_refused_on_the_field(
    client, cast, make_practice, db, app
):
    app.config["DOCUMENTS_MAX_BYTES"] = 10_000
    practice = make_practice()
    login(client, cast.staff)
    answer = upload(client, practice, files.pdf("x", padding=20_000))
    assert answer.status_code == 422
    assert "Het bestand is groter dan 9 kB." in text(answer)


def test_a_file_without_csrf_token_is_refused(client, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.staff)
    answer = client.post(
        f"/praktijken/{practice.id}/documenten/nieuw",
        data={
            "title": "X",
            "kind": "plan",
            "document_date": "2021-01-01",
            "language": "nl",
            "file": (io.BytesIO(files.pdf("x")), "x.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_a_pdf_opens_inline_with_strict_headers(client, cast, make_practice, attach):
    practice = make_practice(publish=True)
    content = files.pdf("Inhoud")
    document = attach(practice, content, filename="Evaluatie ‘2021’.pdf")
    answer = fetch(client, f"/praktijken/{practice.id}/documenten/{document.id}/bestand")
    assert answer.status_code == 200
    assert answer.data == content
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''Evaluatie%20%E2%80%982021%E2%80%99.pdf" in answer.headers["Content-Disposition"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none';")
    assert "sandbox" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "make, filename, media_type",
    [
        (
            lambda: files.docx("tekst"),
            "plan.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (lambda: files.csv_bytes([["a", "b"], ["1", "2"]]), "cijfers.csv", "text/csv; charset=utf-8"),
    ],
)
def test_other_types_are_always_downloaded(client, cast, make_practice, attach, make, filename, media_type):
    practice = make_practice(publish=True)
    document = attach(practice, make(), filename=filename)
    answer = fetch(client, f"/praktijken/{practice.id}/documenten/{document.id}/bestand")
    assert answer.headers["Content-Type"] == media_type
    assert answer.headers["Content-Disposition"] == f"attachment; filename={filename}"


def test_a_drafts_documents_are_not_public(client, cast, make_practice, attach):
    practice = make_practice()
    document = attach(practice, files.pdf("Concept"))
    for path in (
        f"/praktijken/{practice.id}/documenten/",
        f"/praktijken/{practice.id}/documenten/{document.id}/bestand",
    ):
        assert client.get(path).status_code == 404
    login(client, cast.other_staff)
    assert client.get(f"/praktijken/{practice.id}/documenten/{document.id}/bestand").status_code == 404
    login(client, cast.coach)
    assert fetch(client, f"/praktijken/{practice.id}/documenten/{document.id}/bestand").status_code == 200


def test_a_document_is_only_found_under_its_own_practice(client, cast, make_practice, attach):
    first = make_practice("Een", publish=True)
    second = make_practice("Twee", publish=True)
    document = attach(first, files.pdf("x"))
    assert client.get(f"/praktijken/{second.id}/documenten/{document.id}/bestand").status_code == 404


def test_other_regions_staff_may_not_upload(client, cast, make_practice):
    practice = make_practice(publish=True)
    login(client, cast.other_staff)
    assert client.get(f"/praktijken/{practice.id}/documenten/nieuw").status_code == 403


def test_delete_through_the_confirmation_removes_row_and_file(client, cast, make_practice, attach, db):
    practice = make_practice(publish=True)
    document = attach(practice, files.pdf("Weg ermee"))
    path = storage.path_of(document.sha256)
    login(client, cast.staff)
    page = f"/praktijken/{practice.id}/documenten/{document.id}/verwijderen"
    answer = client.post(page, data={"csrf_token": csrf_token_from(client, page)})
    assert answer.status_code == 302
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert not path.exists()


def test_a_missing_file_answers_404_not_500(client, cast, make_practice, attach):
    practice = make_practice(publish=True)
    document = attach(practice, files.pdf("x"))
    storage.path_of(document.sha256).unlink()
    answer = client.get(f"/praktijken/{practice.id}/documenten/{document.id}/bestand")
    assert answer.status_code == 404
    assert "Het bestand van dit document ontbreekt" in text(answer)


def test_a_too_large_body_from_someone_who_may_not_upload_gets_the_plain_413(
    client, cast, make_practice, app
):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    practice = make_practice(publish=True)
    login(client, cast.other_staff)
    answer = client.post(
        f"/praktijken/{practice.id}/documenten/nieuw",
        data={"file": (io.BytesIO(files.pdf("x", padding=200_000)), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 413
    assert "Het verzoek is te groot." in text(answer)
    assert 'type="file"' not in text(answer)
