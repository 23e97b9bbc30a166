"""The practice profile (issue 17): validation with Dutch messages, saving and showing it, shared partners,
authorization, the history, the /praktijken filters and the partner suggestions."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from exchange.practices import profile
from exchange.practices.models import Organisation, Practice
from exchange.practices.profile import ProfileData
from exchange.reference.models import Fund, FundAllocation
from tests.web import login, text


@pytest.fixture
def app_nocsrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def plain(response) -> str:
    """The page as text: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text(response))).split())


def edit_form(practice, **changes):
    data = {
        "title": practice.title,
        "summary": practice.summary,
        "body": practice.body,
        "themes": [t.id for t in practice.themes],
        "phase": practice.phase_id,
        "revision": str(practice.revision),
        "age_from": "16",
        "age_to": "27",
        "partners-0-name": "Gemeente Rotterdam",
        "partners-0-kind": "gemeente",
        "partners-1-name": "",
        "partners-1-kind": "",
        "participation_level": "coproducent",
        "participation_note": "Jongeren schreven mee.",
        "evidence_level": "goed-onderbouwd",
        "evidence_url": "https://databank.example.org/interventie/1",
        "evidence_year": "2022",
        "cost_indication": "€ 1.200 per jongere",
        "fund_used": "ja",
        "fund_amount_eur": "100.000",
    }
    data.update(changes)
    return data


def region_cap(db, region) -> int:
    cap = profile.fund_cap(region)
    assert cap is not None
    return cap[0]


def test_staff_saves_a_full_profile_and_the_page_shows_it(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.staff)

    response = client.post(f"/praktijken/{practice.id}/bewerken", data=edit_form(practice))

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Practice, practice.id)
    assert (saved.age_from, saved.age_to) == (16, 27)
    assert [(o.name, o.kind) for o in saved.partners] == [("Gemeente Rotterdam", "gemeente")]
    assert saved.participation_level == "coproducent"
    assert saved.evidence_level == "goed-onderbouwd" and saved.evidence_year == 2022
    assert saved.fund_used is True and saved.fund_amount_eur == 100_000
    page = plain(client.get(f"/praktijken/{practice.id}"))
    assert "Profiel" in page
    assert "16–27 jaar" in page
    assert "Gemeente Rotterdam (Gemeente)" in page
    assert "Coproducent — Jongeren schreven mee." in page
    assert "Goed onderbouwd (2022)" in page
    assert "ja, € 100.000" in page


def test_a_practice_without_profile_shows_no_profile_box(client, cast, make_practice):
    practice = make_practice(publish=True)
    assert "Profiel" not in text(client.get(f"/praktijken/{practice.id}"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"age_from": "100"}, "age_from", "Vul een leeftijd van 0 tot en met 99 jaar in."),
        ({"age_to": "-1"}, "age_to", "Vul een geheel getal in, zonder letters of tekens."),
        ({"age_from": "twaalf"}, "age_from", "Vul een geheel getal in, zonder letters of tekens."),
        ({"age_from": "1²"}, "age_from", "Vul een geheel getal in, zonder letters of tekens."),
        ({"age_from": "18", "age_to": "12"}, "age_to", "De leeftijd 'tot' ligt onder de leeftijd 'van'."),
        (
            {"evidence_url": "http://databank.example.org/x"},
            "evidence_url",
            "De link naar de databank moet beginnen met https:// (zonder spaties).",
        ),
        (
            {"evidence_url": "javascript:alert(1)"},
            "evidence_url",
            "De link naar de databank moet beginnen met https:// (zonder spaties).",
        ),
        ({"evidence_year": "2999"}, "evidence_year", "Vul een jaar van 1990 tot en met"),
        ({"evidence_level": "superieur"}, "evidence_level", "Kies een van de mogelijkheden."),
        ({"participation_level": "baas"}, "participation_level", "Kies een van de mogelijkheden."),
        ({"partners-0-kind": ""}, "partners", "Kies voor elke partner een soort organisatie."),
        ({"partners-0-kind": "bank"}, "partners", "Kies een van de mogelijkheden."),
        ({"fund_used": "nee"}, "fund_amount_eur", "Een bedrag uit het Transformatiefonds hoort bij 'ja'."),
        (
            {"fund_amount_eur": "999999999"},
            "fund_amount_eur",
            "Het bedrag is hoger dan de toekenning van de regio uit het Transformatiefonds",
        ),
    ],
)
def test_bad_profile_input_gets_a_dutch_message_and_saves_nothing(
    client, app_nocsrf, cast, make_practice, db, changes, field, message
):
    practice = make_practice(publish=True)
    login(client, cast.staff)

    response = client.post(f"/praktijken/{practice.id}/bewerken", data=edit_form(practice, **changes))

    assert response.status_code == 422
    assert message in plain(response)
    db.session.expire_all()
    saved = db.session.get(Practice, practice.id)
    assert saved.revision == practice.revision
    assert saved.age_from is None and saved.partner_links == []


def test_fund_share_is_capped_by_the_regions_known_allocation(db, cast):
    fund = db.session.scalar(select(Fund))
    allocation = db.session.scalar(
        select(FundAllocation).where(
            FundAllocation.region_id == cast.region.id, FundAllocation.basis == "annual"
        )
    ) or FundAllocation(fund_id=fund.id, region_id=cast.region.id, basis="annual", source_keys=[])
    allocation.amount_eur = 1_000_000
    db.session.add(allocation)
    db.session.flush()
    years = fund.last_year - fund.first_year + 1

    assert region_cap(db, cast.region) == 1_000_000 * years
    at_cap = ProfileData(fund_used=True, fund_amount_eur=1_000_000 * years)
    above = ProfileData(fund_used=True, fund_amount_eur=1_000_000 * years + 1)
    assert profile.check_profile(at_cap, cast.region) == {}
    assert "fund_amount_eur" in profile.check_profile(above, cast.region)


