"""Bulk import: whole-file validation, updates instead of duplicates, cycle steps, results, and round trips."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from exchange.errors import Invalid
from exchange.practices import transfer
from exchange.practices.models import (
    CycleStep,
    FeedbackMessage,
    Practice,
    PracticeLink,
    PracticeRevision,
    Result,
    Status,
    practice_action_line,
    practice_theme,
)
from exchange.practices.transfer import export

TODAY = date.today()


def item(n: int = 1, **changes) -> dict:
    """A valid practice of the import format; `changes` replace fields (None removes one)."""
    record = {
        "external_id": f"ext-{n}",
        "region": "JZ29",
        "title": f"Thuiszitterstafel {n}",
        "summary": "Onderwijs en jeugdhulp zoeken samen een plek voor elke thuiszitter.",
        "body": "## Aanpak\n\n- Eén tafel\n- Eén plan",
        "themes": ["onderwijs-zorg"],
        "action_lines": [3],
        "phase": "meten",
        "status": "published",
        "target_group": "Thuiszitters",
        "contact": {"name": "Sanne de Vries", "email": "sanne@example.org"},
        "period": {"start": "2020-01-01", "end": None},
        "links": [{"title": "Plan", "url": "https://example.org/plan.pdf"}],
        "created": "2020-01-06",
        "published": "2020-02-03",
        "cycle_steps": [
            {"from": None, "to": "uitvoeren", "date": "2020-01-06", "explanation": "Start van de pilot."},
            {
                "from": "uitvoeren",
                "to": "meten",
                "date": "2021-03-01",
                "explanation": "De pilot draait een jaar; nu meten.",
            },
        ],
        "results": [
            {
                "indicator": "Aantal thuiszitters",
                "value": 64,
                "unit": "jongeren",
                "measured_on": "2020-06-01",
                "phase": "uitvoeren",
            },
            {
                "indicator": "Aantal thuiszitters",
                "value": 41,
                "unit": "jongeren",
                "baseline": 64,
                "target": 30,
                "measured_on": "2021-06-01",
                "narrative": "Daling na de invoering van de tafel.",
            },
        ],
    }
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def document(*items, **top) -> dict:
    return {"format": "jeugdkennis-practices", "version": 1, "practices": list(items), **top}


def errors_of(doc) -> list[str]:
    """The problems as the CLI lists them: one "place: message" per place (Invalid.fields), in file order."""
    with pytest.raises(Invalid) as excinfo:
        transfer.import_practices(doc)
    assert set(excinfo.value.details) == {"fields"}
    return [f"{place}: {message}" for place, message in excinfo.value.fields.items()]


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def export_doc() -> dict:
    """The export of every practice, parsed."""
    from io import StringIO

    out = StringIO()
    export.write_export(out, export.export_stmt())
    return json.loads(out.getvalue())


def wipe_practices(db) -> None:
    for table in (PracticeRevision, Result, CycleStep, PracticeLink, FeedbackMessage):
        db.session.execute(delete(table))
    db.session.execute(delete(practice_theme))
    db.session.execute(delete(practice_action_line))
    db.session.execute(delete(Practice))
    db.session.commit()


@pytest.fixture
def imported(reference, db):
    """Import a document, commit, and return the report."""

    def run(doc, **kwargs):
        report = transfer.import_practices(doc, **kwargs)
        db.session.commit()
        db.session.expire_all()
        return report

    return run


def test_import_creates_practices_through_the_services(imported, db):
    report = imported(
        document(item(1), item(2, status="draft", published=None, cycle_steps=None, phase="verkennen"))
    )
    assert (report.created, report.updated, report.results_added) == (2, 0, 4)
    first = db.session.scalar(select(Practice).where(Practice.external_id == "ext-1"))
    assert first.status == Status.PUBLISHED and first.phase.slug == "meten" and first.created_by_id is None
    assert [(s.from_phase.slug if s.from_phase else None, s.to_phase.slug) for s in first.steps] == [
        (None, "uitvoeren"),
        ("uitvoeren", "meten"),
    ]
    assert first.steps[1].explanation == "De pilot draait een jaar; nu meten."
    assert first.created_at.date() == date(2020, 1, 6) and first.published_at.date() == date(2020, 2, 3)
    assert {r.value for r in first.results} == {Decimal(64), Decimal(41)}
    assert [r.phase.slug for r in sorted(first.results, key=lambda r: r.measured_on)] == [
        "uitvoeren",
        "meten",
    ]
    # Same bookkeeping as the pages: a revision for create, the move and publishing.
    assert count(db, PracticeRevision) == 3 + 1
    second = db.session.scalar(select(Practice).where(Practice.external_id == "ext-2"))
    assert second.status == Status.DRAFT and second.steps[0].to_phase.slug == "verkennen"


def test_invalid_file_writes_nothing_and_lists_every_error(reference, db):
    bad = item(3, external_id="ext-12", themes=["onderwijs-zorg", "xyz"], phase="nergens", title="")
    bad["results"][0]["value"] = "veel"
    bad["results"][1]["measured_on"] = (TODAY + timedelta(days=1)).isoformat()
    doc = document(item(1), item(2, region="JZ99"), "geen object", bad)
    errors = errors_of(doc)
    assert "practices[1] (ext-2).region: onbekende regio 'JZ99'" in errors
    assert "practices[2]: moet een object zijn, niet tekst" in errors
    assert "practices[3] (ext-12).themes: onbekend thema 'xyz'" in errors
    assert "practices[3] (ext-12).phase: onbekende fase 'nergens'" in errors
    assert "practices[3] (ext-12).title: is leeg" in errors
    assert "practices[3] (ext-12).results[0].value: geen getal ('veel')" in errors
    assert any(
        e.startswith("practices[3] (ext-12).results[1].measured_on: ligt in de toekomst") for e in errors
    )
    assert len(errors) == 7
    db.session.rollback()
    assert count(db, Practice) == 0 and count(db, Result) == 0 and count(db, PracticeRevision) == 0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "x" * 201}, "practices[0] (ext-1).title: te lang (201 tekens, maximaal 200)"),
        ({"summary": "   "}, "practices[0] (ext-1).summary: is leeg"),
        ({"summary": None}, "practices[0] (ext-1).summary: ontbreekt"),
        ({"themes": []}, "practices[0] (ext-1).themes: kies minstens één thema"),
        ({"action_lines": [7]}, "practices[0] (ext-1).action_lines: onbekende actielijn 7"),
        (
            {"status": "weg"},
            "practices[0] (ext-1).status: onbekende status 'weg' (kies draft, published of archived)",
        ),
        ({"region": "nergenshuizen"}, "practices[0] (ext-1).region: onbekende regio 'nergenshuizen'"),
        (
            {"created": "2020-02-30"},
            "practices[0] (ext-1).created: geen geldige datum '2020-02-30' (verwacht JJJJ-MM-DD)",
        ),
        (
            {"contact": {"email": "sanne@"}},
            "practices[0] (ext-1).contact.email: geen geldig e-mailadres 'sanne@'",
        ),
        (
            {"links": [{"url": "javascript:alert(1)"}]},
            "practices[0] (ext-1).links[0].url: moet beginnen met https://",
        ),
        (
            {"period": {"start": "2021-01-01", "end": "2020-01-01"}},
            "practices[0] (ext-1).period.end: ligt vóór period.start",
        ),
        ({"titel": "Typo"}, "practices[0] (ext-1).titel: onbekend veld"),
        ({"body": "a\x00b"}, "practices[0] (ext-1).body: bevat een NUL-teken"),
        ({"status": "draft"}, "practices[0] (ext-1).published: alleen bij status published of archived"),
    ],
)
def test_each_bad_field_gets_a_clear_message(reference, db, changes, expected):
    errors = errors_of(document(item(1, **changes)))
    assert any(e.startswith(expected) for e in errors), errors


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"value": True}, ".value: geen getal (true)"),
        ({"value": None}, ".value: ontbreekt"),
        ({"value": Decimal("1e12")}, ".value: getal buiten bereik"),
        ({"baseline": Decimal("1.23456")}, ".baseline: te veel decimalen"),
        ({"indicator": ""}, ".indicator: is leeg"),
        ({"unit": "x" * 41}, ".unit: te lang"),
        ({"phase": "later"}, ".phase: onbekende fase 'later'"),
        ({"measured_on": "01-06-2021"}, ".measured_on: geen geldige datum"),
    ],
)
def test_bad_results_are_reported_with_their_place(reference, db, change, expected):
    record = item(1)
    record["results"][1].update(change)
    errors = errors_of(document(record))
    assert any(e.startswith("practices[0] (ext-1).results[1]" + expected) for e in errors), errors


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([{"from": "verkennen", "to": "meten", "date": "2020-01-01"}], "cycle_steps[0].from: de eerste stap"),
        (
            [
                {"to": "uitvoeren", "date": "2020-01-01"},
                {"from": "uitvoeren", "to": "meten", "date": "2021-01-01", "explanation": "kort"},
            ],
            "cycle_steps[1].explanation: te kort",
        ),
        (
            [
                {"to": "uitvoeren", "date": "2021-01-01"},
                {
                    "from": "uitvoeren",
                    "to": "meten",
                    "date": "2020-01-01",
                    "explanation": "Terug in de tijd gaat niet.",
                },
            ],
            "cycle_steps[1].date: ligt vóór de vorige stap (2021-01-01)",
        ),
        (
            [
                {"to": "ontwerpen", "date": "2020-01-01"},
                {
                    "from": "uitvoeren",
                    "to": "meten",
                    "date": "2021-01-01",
                    "explanation": "Sluit niet aan op de vorige.",
                },
            ],
            "cycle_steps[1].from: 'uitvoeren' sluit niet aan",
        ),
    ],
)
def test_bad_cycle_steps_are_reported(reference, db, steps, expected):
    errors = errors_of(document(item(1, cycle_steps=steps)))
    assert any(e.startswith("practices[0] (ext-1)." + expected) for e in errors), errors


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([], "(bestand): moet een object zijn, niet een lijst"),
        (
            {"format": "iets anders", "version": 1, "practices": []},
            "format: moet 'jeugdkennis-practices' zijn",
        ),
        ({"format": "jeugdkennis-practices", "version": 3, "practices": []}, "version: alleen versie 1 en 2"),
        ({"format": "jeugdkennis-practices", "version": 1}, "practices: ontbreekt"),
        (
            {"format": "jeugdkennis-practices", "version": 1, "practices": {}},
            "practices: moet een lijst zijn",
        ),
        (
            {"format": "jeugdkennis-practices", "version": 1, "practices": [], "extra": 1},
            "(bestand).extra: onbekend veld",
        ),
    ],
)
def test_wrong_top_level_shape(reference, db, doc, expected):
    assert any(e.startswith(expected) for e in errors_of(doc))


def test_several_problems_at_one_place_share_its_message_in_order(reference, db):
    bad = item(1, themes=["xyz", "onderwijs-zorg", "abc"])
    bad["results"][0].update(value="veel", measured_on="gisteren")
    with pytest.raises(Invalid) as excinfo:
        transfer.import_practices(document(bad, item(2, title="")))
    assert excinfo.value.text() == "Het bestand bevat 5 fout(en); er is niets geïmporteerd."
    assert excinfo.value.fields == {
        "practices[0] (ext-1).themes": "onbekend thema 'xyz'; onbekend thema 'abc'",
        "practices[0] (ext-1).results[0].value": "geen getal ('veel')",
        "practices[0] (ext-1).results[0].measured_on": "geen geldige datum 'gisteren' (verwacht JJJJ-MM-DD)",
        "practices[1] (ext-2).title": "is leeg",
    }


def test_duplicate_external_ids_in_one_file(reference, db):
    errors = errors_of(document(item(1), item(1, title="Anders")))
    assert "practices[1] (ext-1).external_id: dubbel, ook gebruikt bij practices[0]" in errors


@pytest.mark.parametrize("text", ['{"format": ', "NaN", "\ufeff[1, 2"])
def test_malformed_json_is_a_clear_error(text):
    with pytest.raises(Invalid) as excinfo:
        transfer.parse_document(text, "x.json")
    assert excinfo.value.text().startswith("Geen geldige JSON in x.json")


def _with_repeat(text: str, inside: str, key: str, value: str) -> str:
    """`text` with `"key": value` added once more right after the first `inside` (a JSON fragment)."""
    at = text.index(inside) + len(inside)
    return text[:at] + f' "{key}": {value},' + text[at:]


def test_a_repeated_key_is_refused_with_its_place(reference, db):
    text = json.dumps(document(item(1), item(2), item(3)))
    text = _with_repeat(text, '{"external_id": "ext-3",', "title", '"Nog een titel"')
    with pytest.raises(Invalid) as excinfo:
        transfer.parse_document(text, "x.json")
    assert excinfo.value.fields == {"practices[2] (ext-3)": "sleutel 'title' staat er twee keer in"}
    assert excinfo.value.text() == "x.json bevat 1 dubbele sleutel(s); er is niets geïmporteerd."


def test_every_repeated_key_is_listed_at_every_depth(reference, db):
    text = json.dumps(document(item(1)))
    text = _with_repeat(text, '{"format": "jeugdkennis-practices",', "version", "2")
    text = _with_repeat(text, '"contact": {"name": "Sanne de Vries",', "name", '"Sanne"')
    text = _with_repeat(text, '"indicator": "Aantal thuiszitters", "value": 41,', "value", "40")
    text = _with_repeat(text, '"indicator": "Aantal thuiszitters", "value": 41,', "value", "39")
    with pytest.raises(Invalid) as excinfo:
        transfer.parse_document(text)
    assert excinfo.value.fields == {
        "(bestand)": "sleutel 'version' staat er twee keer in",
        "practices[0] (ext-1).contact": "sleutel 'name' staat er twee keer in",
        "practices[0] (ext-1).results[1]": "sleutel 'value' staat er 3 keer in",
    }


def test_the_same_key_in_different_objects_is_no_repeat(reference, db):
    doc = transfer.parse_document(json.dumps(document(item(1), item(2))))
    assert [p["title"] for p in doc["practices"]] == ["Thuiszitterstafel 1", "Thuiszitterstafel 2"]


def test_a_file_with_a_repeated_key_imports_nothing_from_the_cli(runner, reference, db, tmp_path):
    path = tmp_path / "dubbel.json"
    text = json.dumps(document(item(1), item(2)))
    path.write_text(_with_repeat(text, '{"external_id": "ext-2",', "region", '"JZ01"'), encoding="utf-8")
    result = runner.invoke(args=["practices", "import", str(path)])
    assert result.exit_code == 1
    assert "practices[1] (ext-2): sleutel 'region' staat er twee keer in" in result.output
    assert count(db, Practice) == 0


def test_reimporting_the_same_file_changes_nothing(imported, db):
    doc = document(item(1), item(2))
    imported(doc)
    revisions = count(db, PracticeRevision)
    report = imported(copy.deepcopy(doc))
    assert (report.created, report.updated, report.unchanged, report.results_added) == (0, 0, 2, 0)
    assert count(db, Practice) == 2 and count(db, Result) == 4 and count(db, PracticeRevision) == revisions


def test_reimport_updates_fields_and_results_without_duplicates(imported, db):
    imported(document(item(1), item(2)))
    changed = item(1, title="Thuiszitterstafel Rijnmond", themes=["onderwijs-zorg", "vakmanschap"])
    changed["results"][1]["value"] = 38
    changed["results"].append({"indicator": "Aantal thuiszitters", "value": 33, "measured_on": "2022-06-01"})
    report = imported(document(changed, item(2)))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert (report.results_added, report.results_updated) == (1, 1)
    practice = db.session.scalar(select(Practice).where(Practice.external_id == "ext-1"))
    assert practice.title == "Thuiszitterstafel Rijnmond"
    assert [t.slug for t in practice.themes] == ["onderwijs-zorg", "vakmanschap"]
    assert sorted(r.value for r in practice.results) == [Decimal(33), Decimal(38), Decimal(64)]
    assert count(db, Practice) == 2
    latest = db.session.scalar(
        select(PracticeRevision)
        .where(PracticeRevision.practice_id == practice.id)
        .order_by(PracticeRevision.number.desc())
    )
    assert latest.snapshot["title"] == "Thuiszitterstafel Rijnmond"


def test_results_are_matched_by_external_id_then_by_indicator_and_date(imported, db):
    record = item(1)
    record["results"][0]["external_id"] = "meting-a"
    imported(document(record))
    again = copy.deepcopy(record)
    again["results"][0]["indicator"] = "Thuiszitters (aantal)"  # renamed: still the same result by its id
    again["results"][1]["external_id"] = (
        "meting-b"  # now has an id: adopts the result matched by indicator/date
    )
    report = imported(document(again))
    assert (report.results_added, report.results_updated) == (0, 2)
    results = db.session.scalars(select(Result).order_by(Result.measured_on)).all()
    assert [(r.external_id, r.indicator) for r in results] == [
        ("meting-a", "Thuiszitters (aantal)"),
        ("meting-b", "Aantal thuiszitters"),
    ]


def test_phase_change_on_reimport_records_a_step_with_default_explanation(imported, db):
    imported(document(item(1)))
    report = imported(document(item(1, phase="leren-en-verbeteren")))
    assert report.updated == 1 and report.steps_recorded == 1
    practice = db.session.scalar(select(Practice))
    assert practice.phase.slug == "leren-en-verbeteren"
    step = practice.steps[-1]
    assert (step.from_phase.slug, step.to_phase.slug) == ("meten", "leren-en-verbeteren")
    assert step.explanation == transfer.IMPORT_MOVE_EXPLANATION and step.moved_on == date.today()


def test_new_practice_whose_steps_end_elsewhere_moves_to_its_phase(imported, db):
    imported(document(item(1, phase="delen-en-borgen")))
    practice = db.session.scalar(select(Practice))
    assert [s.to_phase.slug for s in practice.steps] == ["uitvoeren", "meten", "delen-en-borgen"]
    assert practice.steps[-1].explanation == transfer.IMPORT_MOVE_EXPLANATION


def test_phase_change_with_a_new_step_in_the_file_uses_its_date_and_explanation(imported, db):
    imported(document(item(1)))
    record = item(1, phase="leren-en-verbeteren")
    record["cycle_steps"].append(
        {
            "from": "meten",
            "to": "leren-en-verbeteren",
            "date": "2022-01-10",
            "explanation": "De metingen vragen om bijsturing.",
        }
    )
    imported(document(record))
    practice = db.session.scalar(select(Practice))
    assert [(s.moved_on, s.explanation) for s in practice.steps][-1] == (
        date(2022, 1, 10),
        "De metingen vragen om bijsturing.",
    )
    assert len(practice.steps) == 3


def test_a_published_practice_cannot_go_back_to_draft(imported, db):
    imported(document(item(1)))
    errors = errors_of(document(item(1, status="draft", published=None)))
    assert errors[0].startswith("practices[0] (ext-1).status: kan niet van 'published' naar 'draft'")


def test_status_changes_use_the_services(imported, db):
    imported(document(item(1, status="draft", published=None)))
    imported(document(item(1, status="archived", archived="2022-01-01")))
    practice = db.session.scalar(select(Practice))
    assert practice.status == Status.ARCHIVED and practice.archived_at.date() == date(2022, 1, 1)
    notes = db.session.scalars(select(PracticeRevision.note).order_by(PracticeRevision.number)).all()
    assert notes[-1] == "Gearchiveerd"


def test_region_of_an_existing_practice_cannot_change(imported, db):
    imported(document(item(1)))
    errors = errors_of(document(item(1, region="zeeland"), item(2, title="")))
    assert errors == [
        "practices[0] (ext-1).region: dit praktijkvoorbeeld hoort bij een andere regio; dat kan een import niet wijzigen",
        "practices[1] (ext-2).title: is leeg",
    ]


def test_demo_flag_from_the_top_level_or_per_item(imported, db):
    imported(document(item(1), item(2, demo=False), demo=True))
    flags = dict(db.session.execute(select(Practice.external_id, Practice.is_demo)).all())
    assert flags == {"ext-1": True, "ext-2": False}


def test_export_then_import_into_the_same_database_updates(imported, db):
    imported(document(item(1, external_id=None), item(2)))
    exported = export_doc()
    local = [p["external_id"] for p in exported["practices"]]
    assert (
        local[0]
        == f"jeugdkennis:{db.session.scalar(select(Practice.id).where(Practice.external_id.is_(None)))}"
    )
    report = imported(exported)
    assert (report.created, report.unchanged) == (0, 2)
    assert count(db, Practice) == 2


def test_round_trip_into_an_empty_database_gives_the_same_export(imported, db):
    archived = item(3, status="archived", archived="2023-05-01", demo=True)
    archived["results"].append(
        {
            "indicator": "Tevredenheid (1-10)",
            "value": Decimal("7.25"),
            "unit": "cijfer",
            "measured_on": "2021-06-01",
        }
    )
    imported(document(item(1, external_id=None), item(2, status="draft", published=None), archived))
    first = export_doc()
    wipe_practices(db)
    imported(copy.deepcopy(first))
    second = export_doc()
    for doc in (first, second):
        doc.pop("exported_at")
    assert second == first
    assert first["practices"][2]["results"][-1]["value"] == 7.25


def test_export_is_streamed_in_batches(imported, db, monkeypatch):
    imported(document(*[item(n, results=None) for n in range(1, 8)]))
    monkeypatch.setattr(export, "BATCH_SIZE", 3)
    seen = [p.external_id for p in export.iter_practices(export.export_stmt(), batch_size=3)]
    assert seen == [f"ext-{n}" for n in range(1, 8)]
