"""`flask opendata dump DIR`: JSON + CSV + data dictionary, written atomically, importable again, clear errors."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from exchange.extensions import db as _db
from exchange.opendata import dump as dump_module
from exchange.opendata.columns import TABLES
from exchange.policy import SYSTEM
from exchange.practices import services
from exchange.practices.transfer import export
from exchange.reference.models import CyclePhase, Region, Theme
from tests.practices.test_importer import wipe_practices
from tests.world.public import build_world


@pytest.fixture
def world(reference):
    world = build_world(reference)
    with reference.app_context():
        # A practice written on the site (no external id): exported as jeugdkennis:<id>.
        data = services.PracticeData(
            title="Wijkteam aan tafel",
            summary="Een aanpak van de regio zelf.",
            body='Regel 1\nRegel 2, met "aanhalingstekens"; en een komma.',
            themes=[_db.session.scalar(_db.select(Theme).where(Theme.slug == "vakmanschap"))],
            phase=_db.session.scalar(_db.select(CyclePhase).where(CyclePhase.slug == "verkennen")),
        )
        region = _db.session.scalar(_db.select(Region).where(Region.code == "JZ01"))
        practice = services.create_practice(SYSTEM, region, data)
        services.publish_practice(SYSTEM, practice)
        _db.session.commit()
        world.ids["native"] = practice.id
    return world


def run_dump(runner, target: Path):
    return runner.invoke(args=["opendata", "dump", str(target)])


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_dump_writes_every_published_practice_and_result(runner, world, tmp_path):
    target = tmp_path / "opendata"
    result = run_dump(runner, target)
    assert result.exit_code == 0, result.output
    assert "4 praktijkvoorbeeld(en), 6 resulta(a)t(en)" in result.output
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted(
        [
            "practices.json",
            "results.json",
            "practices.csv",
            "results.csv",
            "cycle_steps.csv",
            "partners.csv",
            "documents.csv",
            "datapackage.json",
            "README.md",
            "SHA256SUMS",
        ]
    )
    doc = json.loads((target / "practices.json").read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"]) == ("jeugdkennis-practices", 2)
    assert {p["status"] for p in doc["practices"]} == {"published"} and len(doc["practices"]) == 4
    practices = read_csv(target / "practices.csv")
    assert sorted(int(r["id"]) for r in practices) == sorted(world.published + [world.ids["native"]])
    native = next(r for r in practices if int(r["id"]) == world.ids["native"])
    assert native["body"] == 'Regel 1\nRegel 2, met "aanhalingstekens"; en een komma.'
    assert native["external_id"] == f"jeugdkennis:{world.ids['native']}" and native["is_demo"] == "false"
    three = next(r for r in practices if int(r["id"]) == world.ids["ext-3"])
    assert three["themes"] == "onderwijs-zorg;vakmanschap" and three["action_lines"] == "3;6"
    assert three["published_at"].endswith("Z") and three["result_count"] == "2"
    results = read_csv(target / "results.csv")
    assert len(results) == 6 and {int(r["practice_id"]) for r in results} == set(world.published)
    assert json.loads((target / "results.json").read_text(encoding="utf-8"))["results"] == [
        {
            **r,
            "id": int(r["id"]),
            "practice_id": int(r["practice_id"]),
            "value": int(r["value"]),
            "baseline": int(r["baseline"]) if r["baseline"] else None,
            "target": int(r["target"]) if r["target"] else None,
        }
        for r in results
    ]
    steps = read_csv(target / "cycle_steps.csv")
    assert [
        (s["from_phase"], s["to_phase"]) for s in steps if int(s["practice_id"]) == world.ids["ext-1"]
    ] == [("", "uitvoeren"), ("uitvoeren", "meten")]


def test_the_data_dictionary_documents_every_column(runner, world, tmp_path):
    target = tmp_path / "opendata"
    assert run_dump(runner, target).exit_code == 0
    package = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    readme = (target / "README.md").read_text(encoding="utf-8")
    resources = {r["name"]: r for r in package["resources"]}
    for table in TABLES:
        with open(target / f"{table.name}.csv", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        fields = resources[table.name]["schema"]["fields"]
        assert header == [f["name"] for f in fields]
        for field in fields:
            assert " / " in field["description"] and field["type"] in {
                "string",
                "integer",
                "number",
                "boolean",
                "date",
                "datetime",
            }
            assert f"| `{field['name']}` |" in readme
    assert {"practices-json", "results-json"} <= set(resources)
    assert resources["results"]["count"] == 6


def test_checksums_match(runner, world, tmp_path):
    target = tmp_path / "opendata"
    assert run_dump(runner, target).exit_code == 0
    for line in (target / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == digest


def test_round_trip_through_the_practices_importer(runner, world, tmp_path, app):
    target = tmp_path / "opendata"
    assert run_dump(runner, target).exit_code == 0
    dumped = json.loads((target / "practices.json").read_text(encoding="utf-8"))["practices"]
    with app.app_context():
        wipe_practices(_db)
    imported = runner.invoke(args=["practices", "import", str(target / "practices.json")])
    assert imported.exit_code == 0, imported.output
    with app.app_context():
        from io import StringIO

        out = StringIO()
        export.write_export(out, export.export_stmt())
        again = json.loads(out.getvalue())["practices"]
    assert again == dumped


def test_a_second_dump_replaces_the_first_as_a_whole(runner, world, tmp_path):
    target = tmp_path / "out" / "opendata"
    assert run_dump(runner, target).exit_code == 0
    (target / "practices.csv").write_text("stale")
    assert run_dump(runner, target).exit_code == 0
    assert (target / "practices.csv").read_text(encoding="utf-8").startswith("id,external_id,")
    assert sorted(p.name for p in target.parent.iterdir()) == ["opendata"]  # no temporary directories left


def test_a_failed_dump_leaves_the_previous_one_untouched(runner, world, tmp_path, monkeypatch):
    target = tmp_path / "out" / "opendata"
    assert run_dump(runner, target).exit_code == 0
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("schijf vol")

    monkeypatch.setattr(dump_module, "readme", broken)
    result = run_dump(runner, target)
    assert result.exit_code != 0
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["opendata"]


def test_a_file_is_refused_in_dutch(runner, reference, tmp_path):
    target = tmp_path / "dump.txt"
    target.write_text("iets")
    result = run_dump(runner, target)
    assert result.exit_code != 0
    assert "is een bestand, geen map" in result.output
    assert target.read_text() == "iets"


def test_an_unrelated_directory_is_never_wiped(runner, reference, tmp_path):
    target = tmp_path / "documenten"
    target.mkdir()
    (target / "belangrijk.txt").write_text("bewaren")
    result = run_dump(runner, target)
    assert result.exit_code != 0 and "niet leeg" in result.output
    assert (target / "belangrijk.txt").read_text() == "bewaren"


def test_an_unwritable_place_is_refused_in_dutch(runner, reference):
    result = run_dump(runner, Path("/proc/jeugdkennis-test/opendata"))
    assert result.exit_code != 0
    assert "Kan de map" in result.output and "niet maken" in result.output


def test_a_directory_without_write_permission_is_refused(runner, reference, tmp_path, monkeypatch):
    # Tests run as root, for whom chmod does not take writing away: ask the check, as a normal user would get.
    monkeypatch.setattr(dump_module.os, "access", lambda path, mode: False)
    result = run_dump(runner, tmp_path / "opendata")
    assert result.exit_code != 0 and "geen schrijfrechten" in result.output


def test_progress_is_reported_per_practice(app, world, tmp_path):
    from contextlib import contextmanager

    calls: list[tuple[str, int]] = []

    @contextmanager
    def progress(total, label):
        calls.append((label, total))
        yield lambda n=1: calls.append((label, -n))

    with app.app_context():
        report = dump_module.dump(tmp_path / "opendata", progress)
    assert report.practices == 4
    labels = [label for label, total in calls if total > 0]
    assert labels == ["Praktijkvoorbeelden (JSON)", "CSV en resultaten"]
    assert all(total == 4 for label, total in calls if total > 0)
    assert sum(1 for label, n in calls if n < 0) == 8


def test_the_profile_is_in_practices_csv_and_partners_csv(runner, world, tmp_path):
    from exchange.practices.profile import ProfileData

    with runner.app.app_context():
        practice = _db.session.get(services.Practice, world.ids["native"])
        data = services.PracticeData(
            title=practice.title,
            summary=practice.summary,
            body=practice.body,
            themes=list(practice.themes),
            phase=practice.phase,
            profile=ProfileData(
                age_from=16,
                age_to=27,
                partners=[("Gemeente Groningen", "gemeente"), ("Jongerenpanel", "jongerenorganisatie")],
                evidence_level="goed-beschreven",
                fund_used=False,
            ),
        )
        services.update_practice(SYSTEM, practice, data, expected_revision=None)
        _db.session.commit()
    target = tmp_path / "opendata"

    assert run_dump(runner, target).exit_code == 0
    native = next(r for r in read_csv(target / "practices.csv") if int(r["id"]) == world.ids["native"])
    others = [r for r in read_csv(target / "practices.csv") if int(r["id"]) != world.ids["native"]]
    partners = read_csv(target / "partners.csv")
    package = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))

    assert (native["age_from"], native["age_to"], native["evidence_level"]) == ("16", "27", "goed-beschreven")
    assert (native["fund_used"], native["fund_amount_eur"], native["participation_level"]) == (
        "false",
        "",
        "",
    )
    assert all(r["age_from"] == "" and r["fund_used"] == "" for r in others)
    assert [(r["practice_id"], r["position"], r["name"], r["kind"]) for r in partners] == [
        (str(world.ids["native"]), "0", "Gemeente Groningen", "gemeente"),
        (str(world.ids["native"]), "1", "Jongerenpanel", "jongerenorganisatie"),
    ]
    resources = {r["name"]: r for r in package["resources"]}
    assert [f["name"] for f in resources["partners"]["schema"]["fields"]] == list(partners[0])
    assert "evidence_level" in [f["name"] for f in resources["practices"]["schema"]["fields"]]
