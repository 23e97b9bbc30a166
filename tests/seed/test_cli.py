"""`flask seed reference` and `flask seed demo`: idempotent, and nothing changes on a broken file."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from exchange.reference.models import Region, TransformationPlan


def test_seed_reference_twice_says_nothing_changed(runner, db):
    first = runner.invoke(args=["seed", "reference"])
    assert first.exit_code == 0, first.output
    assert "42 regio's" in first.output
    second = runner.invoke(args=["seed", "reference"])
    assert second.exit_code == 0
    assert "er is niets gewijzigd" in second.output


def test_seed_reference_broken_file_changes_nothing(runner, db, tmp_path):
    from exchange.reference.seeding import read_reference_file

    data = read_reference_file()
    data["regions"][5]["slug"] = ""
    data["themes"].append({"slug": "x"})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["seed", "reference", "--file", str(path)])
    assert result.exit_code != 0
    assert "regions[5].slug" in result.output and "themes[16].name: ontbreekt" in result.output
    assert db.session.scalar(select(func.count(Region.id))) == 0


def test_seed_reference_missing_file(runner, db, tmp_path):
    result = runner.invoke(args=["seed", "reference", "--file", str(tmp_path / "nope.json")])
    assert result.exit_code != 0
    assert "niet gevonden" in result.output


def test_seed_demo_needs_reference_first(runner, db):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code != 0
    assert "flask seed reference" in result.output


def test_seed_demo_is_idempotent_and_marked(runner, db):
    runner.invoke(args=["seed", "reference"])
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed", "demo"])
    assert "niets gewijzigd" in second.output
    plans = db.session.scalars(select(TransformationPlan)).all()
    assert all(p.is_demo for p in plans if p.action_lines)
    assert sum(1 for p in plans if any(x.number == 4 for x in p.action_lines)) == 19


def test_seed_demo_lists_every_problem_of_the_demo_file(runner, db, monkeypatch):
    from exchange.seed import services

    runner.invoke(args=["seed", "reference"])
    broken = {"plans": [{"region": "JZ01", "action_lines": [98, 99]}, {"region": "JZ99", "action_lines": []}]}
    monkeypatch.setattr(services, "read_demo_file", lambda: broken)
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-3:] == [
        "Error: Het demobestand bevat fouten; er is niets gewijzigd.",
        "  - plans[0].action_lines: onbekende actielijn 98; onbekende actielijn 99",
        "  - plans[1].region: onbekende regio 'JZ99'",
    ]
    assert db.session.scalar(select(func.count(TransformationPlan.id)).where(TransformationPlan.is_demo)) == 0
