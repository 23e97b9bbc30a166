"""An action line has one name on every page: its number and short label, with the full title where there is room."""

from __future__ import annotations

import html as html_lib

from sqlalchemy import select

from exchange.extensions import db
from exchange.reference.models import ActionLine, Theme
from tests import world


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html_lib.unescape(response.get_data(as_text=True))


def test_every_page_uses_the_same_name(client, cast):
    line = db.session.scalar(select(ActionLine).where(ActionLine.number == 3))
    theme = db.session.scalar(select(Theme).where(Theme.action_line_id == line.id))
    practice = world.practice(cast, "Samen naar school", publish=True, themes=[theme], action_lines=[line])
    label = f"3. {line.short}"
    full = f"{label}: {line.title}"
    pages = {
        "/actielijnen": full,
        "/actielijnen/3": label,
        "/themas": label,
        f"/themas/{theme.slug}": label,
        f"/praktijken/{practice.id}": label,
        "/praktijken": label,
        "/": full,
    }
    for url, name in pages.items():
        assert name in text(client, url), f"{url} does not call action line 3 {name!r}"
    assert line.title in text(client, "/actielijnen/3")
