"""RFC 8058 one-click unsubscribe acts only on `List-Unsubscribe=One-Click`, a theme's link leaves that theme
only, and subscription links answer the same whether or not their subscriber still exists."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from exchange.digests import tokens
from exchange.digests.models import Consent, Subscriber, Subscription
from tests.web import login

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')  # every form's, the sign-out form's too


@pytest.fixture
def subscriber(cast, make_subscriber):
    return make_subscriber("lezer@example.org", [cast.theme, cast.other_theme], regions=[cast.region])


def themes_followed(db) -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Subscription.theme_id)))


def test_one_click_with_its_body_leaves_everything(client, db, subscriber):
    response = client.post(f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}", data=ONE_CLICK)
    assert response.status_code == 200 and response.get_data(as_text=True) == "U bent afgemeld.\n"
    assert themes_followed(db) == []
    assert db.session.get(Subscriber, subscriber.id).left_at is not None


def test_one_click_sent_as_multipart_form_data_counts_too(client, db, subscriber):
    path = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}"
    response = client.post(path, data=ONE_CLICK, content_type="multipart/form-data")
    assert response.status_code == 200 and themes_followed(db) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"List-Unsubscribe": "one-click"},
        {"List-Unsubscribe": "Yes"},
        {"List-Unsubscribe-Post": "One-Click"},
        {"unsubscribe": "1"},
    ],
)
def test_a_post_without_the_one_click_body_changes_nothing(client, db, cast, subscriber, body):
    response = client.post(f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}", data=body)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert "List-Unsubscribe=One-Click" in response.get_data(as_text=True)
    assert themes_followed(db) == sorted([cast.theme.id, cast.other_theme.id])
    assert db.session.get(Subscriber, subscriber.id).left_at is None


def test_the_body_as_a_json_document_or_query_string_is_not_one_click(client, db, cast, subscriber):
    path = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}"
    assert client.post(path, json=ONE_CLICK).status_code == 400
    assert client.post(f"{path}?List-Unsubscribe=One-Click").status_code == 400
    assert len(themes_followed(db)) == 2


def test_opening_the_link_never_unsubscribes(client, db, subscriber):
    path = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}"
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200
    assert len(themes_followed(db)) == 2


def test_a_themes_link_leaves_that_theme_only_and_only_once(client, db, cast, subscriber):
    first = next(s for s in subscriber.subscriptions if s.theme_id == cast.theme.id)
    path = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key, first.id)}"

    assert client.post(path, data=ONE_CLICK).status_code == 200
    assert themes_followed(db) == [cast.other_theme.id]
    assert db.session.get(Subscriber, subscriber.id).left_at is None

    assert client.post(path, data=ONE_CLICK).status_code == 200, "a second click is harmless"
    assert themes_followed(db) == [cast.other_theme.id]


def test_a_themes_link_after_following_it_again_leaves_nothing_else(client, db, cast, subscriber):
    """An old link names a subscription that has gone; following the theme again is a new subscription."""
    first = next(s for s in subscriber.subscriptions if s.theme_id == cast.theme.id)
    old_link = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key, first.id)}"
    client.post(old_link, data=ONE_CLICK)
    again = db.session.get(Subscriber, subscriber.id)
    again.subscriptions.append(Subscription(theme=cast.theme, confirmed_at=again.confirmed_at))
    db.session.commit()

    assert client.post(old_link, data=ONE_CLICK).status_code == 200
    assert themes_followed(db) == sorted([cast.theme.id, cast.other_theme.id])


def _same(response) -> tuple:
    return (
        response.status_code,
        response.headers.get("Location"),
        _TOKEN.sub("", response.get_data(as_text=True)),
    )


def test_links_of_an_erased_subscriber_answer_like_links_of_one_that_never_was(app, client, db, subscriber):
    erased = tokens.manage_token(subscriber.key)
    db.session.execute(update(Subscriber).values(key="een-andere-sleutel"))
    db.session.commit()
    never = tokens.manage_token("nooit-uitgegeven-sleutel")

    for suffix, method, data in [
        ("", "get", None),
        ("", "post", ONE_CLICK),
        ("", "post", {}),
        ("/alles-opzeggen", "post", {}),
        ("/frequentie", "post", {"frequency": "daily"}),
        ("/thema/1/opzeggen", "post", {}),
        ("/wissen", "post", {}),
    ]:
        answers = []
        for token in (erased, never):
            path = f"/abonnementen/beheer/{token}{suffix}"
            if method == "get":
                response = client.get(path)
            else:
                # The page's forms carry a CSRF token; the one-click POST (no suffix) is a mail client's.
                form = {**(data or {}), **({"csrf_token": _csrf(client)} if suffix else {})}
                response = client.post(path, data=form)
            body = _same(response)
            answers.append((body[0], body[1], body[2].replace(token, "(link)")))
        assert answers[0] == answers[1], (suffix, method, answers[0][0], answers[1][0])
        assert answers[0][0] < 500


def _csrf(client) -> str:
    page = client.get("/abonnementen").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_confirmation_link_of_an_erased_subscriber_answers_like_one_never_sent(app, client, db, subscriber):
    consent = db.session.scalar(select(Consent).where(Consent.subscriber_id == subscriber.id))
    erased = tokens.confirm_token(consent.key)
    db.session.execute(update(Consent).values(key="weg"))
    db.session.commit()
    never = tokens.confirm_token("nooit-verstuurd")
    data = {"csrf_token": _csrf(client)}
    for method in ("get", "post"):
        first = getattr(client, method)(f"/abonnementen/bevestigen/{erased}", data=data)
        second = getattr(client, method)(f"/abonnementen/bevestigen/{never}", data=data)
        assert first.status_code == second.status_code == 404
        assert _same(first)[2].replace(erased, "") == _same(second)[2].replace(never, "")


def test_a_subscriber_id_of_the_admin_preview_is_not_revealed_to_others(client, cast, subscriber):
    login(client, cast.staff)
    existing = client.get(f"/beheer/themaoverzichten/abonnees/{subscriber.id}")
    missing = client.get("/beheer/themaoverzichten/abonnees/2147483647")
    assert existing.status_code == missing.status_code == 403
    assert client.get(f"/beheer/themaoverzichten/abonnees/{subscriber.id}/html").status_code == 403
    assert client.get("/beheer/themaoverzichten/abonnees/2147483647/html").status_code == 403
    login(client, cast.admin)
    assert client.get("/beheer/themaoverzichten/abonnees/2147483647").status_code == 404
