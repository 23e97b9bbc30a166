"""Subscription pages: double opt-in, never revealing known addresses, signed links, one-click unsubscribe,
data and erasure, rate limits, bad input without a 500, and the administrators' pages."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import render_template_string
from markupsafe import escape
from sqlalchemy import func, select, update

from exchange.database import utcnow
from exchange.digests import tokens
from exchange.digests.models import (
    Consent,
    Delivery,
    DeliveryStatus,
    DigestRun,
    Frequency,
    RunStatus,
    Subscriber,
    Subscription,
    subscription_region,
)
from exchange.digests.services import consent_text, consent_version
from tests.digests.conftest import WEEK

CONFIRM_RE = re.compile(r"http://127\.0\.0\.1:5000(/abonnementen/bevestigen/[^\s\"<]+)")
MANAGE_RE = re.compile(r"http://127\.0\.0\.1:5000(/abonnementen/beheer/[^\s\"<>]+)")
DATA_RE = re.compile(r"http://127\.0\.0\.1:5000(/abonnementen/gegevens/[^\s\"<]+)")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def form(csrf_token, **changes) -> dict:
    data = {
        "csrf_token": csrf_token,
        "email": "Lezer@Example.org",
        "themes": ["onderwijs-zorg"],
        "frequency": "weekly",
        "consent_version": consent_version(consent_text()),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def subscribe(client, csrf, reference):
    """subscribe(**changes) -> the response to posting the subscribe form like a browser."""

    def post(**changes):
        return client.post("/abonnementen/aanmelden", data=form(csrf("/abonnementen"), **changes))

    return post


def confirm_path(message) -> str:
    return CONFIRM_RE.search(message.body).group(1)


def test_subscribing_records_consent_and_mails_a_confirmation_link_only(db, subscribe, outbox):
    response = subscribe(regions=["zeeland"], frequency="monthly")
    assert response.status_code == 302 and response.headers["Location"] == "/abonnementen/aangemeld"
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.email == "lezer@example.org" and subscriber.confirmed_at is None
    assert count(db, Subscription) == 0, "nothing takes effect before the link is followed"
    consent = subscriber.consents[0]
    assert consent.text == consent_text() and consent.given_at and consent.confirmed_at is None
    assert consent.request == {
        "themes": ["onderwijs-zorg"],
        "regions": ["zeeland"],
        "frequency": "monthly",
        "language": "nl",
    }
    (message,) = outbox
    assert message.recipients == ["lezer@example.org"] and confirm_path(message)
    assert "maandelijkse" in message.body and message.html


def test_confirming_applies_the_request_once_and_repeats_kindly(db, client, csrf, subscribe, outbox):
    subscribe(regions=["zeeland"], frequency="monthly")
    path = confirm_path(outbox[0])
    page = client.get(path)
    assert page.status_code == 200 and "Ja, bevestig mijn aanmelding" in page.get_data(as_text=True)
    assert count(db, Subscription) == 0, "opening the link (a mail scanner) confirms nothing"

    token = csrf(path)
    first = client.post(path, data={"csrf_token": token})
    assert first.status_code == 200 and "Aanmelding bevestigd" in first.get_data(as_text=True)
    subscriber = db.session.scalar(select(Subscriber))
    (subscription,) = subscriber.subscriptions
    assert subscriber.confirmed_at and subscriber.frequency == Frequency.MONTHLY
    assert [r.slug for r in subscription.regions] == ["zeeland"] and subscription.confirmed_at
    assert subscriber.consents[0].confirmed_at

    again = client.post(path, data={"csrf_token": token})
    assert again.status_code == 200 and "al bevestigd" in again.get_data(as_text=True)
    assert "al bevestigd" in client.get(path).get_data(as_text=True)
    assert count(db, Subscription) == 1


def test_a_known_address_gets_the_same_answer_and_the_same_mail_flow(db, client, csrf, subscribe, outbox):
    first = subscribe()
    client.post(confirm_path(outbox[0]), data={"csrf_token": csrf(confirm_path(outbox[0]))})
    second = subscribe(themes=["pleegzorg-gezinshuizen"])
    unknown = subscribe(email="nieuw@example.org")
    assert first.status_code == second.status_code == unknown.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == unknown.headers["Location"]
    assert len(outbox) == 3 and all(confirm_path(m) for m in outbox)
    # Every confirmation mail carries the manage link (issue 16); only the owner of a known address (not the
    # person filling in the form) reads that there is a subscription already.
    assert MANAGE_RE.search(outbox[1].body) and MANAGE_RE.search(outbox[2].body)
    assert "U hebt al een abonnement" in outbox[1].body and "U hebt al een abonnement" not in outbox[2].body
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == "lezer@example.org"))
    assert [s.theme.slug for s in subscriber.subscriptions] == ["onderwijs-zorg"], (
        "not added before confirmation"
    )


def test_an_expired_confirmation_link_says_so(app, db, client, csrf, subscribe, outbox):
    subscribe()
    db.session.execute(
        update(Consent).values(given_at=utcnow() - app.config["DIGEST_CONFIRM_VALID_FOR"] - timedelta(1))
    )
    db.session.commit()
    path = confirm_path(outbox[0])
    response = client.post(path, data={"csrf_token": csrf(path)})
    assert response.status_code == 410 and "verlopen" in response.get_data(as_text=True)
    assert count(db, Subscription) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "Vul een e-mailadres in."),
        ({"email": "geen-adres"}, "geen geldig e-mailadres"),
        ({"email": "iemand@localhost"}, "geen geldig e-mailadres"),
        ({"email": "a" * 250 + "@example.org"}, "Hoogstens 254 tekens"),
        ({"themes": None}, "Kies ten minste één thema."),
        ({"themes": ["bestaat-niet"]}, "bestaat niet"),
        ({"regions": ["atlantis"]}, "bestaat niet"),
        ({"frequency": "elk-uur"}, "Kies een van de mogelijkheden."),
        ({"consent_version": "oud"}, "toestemmingstekst is intussen gewijzigd"),
    ],
)
def test_bad_input_is_refused_clearly_without_a_subscriber_or_mail(db, subscribe, outbox, changes, message):
    response = subscribe(**changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Subscriber) == 0 and outbox == []


def test_posting_without_a_csrf_token_is_refused(client, reference, db):
    response = client.post("/abonnementen/aanmelden", data=form(None))
    assert response.status_code == 400 and count(db, Subscriber) == 0


def test_a_flood_of_subscribe_requests_is_rate_limited_in_dutch(app, subscribe):
    app.config["DIGEST_SUBSCRIBE_LIMIT"] = "3 per hour"
    answers = [subscribe(email=f"lezer{n}@example.org").status_code for n in range(3)]
    flooded = subscribe(email="nog-een@example.org")
    assert answers == [302, 302, 302] and flooded.status_code == 429
    assert "Te veel verzoeken" in flooded.get_data(as_text=True)


def test_one_address_cannot_be_mail_bombed(app, subscribe, outbox):
    app.config["DIGEST_SUBSCRIBE_LIMIT_PER_EMAIL"] = "2 per hour"
    answers = [subscribe(email="doelwit@example.org").status_code for _ in range(3)]
    assert answers == [302, 302, 429] and len(outbox) == 2


@pytest.fixture
def subscriber(cast, make_subscriber):
    return make_subscriber("lezer@example.org", [cast.theme, cast.other_theme], regions=[cast.region])


def test_one_click_unsubscribe_acts_at_once_without_csrf(client, db, subscriber):
    url = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}"
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert count(db, Subscription) == 0
    assert db.session.get(Subscriber, subscriber.id).left_at is not None
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200, "idempotent"


def test_one_click_with_a_theme_link_leaves_only_that_theme(client, db, cast, subscriber):
    first = subscriber.subscriptions[0]
    response = client.post(
        f"/abonnementen/beheer/{tokens.manage_token(subscriber.key, first.id)}",
        data={"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert [s.theme_id for s in db.session.scalars(select(Subscription))] == [cast.other_theme.id]


def test_the_link_opened_in_a_browser_offers_leave_theme_frequency_and_everything(
    client, db, cast, subscriber, csrf
):
    first = subscriber.subscriptions[0]
    path = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key, first.id)}"
    html = client.get(path).get_data(as_text=True)
    assert f"Geen nieuws meer over {cast.theme.name}" in html
    assert "Frequentie opslaan" in html and "Afmelden voor alle thema" in html

    token = csrf(path)
    leave = client.post(f"{path}/thema/{first.id}/opzeggen", data={"csrf_token": token})
    assert leave.status_code == 302 and count(db, Subscription) == 1
    assert "U ontvangt dit thema al niet meer" in client.get(path).get_data(as_text=True)

    frequency = client.post(f"{path}/frequentie", data={"csrf_token": token, "frequency": "daily"})
    assert frequency.status_code == 302
    assert db.session.scalar(select(Subscriber.frequency)) == Frequency.DAILY

    everything = client.post(f"{path}/alles-opzeggen", data={"csrf_token": token})
    assert everything.status_code == 302 and count(db, Subscription) == 0


def test_the_forms_on_the_link_page_need_csrf(client, db, subscriber):
    path = f"/abonnementen/beheer/{tokens.manage_token(subscriber.key)}"
    assert client.post(f"{path}/alles-opzeggen").status_code == 400
    assert client.post(f"{path}/frequentie", data={"frequency": "daily"}).status_code == 400
    assert count(db, Subscription) == 2


def good_tokens(subscriber):
    return {
        "manage": tokens.manage_token(subscriber.key),
        "confirm": tokens.confirm_token(subscriber.consents[0].key),
        "data": tokens.data_token(subscriber.key),
    }


@pytest.mark.parametrize("kind", ["manage", "confirm", "data"])
@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t[:-3],  # truncated
        lambda t: t[: len(t) // 2],
        # Tampered signature (not its last character: its low bits are padding and may decode the same).
        lambda t: t[:-6] + ("A" if t[-6] != "A" else "B") + t[-5:],
        lambda t: "x" + t[1:],  # tampered payload
        lambda t: "",
        lambda t: "a" * 400,
        lambda t: "%C3%A9%00",
    ],
)
def test_tampered_or_truncated_tokens_answer_404_never_500(app, client, subscriber, kind, spoil):
    with app.test_request_context():
        token = spoil(good_tokens(subscriber)[kind])
    paths = {
        "manage": [("get", "/abonnementen/beheer/{}"), ("post", "/abonnementen/beheer/{}")],
        "confirm": [("get", "/abonnementen/bevestigen/{}")],
        "data": [("get", "/abonnementen/gegevens/{}"), ("get", "/abonnementen/gegevens/{}/download")],
    }[kind]
    for method, template in paths:
        path = template.format(token)
        response = getattr(client, method)(path)
        # An empty token makes "//" in the path, which Werkzeug redirects (308) to the merged path.
        assert response.status_code == (308 if "//" in path else 404), (method, path, response.status_code)


def test_a_token_of_another_kind_is_refused(client, subscriber):
    data_token = tokens.data_token(subscriber.key)
    assert client.get(f"/abonnementen/beheer/{data_token}").status_code == 404
    assert client.get(f"/abonnementen/gegevens/{tokens.manage_token(subscriber.key)}").status_code == 404


def test_links_of_an_erased_subscriber_answer_kindly(client, db, subscriber):
    token = tokens.manage_token(subscriber.key)
    db.session.execute(update(Subscriber).values(key="een-andere-sleutel"))
    db.session.commit()
    assert (
        client.post(f"/abonnementen/beheer/{token}", data={"List-Unsubscribe": "One-Click"}).status_code
        == 200
    )
    page = client.get(f"/abonnementen/beheer/{token}")
    assert page.status_code == 200 and "niet (meer) bij ons ingeschreven" in page.get_data(as_text=True)


def test_asking_for_links_never_reveals_whether_an_address_is_known(client, csrf, subscriber, outbox):
    known = client.post(
        "/abonnementen/links", data={"csrf_token": csrf("/abonnementen"), "email": "Lezer@example.org"}
    )
    unknown = client.post(
        "/abonnementen/links", data={"csrf_token": csrf("/abonnementen"), "email": "vreemd@example.org"}
    )
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    (message,) = outbox
    assert (
        message.recipients == ["lezer@example.org"]
        and DATA_RE.search(message.body)
        and MANAGE_RE.search(message.body)
    )


def test_a_subscriber_downloads_everything_held_and_erases_it(app, client, db, csrf, subscriber):
    db.session.add(
        Delivery(
            subscriber_id=subscriber.id,
            frequency=Frequency.WEEKLY,
            period_start=WEEK.start,
            period_end=WEEK.end,
            status=DeliveryStatus.SENT,
            attempts=1,
            message_id="<m@x>",
            sent_at=utcnow(),
        )
    )
    db.session.commit()
    with app.test_request_context():
        path = f"/abonnementen/gegevens/{tokens.data_token(subscriber.key)}"
    assert "Download alles (JSON)" in client.get(path).get_data(as_text=True)
    download = client.get(f"{path}/download")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["email"] == "lezer@example.org" and len(data["subscriptions"]) == 2
    assert data["subscriptions"][0]["regions"] == ["rotterdam-rijnmond"]
    assert data["consents"][0]["text"] and data["consents"][0]["confirmed_at"]
    assert data["deliveries"][0]["status"] == "sent" and data["deliveries"][0]["message_id"] == "<m@x>"

    confirm_page = client.get(f"{path}/wissen")
    assert confirm_page.status_code == 200 and "Al uw gegevens wissen?" in confirm_page.get_data(as_text=True)
    erased = client.post(f"{path}/wissen", data={"csrf_token": csrf(f"{path}/wissen")})
    assert erased.status_code == 200 and "Gegevens gewist" in erased.get_data(as_text=True)
    for model in (Subscriber, Subscription, Consent, Delivery, subscription_region):
        assert count(db, model) == 0, model
    assert client.get(f"{path}/download").status_code == 404


def test_an_expired_data_link_says_so(app, client, subscriber, monkeypatch):
    with app.test_request_context():
        token = tokens.data_token(subscriber.key)
    app.config["DIGEST_DATA_LINK_VALID_FOR"] = timedelta(seconds=-1)
    response = client.get(f"/abonnementen/gegevens/{token}")
    assert response.status_code == 410 and "verlopen" in response.get_data(as_text=True)


def test_signed_in_people_manage_subscriptions_of_their_account_address(
    client, db, auth, make_user, cast, make_subscriber, csrf
):
    user = make_user("staff", email="sanne@example.org")
    make_subscriber("sanne@example.org", [cast.theme])
    make_subscriber("iemand-anders@example.org", [cast.other_theme])
    auth.login(user)
    html = client.get("/abonnementen").get_data(as_text=True)
    assert cast.theme.name in html and "Opzeggen" in html and "iemand-anders" not in html

    response = client.post(
        "/abonnementen/mijn/aanmelden",
        data=form(csrf("/abonnementen"), email=None, themes=[cast.other_theme.slug]),
    )
    assert response.status_code == 302
    mine = db.session.scalar(select(Subscriber).where(Subscriber.email == "sanne@example.org"))
    assert sorted(s.theme.slug for s in mine.subscriptions) == sorted(
        [cast.theme.slug, cast.other_theme.slug]
    )
    assert mine.consents[-1].source == "account" and mine.consents[-1].confirmed_at


def test_the_subscribe_include_works_on_a_theme_page(app, client, db, cast, outbox):
    with app.test_request_context("/themas/" + cast.theme.slug):
        html = render_template_string('{% include "digests/_subscribe_form.html" %}', theme=cast.theme)
    assert 'action="/abonnementen/aanmelden/controleren"' in html and f'value="{cast.theme.slug}"' in html
    assert 'autocomplete="email"' in html and str(escape(consent_text())) in html
    # No token: the theme page is the same stored page for every visitor, without a session of its own.
    assert 'name="csrf_token"' not in html


def test_the_theme_page_form_only_leads_to_the_protected_form(client, db, cast, outbox):
    """Posting the theme page's form stores and sends nothing: it shows the same choices in the subscribe form
    with a CSRF token, and only that form (with the token) subscribes."""
    checked = client.post(
        "/abonnementen/aanmelden/controleren",
        data={
            "email": " lezer@example.org ",
            "themes": [cast.theme.slug, "bestaat-niet"],
            "regions": [cast.region.slug],
            "frequency": "monthly",
            "language": "en",
            "consent_version": consent_version(consent_text()),
        },
    )
    assert checked.status_code == 200
    html = checked.get_data(as_text=True)
    assert "Controleer uw gegevens en klik op Aanmelden" in html
    assert 'value="lezer@example.org"' in html
    assert re.search(rf'<input[^>]*checked[^>]*value="{cast.theme.slug}"', html) or re.search(
        rf'<input[^>]*value="{cast.theme.slug}"[^>]*checked', html
    )
    assert re.search(rf'<input[^>]*value="{cast.region.slug}"[^>]*checked', html) or re.search(
        rf'<input[^>]*checked[^>]*value="{cast.region.slug}"', html
    )
    assert "bestaat-niet" not in html
    assert count(db, Subscriber) == 0 and outbox == []
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    # The final step keeps its CSRF protection: without the token nothing happens.
    refused = client.post("/abonnementen/aanmelden", data=form(None))
    assert refused.status_code == 400 and count(db, Subscriber) == 0 and outbox == []
    sent = client.post("/abonnementen/aanmelden", data=form(token))
    assert sent.status_code == 302 and count(db, Subscriber) == 1 and len(outbox) == 1


def test_the_check_step_takes_bad_input_without_a_500(client, db, cast, outbox):
    answer = client.post(
        "/abonnementen/aanmelden/controleren",
        data={"email": "x" * 5000, "themes": ["<script>"], "frequency": "yearly", "language": "fr"},
    )
    assert answer.status_code == 200 and "<script>" not in answer.get_data(as_text=True)
    assert count(db, Subscriber) == 0 and outbox == []
    assert client.post("/abonnementen/aanmelden/controleren").status_code == 200


def test_administrators_see_runs_and_preview_anyones_next_digest(
    client, db, auth, make_user, cast, subscriber, publish
):
    publish("Deze week nieuw", utcnow())
    db.session.add(
        DigestRun(
            frequency=Frequency.WEEKLY,
            period_start=WEEK.start,
            period_end=WEEK.end,
            run_for=WEEK.end,
            status=RunStatus.PARTIAL,
            considered=3,
            sent=2,
            failed=1,
            finished_at=utcnow(),
            error="451 Temporary failure",
        )
    )
    db.session.commit()
    staff = make_user("staff")
    auth.login(staff)
    assert client.get("/beheer/themaoverzichten").status_code == 403
    assert client.get(f"/beheer/themaoverzichten/abonnees/{subscriber.id}").status_code == 403
    auth.logout()

    auth.login(make_user("admin"))
    runs = client.get("/beheer/themaoverzichten?email=lezer").get_data(as_text=True)
    assert (
        "week van 3 t/m 9 maart 2025" in runs
        and "451 Temporary failure" in runs
        and "lezer@example.org" in runs
    )
    preview = client.get(f"/beheer/themaoverzichten/abonnees/{subscriber.id}")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Deze week nieuw" in text and "List-Unsubscribe" in text
    html = client.get(f"/beheer/themaoverzichten/abonnees/{subscriber.id}/html")
    assert html.status_code == 200 and "Deze week nieuw" in html.get_data(as_text=True)
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    empty = client.get(f"/beheer/themaoverzichten/abonnees/{subscriber.id}?periode=vorige")
    assert "er gaat geen e-mail uit" in empty.get_data(as_text=True)


def test_visitors_are_sent_to_sign_in_for_admin_pages(client, reference):
    response = client.get("/beheer/themaoverzichten")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
