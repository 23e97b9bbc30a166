"""Staff attach a document to a practice and download it again, clicked through from "/"."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid4

import pytest

from tests.documents import files
from tests.web import sign_in_from_home

pytestmark = pytest.mark.browser

DRAFT = "Rijnmond: scholing in traumasensitief werken"  # a demo draft of Rijnmond, on its staff's workspace


def go(page, target, url, check) -> None:
    with page.expect_navigation(url=url):
        target.click()
    check(page)


def test_staff_upload_a_document_see_it_listed_and_download_it(
    new_page, live_server, assert_accessible, screenshot
):
    check = assert_accessible
    title = f"Evaluatie {uuid4().hex[:6]}"
    content = files.docx("Evaluatie van de scholing", "Professionals voelen zich zekerder.")
    page = new_page()
    sign_in_from_home(page, live_server, "rijnmond", check=check)

    go(
        page,
        page.locator("section#concepten").get_by_role("link", name=DRAFT, exact=True),
        re.compile(r"/praktijken/\d+$"),
        check,
    )
    practice_path = re.search(r"/praktijken/\d+$", page.url).group(0)
    go(page, page.get_by_role("link", name="Documenten beheren"), f"**{practice_path}/documenten/", check)
    go(
        page,
        page.get_by_role("link", name="Document toevoegen"),
        f"**{practice_path}/documenten/nieuw",
        check,
    )

    page.get_by_label("Bestand").set_input_files(
        files=[{"name": "evaluatie-scholing.docx", "mimeType": "application/octet-stream", "buffer": content}]
    )
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Soort").select_option(label="Evaluatie")
    page.get_by_label("Datum van het document").fill("2024-06-30")
    go(page, page.get_by_role("button", name="Document toevoegen"), f"**{practice_path}/documenten/", check)
    assert f"Het document ‘{title}’ is toegevoegd." in page.locator(".flash-messages").inner_text()
    item = page.locator(".document-list__item", has=page.get_by_role("link", name=title, exact=True))
    assert "evaluatie-scholing.docx" in item.inner_text()
    screenshot(page, "documents-list")

    with page.expect_download() as downloading:
        item.get_by_role("link", name=title, exact=True).click()
    download = downloading.value
    assert download.suggested_filename == "evaluatie-scholing.docx"
    assert Path(download.path()).read_bytes() == content

    # The practice's own page lists it too.
    go(page, page.get_by_role("link", name="Terug naar het praktijkvoorbeeld"), f"**{practice_path}", check)
    attachments = page.locator("section", has=page.get_by_role("heading", name="Bijlagen", exact=True))
    assert attachments.get_by_role("link", name=title, exact=True).is_visible()
