"""Each role signs in and lands on its workspace, which passes axe; staff reach a task from it by clicking."""

from __future__ import annotations

import pytest

from tests.web import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("who", "heading"),
    [
        ("rijnmond", "Concepten van uw regio"),
        ("functionaris.vakmanschap", "Concepten die wachten"),
        ("beheerder", "Openstaande uitnodigingen"),
    ],
)
def test_each_role_lands_on_an_accessible_workspace(new_page, live_server, assert_accessible, who, heading):
    page = new_page()
    sign_in(page, live_server, who)
    assert page.url == live_server("/werkruimte"), page.url
    assert page.get_by_role("heading", level=2, name=heading).is_visible()
    assert_accessible(page)


def test_staff_add_a_result_from_the_workspace(new_page, live_server):
    page = new_page()
    sign_in(page, live_server, "rijnmond")
    page.get_by_role("link", name="Mijn werkruimte").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Resultaat toevoegen").click()
    assert page.url.endswith("/resultaten/nieuw"), page.url
    assert page.get_by_role("heading", level=1).is_visible()
