"""Error pages that say why and lead back, the API's JSON errors unchanged, and the form error summary that
takes the focus after a failed post (markup here; the focusing script is a static file under the CSP)."""

from __future__ import annotations

import re

import pytest

from exchange.errors import NotAllowed
from exchange.policy import require
from exchange.security import CONTENT_SECURITY_POLICY
from tests.test_translations import english  # noqa: F401  (the compiled English catalog)
from tests.web import login, post, text


def main_part(response) -> str:
    return text(response).split('id="main"', 1)[1]


def test_admin_pages_say_only_administrators_can_and_link_to_the_workspace(client, cast):
    login(client, cast.staff)
    response = client.get("/beheer/mensen")
    assert response.status_code == 403
    main = main_part(response)
    assert "Alleen beheerders kunnen dit." in main
    assert 'class="utrecht-link error-back" href="/werkruimte">Naar mijn werkruimte' in main
    assert 'href="/">Naar de homepagina' in main


def test_the_link_back_is_the_local_page_the_visitor_came_from(client, cast):
    login(client, cast.staff)
    response = client.get("/beheer/mensen", headers={"Referer": "http://localhost/praktijken?pagina=2"})
    assert 'class="utrecht-link error-back" href="/praktijken?pagina=2"' in main_part(response)
    assert "Terug naar de vorige pagina" in main_part(response)


@pytest.mark.parametrize(
    "referrer", ["https://evil.example/praktijken", "javascript:alert(1)", "//evil.example/"]
)
def test_a_foreign_referrer_is_never_the_link_back(client, cast, referrer):
    login(client, cast.staff)
    response = client.get("/beheer/mensen", headers={"Referer": referrer})
    main = main_part(response)
    # Signed in, the way back is the workspace.
    assert 'class="utrecht-link error-back" href="/werkruimte"' in main
    assert "evil.example" not in main and "javascript:" not in main


def test_the_api_keeps_its_json_errors(client, reference):
    response = client.get("/api/v1/practices/999999")
    assert response.status_code == 404 and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == 404 and error["code"] and set(error["message"]) == {"nl", "en"}


def test_refusal_names_both_regions_for_staff_of_another_region(db, cast, make_practice):
    practice = make_practice(publish=True)
    with pytest.raises(NotAllowed) as refused:
        require(cast.other_staff, "practice.edit", practice)
    assert refused.value.text() == (
        "Dit praktijkvoorbeeld hoort bij regio Rotterdam Rijnmond; u werkt voor regio Zeeland."
    )
    assert refused.value.code == "forbidden:practice.edit"
    assert refused.value.back is None  # no request: no page to link to (command line)


def test_refusal_about_a_hidden_draft_does_not_reveal_it(db, cast, make_practice):
    draft = make_practice("Geheim concept")
    with pytest.raises(NotAllowed) as refused:
        require(cast.other_staff, "practice.edit", draft)
    assert refused.value.text() == "U hebt geen toestemming voor deze actie."
    assert refused.value.back is None


def test_refusal_reads_in_english_on_the_english_site(english, reference, client):
    from tests import world

    with english.app_context():  # no long-lived context: each request picks its own locale
        cast = world.build_cast()
        practice_id = world.practice(cast, publish=True).id
        other_staff = cast.other_staff.email
    login(client, other_staff)
    client.get("/?lang=en")
    response = client.get(f"/praktijken/{practice_id}/bewerken")
    assert response.status_code == 403
    body = main_part(response)
    assert "This practice belongs to region Rotterdam Rijnmond; you work for region Zeeland." in body
    assert "Back to ‘Thuiszitterstafel’" in body


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*>.*?</div>', html, re.DOTALL)
    assert match, "no error summary"
    return match.group(0)


def test_error_summary_is_focusable_with_a_heading_and_links_to_the_fields(client, reference):
    response = post(client, "/inloggen", {"email": "", "password": ""}, form_page="/inloggen")
    assert response.status_code == 422
    summary = _summary(text(response))
    assert 'tabindex="-1"' in summary and "data-error-summary" in summary
    heading = re.search(r'<h2 class="error-summary__title" id="([^"]+)">', summary)
    assert heading and f'aria-labelledby="{heading.group(1)}"' in summary
    assert 'href="#email"' in summary and 'href="#password"' in summary
    assert 'id="email"' in text(response) and 'id="password"' in text(response)


def test_error_summary_links_a_checkbox_group_to_its_first_box(client, cast):
    login(client, cast.staff)
    response = post(
        client,
        "/praktijken/nieuw",
        {"title": "Iets", "summary": "Kort", "phase": str(cast.phases[0].id)},
    )
    assert response.status_code == 422
    summary = _summary(text(response))
    assert 'href="#themes-0"' in summary and 'id="themes-0"' in text(response)


def test_a_failed_form_loads_the_focus_script_from_a_file_allowed_by_the_csp(client, reference):
    failed = text(post(client, "/inloggen", {"email": "", "password": ""}, form_page="/inloggen"))
    assert re.search(r'<script src="/static/js/form-errors\.js\?v=[0-9a-f]{12}" defer></script>', failed)
    assert "<script>" not in failed
    # Pages without errors run no script at all (the home page's JSON-LD is data, not a script that runs).
    home = re.sub(
        r'<script type="application/ld\+json">.*?</script>', "", text(client.get("/")), flags=re.DOTALL
    )
    assert "<script" not in home
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    script = client.get("/static/js/form-errors.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    body = script.get_data(as_text=True)
    assert "[data-error-summary]" in body and ".focus(" in body
    script.close()
