"""The header's "Inloggen" link: back to the page being read after signing in, except from the home page
(people who sign in there land on their workspace)."""

from __future__ import annotations

import re

from tests.web import text

SIGN_IN_LINK = re.compile(r'<a class="utrecht-link" href="(/inloggen[^"]*)">Inloggen</a>')


def sign_in_link(client, path: str) -> str:
    match = SIGN_IN_LINK.search(text(client.get(path)))
    assert match, f"no sign-in link on {path}"
    return match.group(1)


def test_sign_in_link_brings_people_back_to_the_page_they_read(client, reference):
    assert sign_in_link(client, "/regios") == "/inloggen?next=/regios"


def test_sign_in_link_on_the_home_page_leads_to_the_workspace(client, reference):
    assert sign_in_link(client, "/") == "/inloggen"
