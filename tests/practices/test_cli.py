"""`flask practices import|export` and `flask seed demo` (which uses the same importer)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from exchange.practices.models import Practice, Result, Status
from exchange.reference.models import Region
from exchange.seed.services import DEMO_PRACTICES_FILE
from tests.practices.test_importer import document, item


def write(tmp_path, doc, name="practices.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def practices_count(db) -> int:
    return db.session.scalar(select(func.count(Practice.id)))


def test_import_reports_a_summary_on_stderr(runner, reference, db, tmp_path):
    result = runner.invoke(args=["practices", "import", write(tmp_path, document(item(1), item(2)))])
    assert result.exit_code == 0, result.output
    assert "Import voltooid. Praktijkvoorbeelden: 2 nieuw, 0 bijgewerkt, 0 ongewijzigd." in result.stderr
    assert "Resultaten: 4 nieuw" in result.stderr and result.stdout == ""
    again = runner.invoke(args=["practices", "import", write(tmp_path, document(item(1), item(2)))])
    assert "Er is niets gewijzigd. Praktijkvoorbeelden: 0 nieuw, 0 bijgewerkt, 2 ongewijzigd." in again.stderr
    assert practices_count(db) == 2


def test_import_with_errors_exits_non_zero_lists_them_and_writes_nothing(runner, reference, db, tmp_path):
    doc = document(item(1), item(2, themes=["xyz"]), item(3, phase="nergens"))
    result = runner.invoke(args=["practices", "import", write(tmp_path, doc)])
    assert result.exit_code == 1
    assert "Het bestand bevat 2 fout(en); er is niets geïmporteerd." in result.stderr
    assert "practices[1] (ext-2).themes: onbekend thema 'xyz'" in result.stderr
    assert "practices[2] (ext-3).phase: onbekende fase 'nergens'" in result.stderr
    assert practices_count(db) == 0


def test_import_lists_one_line_per_place_with_every_problem(runner, reference, db, tmp_path):
    doc = document(item(1, themes=["xyz", "abc"]), item(2, phase="nergens"))
    result = runner.invoke(args=["practices", "import", write(tmp_path, doc)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-3:] == [
        "Error: Het bestand bevat 3 fout(en); er is niets geïmporteerd.",
        "  - practices[0] (ext-1).themes: onbekend thema 'xyz'; onbekend thema 'abc'",
        "  - practices[1] (ext-2).phase: onbekende fase 'nergens'",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "Bestand niet gevonden"),
        ('{"format": "jeugdkennis-practices", ', "Geen geldige JSON in"),
        ("[]", "Het bestand moet een JSON-object zijn"),
        (b"\xff\xfe{}", "is geen UTF-8-tekst"),
    ],
)
def test_unreadable_files_get_a_dutch_message(runner, reference, db, tmp_path, content, expected):
    path = tmp_path / "input.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["practices", "import", str(path)])
    assert result.exit_code != 0
    assert expected in result.stderr


def test_import_reads_standard_input(runner, reference, db):
    result = runner.invoke(args=["practices", "import", "-"], input=json.dumps(document(item(1))))
    assert result.exit_code == 0, result.output
    assert practices_count(db) == 1


def test_dry_run_checks_and_reports_but_saves_nothing(runner, reference, db, tmp_path):
    result = runner.invoke(args=["practices", "import", "--dry-run", write(tmp_path, document(item(1)))])
    assert result.exit_code == 0, result.output
    assert "Proefimport (--dry-run): er is niets opgeslagen. Praktijkvoorbeelden: 1 nieuw" in result.stderr
    assert practices_count(db) == 0


def test_large_files_show_progress(runner, reference, db, tmp_path):
    doc = document(*[item(n, results=None, cycle_steps=None, links=None) for n in range(200)])
    result = runner.invoke(args=["practices", "import", write(tmp_path, doc)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "Importeren" in lines[0]
    assert "  20/200 (10%)" in lines and "  200/200 (100%)" in lines
    assert sum(1 for line in lines if line.startswith("  ") and "/200" in line) == 10
    assert practices_count(db) == 200


def test_export_writes_json_to_stdout_and_the_summary_to_stderr(runner, reference, db, tmp_path):
    runner.invoke(
        args=[
            "practices",
            "import",
            write(tmp_path, document(item(1), item(2, status="draft", published=None))),
        ]
    )
    result = runner.invoke(args=["practices", "export"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["format"] == "jeugdkennis-practices" and doc["version"] == 2
    assert [p["external_id"] for p in doc["practices"]] == ["ext-1", "ext-2"]
    assert result.stderr.strip().endswith("2 praktijkvoorbeeld(en) geëxporteerd.")


def test_export_filters(runner, reference, db, tmp_path):
    doc = document(
        item(1),
        item(2, region="zeeland", themes=["pleegzorg-gezinshuizen"]),
        item(3, region="JZ38", status="draft", published=None),
    )
    runner.invoke(args=["practices", "import", write(tmp_path, doc)])

    def exported(*options):
        result = runner.invoke(args=["practices", "export", *options])
        assert result.exit_code == 0, result.output
        return [p["external_id"] for p in json.loads(result.stdout)["practices"]]

    assert exported("--region", "JZ38") == ["ext-2", "ext-3"]
    assert exported("--region", "zeeland", "--theme", "onderwijs-zorg") == ["ext-3"]
    assert exported("--theme", "pleegzorg-gezinshuizen") == ["ext-2"]
    assert exported("--status", "published") == ["ext-1", "ext-2"]
    assert exported("--region", "jz29") == ["ext-1"]
    assert exported("--region", "groningen") == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--region", "nergens"], "onbekende regio 'nergens'"),
        (["--theme", "geen-thema"], "onbekend thema 'geen-thema'"),
        (["--status", "weg"], "--status"),
    ],
)
def test_export_with_unknown_filters_fails(runner, reference, db, options, expected):
    result = runner.invoke(args=["practices", "export", *options])
    assert result.exit_code == 2
    assert expected in result.stderr and result.stdout == ""


def test_seed_demo_loads_demo_practices_through_the_importer(runner, reference, db):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "demo-praktijkvoorbeelden" in first.output
    second = runner.invoke(args=["seed", "demo"])
    assert "niets gewijzigd" in second.output
    practices = db.session.scalars(select(Practice)).all()
    assert 50 <= len(practices) <= 70 and all(p.is_demo for p in practices)
    statuses = Counter(p.status for p in practices)
    assert (
        statuses[Status.PUBLISHED] > len(practices) * 0.8
        and statuses[Status.DRAFT]
        and statuses[Status.ARCHIVED]
    )
    assert db.session.scalar(select(func.count(Result.id))) > 100


def test_demo_file_covers_every_theme_and_phase_and_leaves_regions_empty(reference, db):
    doc = json.loads(DEMO_PRACTICES_FILE.read_text(encoding="utf-8"))
    practices = doc["practices"]
    assert doc["demo"] is True and "Fictitious" in doc["about"]
    from exchange.reference.models import CyclePhase, Theme

    assert {t for p in practices for t in p["themes"]} == set(db.session.scalars(select(Theme.slug)))
    assert {p["phase"] for p in practices} == set(db.session.scalars(select(CyclePhase.slug)))
    regions = {p["region"] for p in practices}
    assert 20 <= len(regions) <= db.session.scalar(select(func.count(Region.id))) - 5
    series = [
        p
        for p in practices
        if p["results"] and Counter(r["indicator"] for r in p["results"]).most_common(1)[0][1] >= 2
    ]
    assert len(series) >= 30


def test_recount_finds_and_mends_counts_written_without_the_triggers(runner, cast, make_practice, db):
    from sqlalchemy import text

    from exchange.practices import tally

    make_practice("Thuiszitterstafel", publish=True)
    make_practice("Wachtlijstaanpak", publish=True)
    kept = tally.published_counts()
    result = runner.invoke(args=["practices", "recount", "--check"])
    assert result.exit_code == 0, result.output
    assert "De tellingen kloppen" in result.output

    # Two counts changed behind the triggers' back.
    db.session.execute(text("UPDATE practice_tally SET n = n + 5 WHERE facet = 'regio'"))
    db.session.execute(text("UPDATE practice_tally SET n = 0 WHERE facet = 'thema'"))
    db.session.commit()
    result = runner.invoke(args=["practices", "recount", "--check"])
    assert result.exit_code == 1
    assert "2 telling(en) klopten niet" in result.output  # the region's count and the theme's
    db.session.expire_all()
    assert tally.published_counts() != kept  # --check changes nothing

    result = runner.invoke(args=["practices", "recount"])
    assert result.exit_code == 0, result.output
    assert "opnieuw geteld" in result.output
    db.session.expire_all()
    assert tally.published_counts() == kept
    assert runner.invoke(args=["practices", "recount", "--check"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "named"), [(["--bogus"], "--bogus"), (["extra"], "extra"), (["--check=ja"], "--check")]
)
def test_recount_with_a_wrong_argument_stops_and_changes_nothing(
    runner, cast, make_practice, db, args, named
):
    from sqlalchemy import text

    from exchange.practices import tally

    make_practice("Thuiszitterstafel", publish=True)
    db.session.execute(text("UPDATE practice_tally SET n = n + 5 WHERE facet = 'regio'"))
    db.session.commit()
    wrong = tally.published_counts()
    result = runner.invoke(args=["practices", "recount", *args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(("Usage:", "Error:")) and (
        "--" in result.output or "extra" in result.output
    )
    db.session.expire_all()
    assert tally.published_counts() == wrong  # nothing counted again
