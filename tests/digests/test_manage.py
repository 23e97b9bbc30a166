"""The manage page (the never-expiring link in every digest and confirmation mail): add themes and regions,
choose the language, and erase everything only after a confirmation page of its own; the footer link to it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from exchange.digests import services, tokens
from exchange.digests.models import Consent, Subscriber
from exchange.extensions import db as _db


@pytest.fixture
def reader(cast, make_subscriber):
    return make_subscriber("lezer@example.org", [cast.theme])


def manage_path(subscriber) -> str:
    return f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}"


def post_choices(client, csrf, subscriber, **fields):
    path = manage_path(subscriber)
    data = {
        "csrf_token": csrf(path),
        "consent_version": services.consent_version(services.consent_text()),
        "language": "nl",
        **fields,
    }
    return client.post(f"{path}/wijzigen", data=data)


def test_the_manage_page_shows_what_is_followed_in_a_form(client, cast, reader):
    html = client.get(manage_path(reader)).get_data(as_text=True)
    followed = re.search(rf'<input[^>]*name="themes"[^>]*value="{cast.theme.slug}"[^>]*>', html).group(0)
    other = re.search(rf'<input[^>]*name="themes"[^>]*value="{cast.other_theme.slug}"[^>]*>', html).group(0)
    assert "checked" in followed and "checked" not in other
    assert f'value="{cast.other_theme.slug}"' in html  # another theme can be added
    assert "/wijzigen" in html and 'name="regions"' in html and 'name="language"' in html


def test_themes_and_regions_can_be_added_from_the_manage_page(client, csrf, db, cast, reader):
    response = post_choices(
        client,
        csrf,
        reader,
        themes=[cast.theme.slug, cast.other_theme.slug],
        regions=[cast.other_region.slug],
        language="en",
    )
    assert response.status_code == 302 and response.headers["Location"] == manage_path(reader)
    db.session.expire_all()
    subscriber = db.session.get(Subscriber, reader.id)
    assert sorted(s.theme.slug for s in subscriber.subscriptions) == sorted(
        [cast.theme.slug, cast.other_theme.slug]
    )
    assert all([r.slug for r in s.regions] == [cast.other_region.slug] for s in subscriber.subscriptions)
    assert subscriber.language == "en"
    consent = db.session.scalars(select(Consent).where(Consent.subscriber_id == reader.id)).all()[-1]
    assert consent.source == "manage" and consent.confirmed_at is not None
    assert consent.request["themes"] == [cast.theme.slug, cast.other_theme.slug]


def test_saving_without_any_theme_is_refused_in_dutch(client, csrf, db, cast, reader):
    response = post_choices(client, csrf, reader, themes=[])
    assert response.status_code == 422
    assert "Kies ten minste één thema." in response.get_data(as_text=True)
    db.session.expire_all()
    assert [s.theme_id for s in db.session.get(Subscriber, reader.id).subscriptions] == [cast.theme.id]


def test_an_unknown_language_or_theme_is_refused_not_a_500(client, csrf, cast, reader):
    bad_language = post_choices(client, csrf, reader, themes=[cast.theme.slug], language="fr")
    assert bad_language.status_code == 422 and "Kies Nederlands of Engels." in bad_language.get_data(
        as_text=True
    )
    bad_theme = post_choices(client, csrf, reader, themes=["bestaat-niet"])
    assert bad_theme.status_code == 422 and "bestaat niet" in bad_theme.get_data(as_text=True)


def test_changing_choices_needs_the_csrf_token(client, cast, reader):
    response = client.post(f"{manage_path(reader)}/wijzigen", data={"themes": [cast.other_theme.slug]})
    assert response.status_code == 400
    _db.session.expire_all()
    assert len(_db.session.get(Subscriber, reader.id).subscriptions) == 1


def test_erasing_everything_asks_on_its_own_page_first(client, csrf, db, reader):
    path = f"{manage_path(reader)}/wissen"
    page = client.get(path)
    assert page.status_code == 200 and "Al uw gegevens wissen?" in page.get_data(as_text=True)
    assert db.session.get(Subscriber, reader.id) is not None, "showing the page erases nothing"
    assert client.post(path, data={}).status_code == 400  # no CSRF token: nothing happens
    assert db.session.get(Subscriber, reader.id) is not None
    erased = client.post(path, data={"csrf_token": csrf(path)})
    assert erased.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Subscriber).where(Subscriber.email == "lezer@example.org")) is None


@pytest.mark.parametrize("lang, label", [("nl", "Nieuwsbrieven per thema"), ("en", "Newsletters by theme")])
def test_every_page_links_to_the_newsletters_in_its_footer(client, reference, lang, label):
    for path in (f"/?lang={lang}", "/privacy", "/regios"):
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index('class="site-footer"') :]
        assert f'<a class="utrecht-link" href="/abonnementen">{label}</a>' in footer, path
