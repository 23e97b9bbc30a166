"""Edits never lose work: a practice save that meets someone else's save comes back with the user's text,
their change as a word diff, and the current revision, so the next save goes through."""

from __future__ import annotations

import html
import re

from exchange.practices import services
from exchange.practices.conflicts import word_diff
from exchange.practices.models import Practice, PracticeRevision
from tests.web import csrf_token_from, login, text

MESSAGE = (
    "Iemand anders heeft dit intussen gewijzigd. Uw tekst staat hieronder nog; vergelijk en sla opnieuw op."
)
MINE = "Zoë’s ‘jeugd’ — café: mijn eigen samenvatting, lang getypt."


def _form(practice, token: str, **changes) -> dict:
    data = {
        "csrf_token": token,
        "title": practice.title,
        "summary": practice.summary,
        "body": practice.body,
        "themes": [t.id for t in practice.themes],
        "phase": practice.phase_id,
        "revision": str(practice.revision),
    }
    data.update(changes)
    return data


def _someone_else_edits(db, cast, practice, **changes) -> None:
    data = services.PracticeData(
        title=changes.get("title", practice.title),
        summary=changes.get("summary", practice.summary),
        body=changes.get("body", practice.body),
        themes=list(practice.themes),
        phase=practice.phase,
    )
    other = cast.admin if changes.pop("as_admin", False) else None
    services.update_practice(other or cast.staff, practice, data, expected_revision=practice.revision)
    db.session.commit()


def _field_value(page: str, name: str) -> str:
    textarea = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.DOTALL)
    if textarea:
        return html.unescape(textarea.group(1))
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page
    )
    assert match, f"no field {name}"
    return html.unescape(match.group(1))


def test_stale_save_returns_the_users_text_with_their_change_and_the_next_save_wins(
    client, cast, make_practice, make_user, db
):
    practice = make_practice(body="Eerste alinea over de aanpak.")
    colleague = make_user("staff", region=cast.region, name="Bea Collega")
    login(client, cast.staff)
    page = f"/praktijken/{practice.id}/bewerken"
    token = csrf_token_from(client, page)
    opened = _form(practice, token, summary=MINE, title="Mijn titel")
    data = services.PracticeData(
        title="Titel van Bea",
        summary=practice.summary,
        body="Eerste alinea over de nieuwe aanpak.",
        themes=list(practice.themes),
        phase=practice.phase,
    )
    services.update_practice(colleague, practice, data, expected_revision=1)
    db.session.commit()

    response = client.post(page, data=opened)

    assert response.status_code == 409
    body = text(response)
    assert html.escape(MESSAGE, quote=False) in body or MESSAGE.replace("'", "&#39;") in body
    assert _field_value(body, "summary") == MINE
    assert _field_value(body, "title") == "Mijn titel"  # both changed the title: the user's text stays
    assert _field_value(body, "body") == "Eerste alinea over de nieuwe aanpak."  # only they changed it
    assert _field_value(body, "revision") == "2"
    assert "Bea Collega" in body
    assert '<span class="visually-hidden">toegevoegd: </span>nieuwe' in body  # their word, marked inserted
    assert '<span class="visually-hidden">toegevoegd: </span>Titel van Bea' in body
    assert 'id="their-title"' in body and 'id="their-body"' in body and 'id="their-summary"' not in body
    assert "U wijzigde dit veld ook" in body and "hun versie staat nu in het formulier" in body
    assert "@@" not in body  # no diff hunk headers
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).summary != MINE

    fields = ("title", "summary", "body", "revision")
    again = client.post(page, data={**opened, **{name: _field_value(body, name) for name in fields}})

    assert again.status_code == 302
    assert again.location.endswith(f"/praktijken/{practice.id}")
    db.session.expire_all()
    saved = db.session.get(Practice, practice.id)
    assert (saved.summary, saved.title, saved.revision) == (MINE, "Mijn titel", 3)
    assert saved.body == "Eerste alinea over de nieuwe aanpak."  # their change, untouched by the user
    assert db.session.query(PracticeRevision).filter_by(practice_id=practice.id).count() == 3
    follow = client.get(again.location)
    assert "De wijzigingen zijn opgeslagen." in text(follow)


def test_stale_save_without_the_csrf_token_is_refused(client, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.staff)
    _someone_else_edits(db, cast, practice, title="Van een ander")

    response = client.post(
        f"/praktijken/{practice.id}/bewerken",
        data={**_form(practice, "", title="Mijn titel"), "revision": "1"},
    )

    assert response.status_code == 400
    assert "Het formulier is verlopen" in text(response)
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).title == "Van een ander"


def test_another_regions_staff_still_gets_403_on_a_stale_save(client, cast, make_practice, db):
    # Published: another region's draft answers 404 like a missing one (tests/practices/test_hidden.py).
    practice = make_practice(publish=True)
    _someone_else_edits(db, cast, practice, title="Van een ander")
    login(client, cast.other_staff)
    token = csrf_token_from(client, "/account")

    response = client.post(
        f"/praktijken/{practice.id}/bewerken",
        data={**_form(practice, token, title="Overname"), "revision": "1"},
    )

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).title == "Van een ander"


def test_unknown_start_revision_compares_their_version_with_the_users_text(client, cast, make_practice, db):
    practice = make_practice()
    login(client, cast.staff)
    token = csrf_token_from(client, f"/praktijken/{practice.id}/bewerken")

    response = client.post(
        f"/praktijken/{practice.id}/bewerken", data=_form(practice, token, title="Mijn titel", revision="7")
    )

    assert response.status_code == 409
    body = text(response)
    assert _field_value(body, "title") == "Mijn titel"
    assert _field_value(body, "revision") == "1"
    assert 'id="their-title"' in body


def test_word_diff_marks_words_and_shortens_long_unchanged_text():
    before = " ".join(f"woord{i}" for i in range(60)) + " einde"
    after = " ".join(f"woord{i}" for i in range(60)) + " slot"

    pieces = word_diff(before, after)

    assert [(p.kind, p.text) for p in pieces if p.kind != "same"] == [("del", "einde"), ("ins", "slot")]
    assert pieces[0].kind == "same" and pieces[0].text.startswith(" … ")
    assert len(pieces[0].text) < len(before) // 2
