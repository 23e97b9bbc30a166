"""Two staff members of one region edit the same practice at once: the second sees the merge view with their
own text intact and the first one's change beside it, saves again, and the practice shows both changes."""

from __future__ import annotations

import pytest

from tests.web import DEFAULT_PASSWORD, sign_in

pytestmark = pytest.mark.browser

COLLEAGUE = "collega.rijnmond@demo.jeugdkennis.example"
TITLE = "Browsertest: samen schrijven aan één praktijk"
B_TITLE = "Zoë’s titel — na overleg"
A_SUMMARY = "Rosa vulde de samenvatting aan met de nieuwe afspraken."


@pytest.fixture
def shared_practice(live_server):
    """A draft of Rijnmond written by its demo staff member, and a second staff member of Rijnmond."""
    from sqlalchemy import select

    from exchange.accounts.models import Role, User
    from exchange.extensions import db
    from exchange.practices import services
    from tests import world

    with live_server.app.app_context():
        staff = db.session.scalar(select(User).where(User.email == "rijnmond@demo.jeugdkennis.example"))
        if db.session.scalar(select(User).where(User.email == COLLEAGUE)) is None:
            world.person(COLLEAGUE, Role.STAFF, region=staff.region, name="Bram Collega")
        data = services.PracticeData(
            title=TITLE,
            summary="Een eerste samenvatting.",
            themes=[world.theme("vakmanschap")],
            phase=world.phases()[0],
        )
        practice = services.create_practice(staff, staff.region, data)
        db.session.commit()
        return practice.id


def test_second_save_shows_the_merge_view_and_keeps_both_changes(
    new_page, live_server, shared_practice, assert_accessible, screenshot
):
    rosa, bram = new_page(), new_page()
    sign_in(rosa, live_server, "rijnmond")
    sign_in(bram, live_server, COLLEAGUE, password=DEFAULT_PASSWORD)
    for page in (rosa, bram):
        page.goto(live_server(f"/praktijken/{shared_practice}"))
        page.get_by_role("link", name="Bewerken").click()
        page.wait_for_url(f"**/praktijken/{shared_practice}/bewerken")

    rosa.get_by_label("Korte samenvatting").fill(A_SUMMARY)
    rosa.get_by_role("button", name="Opslaan").click()
    rosa.wait_for_url(f"**/praktijken/{shared_practice}")

    bram.get_by_label("Titel").fill(B_TITLE)
    with bram.expect_response(lambda r: r.request.method == "POST") as answer:
        bram.get_by_role("button", name="Opslaan").click()
    assert answer.value.status == 409
    alert = bram.locator(".merge-summary")
    assert "Iemand anders heeft dit intussen gewijzigd." in alert.inner_text()
    assert "Opgeslagen door Rosa Rijnmond (demo)" in alert.inner_text()
    assert bram.get_by_label("Titel").input_value() == B_TITLE  # Bram's text is intact
    assert bram.get_by_label("Korte samenvatting").input_value() == A_SUMMARY  # only Rosa changed it
    their_summary = bram.locator("#their-summary")
    assert "nieuwe afspraken" in their_summary.locator("ins").inner_text()
    assert "Een eerste samenvatting" in their_summary.locator("del").inner_text()
    assert_accessible(bram)
    screenshot(bram, "conflict-merge-view")

    bram.get_by_role("button", name="Opslaan").click()
    bram.wait_for_url(f"**/praktijken/{shared_practice}")
    assert bram.get_by_role("heading", level=1).inner_text().startswith(B_TITLE)
    assert A_SUMMARY in bram.locator("main").inner_text()
