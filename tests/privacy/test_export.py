"""Personal data export: an account holder downloads everything held about them as JSON from the account page;
subscribers without an account get the digests' signed data link (the same subscription data)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from exchange import audit
from exchange.accounts.models import User
from exchange.digests import services as digests
from exchange.digests import tokens
from exchange.digests.models import Frequency
from exchange.errors import NotAllowed
from exchange.practices.models import FeedbackMessage, Practice
from exchange.privacy.export import export_account_data
from exchange.reference.models import CyclePhase, Region, Theme

URL = "/account/mijn-gegevens.json"


@pytest.fixture
def person(db, reference, make_user):
    """A functionary with a theme, an assignment, a digest subscription, feedback and audit events; and an
    administrator and another person whose data must not show up."""
    theme = db.session.scalar(select(Theme).where(Theme.slug == "onderwijs-zorg"))
    region = db.session.scalar(select(Region).where(Region.code == "JZ29"))
    admin = make_user("admin", email="admin@ozj.example", name="Adam Admin")
    other = make_user("staff", region="JZ29", email="ander@rijnmond.example", name="Anna Ander")
    user = make_user(
        "functionary",
        themes=[theme],
        coaches=[(region, None)],
        email="fleur@ozj.example",
        name="Fleur Functionaris",
    )
    phase = db.session.scalar(select(CyclePhase).order_by(CyclePhase.position))
    practice = Practice(
        region_id=region.id,
        phase_id=phase.id,
        title="Thuiszitterstafel",
        summary="-",
        contact_name="Fleur",
        contact_email="Fleur@OZJ.example",
    )
    practice.themes = [theme]
    db.session.add(practice)
    db.session.flush()
    db.session.add(FeedbackMessage(practice_id=practice.id, author_id=user.id, body="Meet ook het verzuim."))
    db.session.add(FeedbackMessage(practice_id=practice.id, author_id=other.id, body="Bericht van Anna."))
    audit.record("theme_linked", actor=admin, subject=user, ip="198.51.100.7", theme="onderwijs-zorg")
    audit.record("role_changed", actor=user, subject=other, ip="203.0.113.5", old="staff", new="staff")
    digests.subscribe_account(
        user, digests.Choice([theme], [region], Frequency.WEEKLY), text="Ik wil het overzicht."
    )
    db.session.commit()
    return user


def test_the_account_page_links_to_the_download(client, auth, person):
    auth.login(person)
    html = client.get("/account").get_data(as_text=True)
    assert f'href="{URL}"' in html


def test_the_download_holds_everything_about_the_person(client, auth, person):
    auth.login(person)
    response = client.get(URL)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert (data["format"], data["version"]) == ("jeugdkennis-personal-data", 1)
    assert data["account"]["email"] == "fleur@ozj.example" and data["account"]["role"] == "functionary"
    assert [t["slug"] for t in data["themes"]] == ["onderwijs-zorg"]
    assert data["coaching_assignments"][0]["region"]["code"] == "JZ29"
    assert data["coaching_assignments"][0]["all_themes"] is True
    subscriptions = data["subscriptions"]
    assert subscriptions["email"] == "fleur@ozj.example"
    assert subscriptions["subscriptions"][0]["theme"] == "onderwijs-zorg"
    assert subscriptions["consents"][0]["text"] == "Ik wil het overzicht."
    assert [m["body"] for m in data["feedback_messages"]] == ["Meet ook het verzuim."]
    assert [p["title"] for p in data["authored"]["practices_naming_you_as_contact"]] == ["Thuiszitterstafel"]
    actions = {(e["action"], e["by"], e["about"]) for e in data["audit_events"]}
    assert ("theme_linked", "admin", "you") in actions
    assert ("role_changed", "you", "another account") in actions
    assert any(e["action"] == "login" and e["by"] == "you" for e in data["audit_events"])


def test_the_download_holds_nothing_about_other_people(client, auth, person):
    auth.login(person)
    text = client.get(URL).get_data(as_text=True)
    for foreign in (
        "ander@rijnmond.example",
        "Anna Ander",
        "Bericht van Anna",
        "admin@ozj.example",
        "Adam Admin",
        "198.51.100.7",
    ):
        assert foreign not in text
    events = json.loads(text)["audit_events"]
    changed = next(e for e in events if e["action"] == "role_changed")
    assert (
        changed["details"] == {} and changed["ip"] == "203.0.113.5"
    )  # their own address, not the other's data


def test_without_a_subscription_the_part_is_empty(client, auth, make_user, reference):
    user = make_user("staff", region="zeeland")
    auth.login(user)
    data = client.get(URL).json
    assert data["subscriptions"] is None and data["account"]["region"]["slug"] == "zeeland"


def test_signing_in_is_required(client, reference):
    response = client.get(URL)
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_only_the_account_holder_may_export(db, person):
    other = db.session.scalar(select(User).where(User.email == "ander@rijnmond.example"))
    admin = db.session.scalar(select(User).where(User.email == "admin@ozj.example"))
    for actor in (other, admin, None):
        with pytest.raises(NotAllowed):
            export_account_data(actor, person)


def test_subscribers_without_an_account_use_the_signed_data_link(client, db, reference):
    theme = db.session.scalar(select(Theme).where(Theme.slug == "vakmanschap"))
    consent = digests.request_subscription(
        "lezer@example.org", digests.Choice([theme], [], Frequency.MONTHLY), text="Stuur mij het overzicht."
    )
    digests.confirm_subscription(consent)
    db.session.commit()
    subscriber = digests.find_subscriber("lezer@example.org")
    response = client.get(f"/abonnementen/gegevens/{tokens.data_token(subscriber.key)}/download")
    assert response.status_code == 200
    assert response.json == json.loads(json.dumps(digests.export_data(subscriber), default=str))
    assert response.json["consents"][0]["text"] == "Stuur mij het overzicht."