def test_a_region_without_known_allocation_is_capped_by_the_whole_fund(db, cast):
    db.session.execute(
        FundAllocation.__table__.delete().where(FundAllocation.region_id == cast.other_region.id)
    )
    fund = db.session.scalar(select(Fund))

    errors = profile.check_profile(
        ProfileData(fund_used=True, fund_amount_eur=fund.total_eur + 1), cast.other_region
    )

    assert errors["fund_amount_eur"].startswith("Het bedrag is hoger dan het hele Transformatiefonds")


def test_partners_are_shared_across_practices_by_name_and_kind(db, cast, make_practice):
    one = make_practice("Een", profile=ProfileData(partners=[("Gemeente Rotterdam", "gemeente")]))
    two = make_practice("Twee", profile=ProfileData(partners=[("  gemeente   ROTTERDAM ", "gemeente")]))
    three = make_practice("Drie", profile=ProfileData(partners=[("Gemeente Rotterdam", "anders")]))

    assert one.partners[0].id == two.partners[0].id
    assert three.partners[0].id != one.partners[0].id
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_other_regions_staff_cannot_change_the_profile(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.other_staff)

    response = client.post(f"/praktijken/{practice.id}/bewerken", data=edit_form(practice))

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).age_from is None


def test_the_history_tells_profile_changes_with_labels(client, app_nocsrf, cast, make_practice, db):
    practice = make_practice(publish=True)
    login(client, cast.staff)
    client.post(f"/praktijken/{practice.id}/bewerken", data=edit_form(practice))
    db.session.expire_all()
    practice = db.session.get(Practice, practice.id)
    client.post(
        f"/praktijken/{practice.id}/bewerken",
        data=edit_form(
            practice, evidence_level="sterke-aanwijzingen", **{"partners-0-name": "Gemeente Delft"}
        ),
    )

    page = plain(client.get(f"/praktijken/{practice.id}/geschiedenis"))

    assert "wijzigde Sanne Staf de partners en het profiel" in page
    assert "Mate van onderbouwing" in page
    assert "Effectief volgens sterke aanwijzingen" in page
    assert "Gemeente Delft (Gemeente)" in page


def test_list_filters_on_overlapping_ages_evidence_and_participation(client, cast, make_practice):
    make_practice("Jongvolwassenen", publish=True, profile=ProfileData(age_from=16, age_to=27))
    make_practice(
        "Jonge kinderen",
        publish=True,
        profile=ProfileData(age_from=0, age_to=12, evidence_level="goed-beschreven"),
    )
    make_practice("Zonder leeftijd", publish=True, profile=ProfileData(participation_level="adviseur"))

    teens = text(client.get("/praktijken?leeftijd_van=12&leeftijd_tot=15"))
    adults = text(client.get("/praktijken?leeftijd_van=20"))
    described = text(client.get("/praktijken?onderbouwing=goed-beschreven"))
    advisers = text(client.get("/praktijken?participatie=adviseur"))

    assert "Jonge kinderen" in teens and "Jongvolwassenen" not in teens and "Zonder leeftijd" not in teens
    assert "Jongvolwassenen" in adults and "Jonge kinderen" not in adults
    assert "Jonge kinderen" in described and "Jongvolwassenen" not in described
    assert "Zonder leeftijd" in advisers and "Jonge kinderen" not in advisers


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("leeftijd_van=abc", "Vul een leeftijd van 0 tot en met 99 jaar in."),
        ("leeftijd_van=%C2%B2", "Vul een leeftijd van 0 tot en met 99 jaar in."),
        ("leeftijd_van=150", "Vul een leeftijd van 0 tot en met 99 jaar in."),
        ("leeftijd_van=18&leeftijd_tot=12", "De leeftijd 'tot' ligt onder de leeftijd 'van'."),
    ],
)
def test_a_bad_list_age_gets_a_message_not_an_error(client, cast, make_practice, query, message):
    make_practice("Jongvolwassenen", publish=True, profile=ProfileData(age_from=16, age_to=27))

    response = client.get(f"/praktijken?{query}")

    assert response.status_code == 200
    assert message in plain(response)
    assert "Jongvolwassenen" in plain(response)  # no filter applied


def test_partner_suggestions_for_staff_only(client, cast, make_practice):
    make_practice(profile=ProfileData(partners=[("Gemeente Rotterdam", "gemeente"), ("Roteb", "anders")]))

    assert client.get("/organisaties/suggesties.json?q=rot").status_code == 302  # to the sign-in page
    login(client, cast.coach)
    assert client.get("/organisaties/suggesties.json?q=rot").status_code == 403
    client.post("/uitloggen")
    login(client, cast.other_staff)
    found = client.get("/organisaties/suggesties.json?q=rot").get_json()["organisations"]

    assert [(o["name"], o["kind"], o["kind_label"]) for o in found] == [
        ("Roteb", "anders", "Anders"),
        ("Gemeente Rotterdam", "gemeente", "Gemeente"),
    ]
    assert client.get("/organisaties/suggesties.json?q=r").get_json() == {"organisations": []}
    assert client.get("/organisaties/suggesties.json?q=%25").get_json() == {"organisations": []}
