"""Practice services and the system actor: no actor means no permission; SYSTEM writes without an author."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from exchange.errors import NotAllowed
from exchange.policy import SYSTEM
from exchange.practices import cycle, services
from exchange.practices.models import PracticeRevision, Status


def _data(cast):
    return services.PracticeData(
        title="Systeem", summary="Via de import.", themes=[cast.theme], phase=cast.phases[0]
    )


def _result(cast):
    return services.ResultData(
        indicator="Aantal", value=Decimal(3), measured_on=date.today(), phase=cast.phases[0]
    )


WRITES = {
    "create": lambda cast, practice: services.create_practice(None, cast.region, _data(cast)),
    "update": lambda cast, practice: services.update_practice(
        None, practice, _data(cast), expected_revision=None
    ),
    "publish": lambda cast, practice: services.publish_practice(None, practice),
    "archive": lambda cast, practice: services.archive_practice(None, practice),
    "move": lambda cast, practice: cycle.move_phase(
        None, practice, cast.phases[1], "Zonder iemand die handelt."
    ),
    "result": lambda cast, practice: services.add_result(None, practice, _result(cast)),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_no_actor_is_a_visitor_and_may_not_write(db, cast, make_practice, write):
    practice = make_practice()
    with pytest.raises(NotAllowed):
        WRITES[write](cast, practice)


def test_the_system_actor_creates_publishes_and_moves_without_an_author(db, cast):
    practice = services.create_practice(SYSTEM, cast.region, _data(cast))
    services.publish_practice(SYSTEM, practice)
    cycle.move_phase(SYSTEM, practice, cast.phases[1], "Bijgewerkt door het systeem.")
    result = services.add_result(SYSTEM, practice, _result(cast))
    assert practice.status == Status.PUBLISHED and practice.created_by_id is None
    assert {step.author_id for step in practice.steps} == {None} and result.author_id is None
    authors = db.session.scalars(
        select(PracticeRevision.author_id).where(PracticeRevision.practice_id == practice.id)
    )
    assert set(authors) == {None}


def test_no_service_skips_its_policy_check_when_there_is_no_actor():
    root = Path(__file__).resolve().parents[2] / "exchange"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "if actor is not None:\n" in path.read_text(encoding="utf-8")
        or "if actor:\n" in path.read_text(encoding="utf-8")
    ]
    assert not offenders
