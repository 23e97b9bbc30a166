"""The counts of published practices kept by triggers (exchange/practices/tally.py) equal what the facet
queries count, after every kind of write: the services, the ORM, bulk statements, SQL by hand, cascades."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, text, update

from exchange.extensions import db
from exchange.practices import listing, services, tally
from exchange.practices.models import (
    Practice,
    Result,
    Status,
    practice_action_line,
    practice_tally,
    practice_theme,
)
from exchange.reference.models import ActionLine, CyclePhase, Region, Theme
from tests import world

COUNTED = ("regio", "fase", "jaar", "thema", "actielijn", "resultaten")


def _queried(app) -> dict[str, dict[int, int]]:
    """What the facet queries of /praktijken count for a visitor without filters."""
    with app.test_request_context("/praktijken"):
        ref = listing.Reference.load()
        skip = listing.FACETS - set(COUNTED)
        counts = listing._count_all(None, listing.Browse(), ref, set(skip))
    out = {
        facet: {int(k): n for k, n in counts[facet].items() if n}
        for facet in COUNTED
        if facet != "resultaten"
    }
    out["resultaten"] = {tally.RESULTS_VALUE: counts["resultaten"][listing.WITH_RESULTS]}
    if not out["resultaten"][tally.RESULTS_VALUE]:
        out["resultaten"] = {}
    return out


def _kept() -> dict[str, dict[int, int]]:
    db.session.expire_all()
    return tally.published_counts()


def _result(practice: Practice, phase: CyclePhase, n: int) -> services.ResultData:
    return services.ResultData(
        indicator=f"Thuiszitters {n}", value=Decimal(n), measured_on=date(2025, 1, n % 28 + 1), phase=phase
    )


def test_every_kind_of_write_keeps_the_counts_equal_to_the_queries(app, cast, make_practice):
    rng = random.Random(15)
    regions = list(db.session.scalars(select(Region).order_by(Region.id)))
    themes = list(db.session.scalars(select(Theme).order_by(Theme.id)))
    lines = list(db.session.scalars(select(ActionLine).order_by(ActionLine.id)))
    phases = list(db.session.scalars(select(CyclePhase).order_by(CyclePhase.position)))
    made = [
        make_practice(f"Praktijk {i}", publish=i % 3 != 0, themes=rng.sample(themes, 2)) for i in range(9)
    ]
    assert _kept() == _queried(app)
    assert _kept()["regio"] == {cast.region.id: 6}

    steps = []

    def check(step: str) -> None:
        db.session.commit()
        steps.append(step)
        assert _kept() == _queried(app), f"after {steps}"

    # Through the services: results added and removed, published, archived.
    for i, practice in enumerate(made[:4]):
        services.add_result(cast.staff, practice, _result(practice, phases[0], i))
        services.add_result(cast.staff, practice, _result(practice, phases[1], i + 10))
    check("results added")
    services.publish_practice(cast.staff, made[0 if made[0].status != Status.PUBLISHED else 3])
    check("published")
    services.archive_practice(cast.staff, made[1])
    check("archived")
    from exchange.practices import results as result_services

    for result in list(db.session.scalars(select(Result).where(Result.practice_id == made[2].id))):
        result_services.delete_result(cast.staff, result)
    check("every result of a practice deleted")

    # Through the ORM: region, phase, year, themes, action lines, a result moved to another practice.
    for _round in range(25):
        practice = rng.choice(made)
        db.session.refresh(practice)
        kind = rng.choice(["region", "phase", "year", "themes", "lines", "status", "move-result"])
        if kind == "region":
            practice.region = rng.choice(regions)
        elif kind == "phase":
            practice.phase = rng.choice(phases)
        elif kind == "year":
            # The last half hour of a year as well: the trigger reads the year as the facet query does.
            practice.published_at = rng.choice(
                [datetime(2019, 6, 1, tzinfo=UTC), datetime(2024, 12, 31, 23, 30, tzinfo=UTC)]
            )
        elif kind == "themes":
            practice.themes = rng.sample(themes, rng.randint(0, 3))
        elif kind == "lines":
            practice.action_lines = rng.sample(lines, rng.randint(0, 3))
        elif kind == "status":
            practice.status = rng.choice(list(Status))
        else:
            result = db.session.scalar(select(Result).order_by(Result.id).limit(1))
            if result is not None:
                result.practice_id = practice.id
        check(f"orm {kind} of {practice.id}")

    # Bulk statements and SQL by hand: every practice of a region moves, links are rewritten, results go.
    db.session.execute(
        update(Practice).where(Practice.region_id == cast.region.id).values(region_id=regions[-1].id)
    )
    check("bulk region move")
    db.session.execute(delete(practice_theme).where(practice_theme.c.theme_id == themes[0].id))
    db.session.execute(
        insert(practice_action_line).from_select(
            ["practice_id", "action_line_id"],
            select(Practice.id, lines[0].id).where(
                ~Practice.id.in_(
                    select(practice_action_line.c.practice_id).where(
                        practice_action_line.c.action_line_id == lines[0].id
                    )
                )
            ),
        )
    )
    check("links rewritten in bulk")
    linked = db.session.execute(select(practice_theme).limit(1)).one()
    again = (
        "INSERT OR REPLACE INTO practice_theme (practice_id, theme_id) VALUES (:p, :t)"
        if db.engine.dialect.name == "sqlite"
        else "INSERT INTO practice_theme (practice_id, theme_id) VALUES (:p, :t) ON CONFLICT DO NOTHING"
    )
    db.session.execute(text(again), {"p": linked.practice_id, "t": linked.theme_id})
    check("a link written again")
    db.session.execute(update(Result).values(narrative="Bijgewerkt."))
    check("every result edited, none moved")
    db.session.execute(text("UPDATE practice SET status = 'published' WHERE status = 'draft'"))
    check("drafts published by hand")
    db.session.execute(text("DELETE FROM result WHERE id IN (SELECT id FROM result ORDER BY id LIMIT 3)"))
    check("results deleted by hand")

    # A practice deleted with its links and results (the cascades), and one through the ORM.
    with_results = db.session.scalar(
        select(Practice)
        .where(Practice.status == Status.PUBLISHED, Practice.id.in_(select(Result.practice_id)))
        .limit(1)
    )
    assert with_results is not None
    db.session.execute(text("DELETE FROM practice WHERE id = :id"), {"id": with_results.id})
    check("deleted by hand")
    db.session.delete(db.session.get(Practice, made[5].id))
    check("deleted through the ORM")
    assert sum(_kept()["regio"].values()) == db.session.scalar(
        select(db.func.count()).select_from(Practice).where(Practice.status == Status.PUBLISHED)
    )


def test_results_move_with_results_only_at_a_practices_first_and_last(app, cast, make_practice):
    """Several results in one statement count a practice once; it stays counted until its last result goes."""
    practice = make_practice(publish=True)
    phase = world.phases()[0]
    rows = [
        {
            "practice_id": practice.id,
            "phase_id": phase.id,
            "indicator": f"Thuiszitters {n}",
            "value": n,
            "unit": "",
            "measured_on": date(2025, 1, n + 1),
            "narrative": "",
        }
        for n in range(3)
    ]
    db.session.execute(insert(Result.__table__), rows)  # one statement with three rows
    db.session.commit()
    assert _kept()["resultaten"] == {tally.RESULTS_VALUE: 1}
    first = db.session.scalar(select(Result.id).where(Result.practice_id == practice.id).limit(1))
    db.session.execute(delete(Result).where(Result.id == first))
    db.session.commit()
    assert _kept()["resultaten"] == {tally.RESULTS_VALUE: 1}
    db.session.execute(delete(Result).where(Result.practice_id == practice.id))
    db.session.commit()
    assert _kept()["resultaten"] == {}
    assert _kept() == _queried(app)


def test_rebuild_counts_a_database_written_without_the_triggers(app, cast, make_practice):
    for i in range(4):
        make_practice(f"Praktijk {i}", publish=True)
    expected = _queried(app)
    db.session.execute(delete(practice_tally))
    db.session.commit()
    assert _kept() != expected
    tally.rebuild(db.session.connection())
    db.session.commit()
    assert _kept() == expected


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_each_trigger_is_dropped_again(dialect):
    made = tally.trigger_statements(dialect)
    dropped = tally.drop_statements(dialect)
    names = {name for name in tally.TRIGGERS}
    assert sum("CREATE TRIGGER" in s for s in made) == len(names) == 12
    assert all(any(f"exchange_tally_{name}" in s for s in dropped) for name in names)


def test_writes_at_the_same_time_in_opposite_directions_all_land_and_add_up(app, cast, make_practice):
    """Two connections each move their own practice back and forth between two regions and two phases, at
    the same time, so both change the tally rows of both regions and phases: every write lands and the counts
    are those of the practices after all of it (none counted twice or lost between two transactions).

    (On PostgreSQL the triggers also queue on one advisory lock, so two such writes cannot deadlock over tally
    rows; without it this test did not deadlock in two runs either: it shows the counts, not the lock.)"""
    import threading
    import time

    phases = world.phases()
    first = make_practice("Eerste", publish=True, phase=phases[0])
    second = make_practice(
        "Tweede", publish=True, phase=phases[1], region=cast.other_region, actor=cast.other_staff
    )
    db.session.execute(
        update(Practice).where(Practice.id == second.id).values(published_at=datetime(2021, 5, 1, tzinfo=UTC))
    )
    db.session.commit()
    regions, phase_ids = [cast.region.id, cast.other_region.id], [phases[0].id, phases[1].id]
    errors: list[BaseException] = []
    start = threading.Barrier(2)
    engine = db.engine

    def mover(practice_id: int, offset: int) -> None:
        try:
            start.wait()
            for round_ in range(15):
                with engine.begin() as conn:
                    move = "UPDATE practice SET {} = :v WHERE id = :p"
                    conn.execute(
                        text(move.format("region_id")),
                        {"v": regions[(round_ + offset) % 2], "p": practice_id},
                    )
                    time.sleep(0.005)  # holding what the first statement locked
                    conn.execute(
                        text(move.format("phase_id")),
                        {"v": phase_ids[(round_ + offset) % 2], "p": practice_id},
                    )
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [
        threading.Thread(target=mover, args=(first.id, 1)),
        threading.Thread(target=mover, args=(second.id, 0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert _kept() == _queried(app)
