"""Loading reference data: complete, idempotent, validated whole, and respectful of administrators' edits."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from exchange.errors import Invalid
from exchange.reference.models import (
    ActionLine,
    CyclePhase,
    Fund,
    FundAllocation,
    Region,
    Theme,
    TransformationPlan,
)
from exchange.reference.seeding import load_reference, parse_approx_eur, read_reference_file


@pytest.fixture
def data():
    return read_reference_file()


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_loads_all_reference_data(db, data):
    report = load_reference(data)
    db.session.commit()
    assert count(db, Region) == 42
    assert count(db, ActionLine) == 6
    assert count(db, Theme) == len(data["themes"])
    assert count(db, CyclePhase) == 6
    assert count(db, TransformationPlan) == 42
    assert report.created["regions"] == 42
    fund = db.session.scalar(select(Fund))
    assert (fund.total_eur, fund.per_year_eur, fund.first_year, fund.last_year) == (
        108_000_000,
        36_000_000,
        2018,
        2020,
    )
    assert fund.municipalities_eur == fund.state_eur == 54_000_000
    assert fund.assessed_on.isoformat() == "2018-11-23"


def test_second_run_changes_nothing(db, data):
    load_reference(data)
    db.session.commit()
    report = load_reference(copy.deepcopy(data))
    assert not report.changed
    assert report.unchanged["regions"] == 42


def test_line_four_reports_nineteen_plans(reference, db):
    line = db.session.scalar(select(ActionLine).where(ActionLine.number == 4))
    assert line.reported_plan_count == 19


def test_known_allocations_are_read_as_amounts(reference, db):
    rows = {a.region.code: a for a in db.session.scalars(select(FundAllocation))}
    assert rows["JZ29"].amount_eur == 2_700_000 and rows["JZ29"].basis == "annual"
    assert rows["JZ43"].amount_eur == 194_000
    assert rows["JZ16"].basis == "total" and rows["JZ16"].amount_eur == 1_500_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ruim 2,7 miljoen", 2_700_000),
        ("nog geen 194.000", 194_000),
        ("circa 1,5 miljoen", 1_500_000),
        ("onbekend", None),
    ],
)
def test_parse_approx_eur(text, expected):
    assert parse_approx_eur(text) == expected


def test_administrator_edits_are_kept_unless_overwrite(db, data):
    load_reference(data)
    region = db.session.scalar(select(Region).where(Region.code == "JZ20"))
    region.central_municipality = "Leusden"
    db.session.commit()

    report = load_reference(data)
    db.session.commit()
    assert region.central_municipality == "Leusden"
    assert "regio:JZ20.central_municipality" in report.kept

    report = load_reference(data, overwrite=True)
    db.session.commit()
    assert region.central_municipality == "Amersfoort"
    assert report.updated["regions"] == 1


def test_unverified_fields_are_recorded(reference, db):
    region = db.session.scalar(select(Region).where(Region.code == "JZ28"))
    assert "municipalities" in region.unverified
    assert "display_name" in region.unverified  # 'Centraal Gelderland' is an unverified common name


def _broken(data, mutate):
    broken = copy.deepcopy(data)
    mutate(broken)
    return broken


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.pop("regions"), "regions: ontbreekt"),
        (lambda d: d["regions"][3].pop("code"), "regions[3].code: ontbreekt"),
        (lambda d: d["regions"][1].update(code=d["regions"][0]["code"]), "dubbele waarde"),
        (lambda d: d["regions"][0].update(slug="Niet Goed"), "regions[0].slug: ongeldige waarde"),
        (lambda d: d["themes"][0].update(action_line=9), "onbekende actielijn 9"),
        (lambda d: d["action_lines"][0].update(number="een"), "action_lines[0].number: verkeerd type"),
        (lambda d: d["fund"].update(assessed_on="23-11-2018"), "fund.assessed_on: geen geldige datum"),
        (lambda d: d["fund"]["allocations_known"][0].update(region_code="JZ99"), "onbekende regio 'JZ99'"),
        (lambda d: d["development_cycle"][1].update(order=1), "development_cycle.order: dubbele waarde"),
    ],
)
def test_broken_file_writes_nothing_and_names_every_error(db, data, mutate, fragment):
    with pytest.raises(Invalid) as excinfo:
        load_reference(_broken(data, mutate))
    db.session.rollback()
    problems = [f"{place}: {message}" for place, message in excinfo.value.fields.items()]
    assert any(fragment in e for e in problems), excinfo.value.details
    assert count(db, Region) == 0
    assert count(db, Theme) == 0


def test_every_problem_at_one_place_is_kept(db, data):
    broken = _broken(data, lambda d: d["regions"].extend([dict(d["regions"][0]), dict(d["regions"][1])]))
    with pytest.raises(Invalid) as excinfo:
        load_reference(broken)
    db.session.rollback()
    first, second = data["regions"][0], data["regions"][1]
    assert excinfo.value.text() == "Het referentiebestand bevat fouten; er is niets gewijzigd."
    assert excinfo.value.fields == {
        "regions.code": f"dubbele waarde {first['code']!r}; dubbele waarde {second['code']!r}",
        "regions.slug": f"dubbele waarde {first['slug']!r}; dubbele waarde {second['slug']!r}",
    }


def test_unreadable_file_gives_clear_message(tmp_path):
    path = tmp_path / "ref.json"
    path.write_text('{"regions": [', encoding="utf-8")
    with pytest.raises(Invalid, match="Geen geldige JSON"):
        read_reference_file(path)
    with pytest.raises(Invalid, match="niet gevonden"):
        read_reference_file(tmp_path / "missing.json")


def test_a_value_added_to_the_file_later_fills_the_gap_without_overwrite(db, data):
    import copy

    from exchange.reference.models import Theme

    older = copy.deepcopy(data)
    for theme in older["themes"]:
        theme.pop("name_en", None)
    load_reference(older)
    db.session.commit()
    theme = db.session.scalar(select(Theme).where(Theme.slug == "wachtlijstaanpak"))
    theme.name = "Wachtlijsten aanpakken"  # an administrator's edit
    db.session.commit()

    report = load_reference(data)
    db.session.commit()
    assert theme.name_en == "Tackling waiting lists"  # the gap is filled
    assert theme.name == "Wachtlijsten aanpakken"  # the edit is kept
    # The edited theme counts as kept (its name), the other 15 as updated.
    assert report.kept == ["thema:wachtlijstaanpak.name"] and report.updated["themes"] == 15
