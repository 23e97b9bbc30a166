"""The profile in the import/export format: version 2 carries it, version 1 is still read (and keeps it)."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import delete, select

from exchange.practices.models import Organisation, Practice, PracticePartner
from tests.practices.test_importer import document, errors_of, export_doc, imported, item, wipe_practices  # noqa: F401

PROFILE = {
    "age_from": 12,
    "age_to": 23,
    "partners": [
        {"name": "Gemeente Rotterdam", "kind": "gemeente"},
        {"name": "Het Lyceum", "kind": "school"},
    ],
    "participation_level": "mede-eigenaar",
    "participation_note": "Jongeren beslissen mee.",
    "evidence_level": "eerste-aanwijzingen",
    "evidence_url": "https://databank.example.org/interventie/7",
    "evidence_year": 2021,
    "cost_indication": "€ 800 per traject",
    "fund_used": True,
    "fund_amount_eur": 50_000,
}


def v2(*items) -> dict:
    return {**document(*items), "version": 2}


def stored(db, external_id="ext-1") -> Practice:
    return db.session.scalar(select(Practice).where(Practice.external_id == external_id))


def test_version_2_imports_the_profile(imported, db):
    imported(v2(item(1, profile=PROFILE)))

    practice = stored(db)
    assert (practice.age_from, practice.age_to) == (12, 23)
    assert [(o.name, o.kind) for o in practice.partners] == [
        ("Gemeente Rotterdam", "gemeente"),
        ("Het Lyceum", "school"),
    ]
    assert practice.participation_level == "mede-eigenaar"
    assert practice.evidence_level == "eerste-aanwijzingen" and practice.evidence_year == 2021
    assert practice.fund_used is True and practice.fund_amount_eur == 50_000


def test_export_writes_version_2_with_the_profile_and_round_trips(imported, db):
    imported(v2(item(1, profile=PROFILE), item(2)))
    first = export_doc()

    assert first["version"] == 2
    assert first["practices"][0]["profile"] == PROFILE
    assert first["practices"][1]["profile"]["partners"] == []
    assert first["practices"][1]["profile"]["evidence_level"] is None
    wipe_practices(db)
    db.session.execute(delete(PracticePartner))
    db.session.execute(delete(Organisation))
    db.session.commit()
    imported(copy.deepcopy(first))
    second = export_doc()
    for doc in (first, second):
        doc.pop("exported_at")
    assert second == first


def test_version_1_is_still_read_and_keeps_a_stored_profile(imported, db):
    imported(v2(item(1, profile=PROFILE)))
    revision = stored(db).revision

    report = imported(document(item(1, title="Nieuwe titel")))

    practice = stored(db)
    assert report.updated == 1
    assert practice.title == "Nieuwe titel" and practice.revision == revision + 1
    assert practice.age_from == 12 and practice.partners[0].name == "Gemeente Rotterdam"


def test_an_empty_profile_in_version_2_clears_it(imported, db):
    imported(v2(item(1, profile=PROFILE)))

    imported(v2(item(1, profile={})))

    practice = stored(db)
    assert practice.age_from is None and practice.partners == [] and practice.evidence_level is None


def test_a_profile_in_a_version_1_file_is_refused(reference, db):
    assert errors_of(document(item(1, profile=PROFILE))) == [
        "practices[0] (ext-1).profile: een profiel kan pas vanaf versie 2 van het formaat"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"age_from": 30}, "profile.age_to: De leeftijd 'tot' ligt onder de leeftijd 'van'."),
        ({"age_to": 120}, "profile.age_to: Vul een leeftijd van 0 tot en met 99 jaar in."),
        ({"age_from": "12"}, "profile.age_from: moet een geheel getal zijn, niet '12'"),
        (
            {"evidence_url": "http://databank.example.org/x"},
            "profile.evidence_url: De link naar de databank moet beginnen met https:// (zonder spaties).",
        ),
        ({"evidence_level": "top"}, "profile.evidence_level: onbekende waarde 'top'"),
        ({"partners": [{"name": "X", "kind": "bank"}]}, "profile.partners[0].kind: onbekende waarde 'bank'"),
        ({"partners": [{"name": "X"}]}, "profile.partners[0].kind: ontbreekt"),
        ({"fund_used": "ja"}, "profile.fund_used: moet true, false of null zijn, niet tekst"),
        (
            {"fund_amount_eur": 10**12},
            "profile.fund_amount_eur: Het bedrag is hoger dan de toekenning van de regio uit het Transformatiefonds",
        ),
        ({"colour": "blauw"}, "profile.colour"),
    ],
)
def test_bad_profile_values_are_listed_with_their_place(reference, db, changes, expected):
    errors = errors_of(v2(item(1, profile={**PROFILE, **changes})))

    assert len(errors) == 1
    assert errors[0].startswith(f"practices[0] (ext-1).{expected}"), errors
    assert db.session.scalar(select(Practice)) is None
