"""Builders for the workspace tests: results and feedback written straight to the tables, and dated rows."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from exchange.database import utcnow
from exchange.practices.models import FeedbackMessage, Practice, Result


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def measure(db, practice: Practice, indicator: str, *dates: date) -> None:
    """Results of one series on `dates` (committed)."""
    for on in dates:
        db.session.add(
            Result(
                practice_id=practice.id,
                phase_id=practice.phase_id,
                indicator=indicator,
                value=Decimal(1),
                measured_on=on,
            )
        )
    db.session.commit()


def say(db, practice: Practice, author, body: str, *, days_back: int = 0) -> FeedbackMessage:
    """A message in the practice's coaching thread (committed), `days_back` days old."""
    message = FeedbackMessage(
        practice_id=practice.id, author_id=author.id, body=body, created_at=days_ago(days_back)
    )
    db.session.add(message)
    db.session.commit()
    return message


def age(db, practice: Practice, *, updated: int | None = None, created: int | None = None) -> None:
    """Move a practice's updated_at/created_at `updated`/`created` days back (committed)."""
    if updated is not None:
        practice.updated_at = days_ago(updated)
    if created is not None:
        practice.created_at = days_ago(created)
    db.session.commit()


def count_in_heading(html: str, title: str) -> int:
    """The number in a workspace section heading such as "Concepten van uw regio (3)"."""
    match = re.search(re.escape(title) + r' <span class="workspace-count">\((\d+)\)</span>', html)
    assert match is not None, f"no heading {title!r} on the page"
    return int(match.group(1))


def section(html: str, anchor: str) -> str:
    """The HTML of the workspace section with this id (e.g. "concepten")."""
    assert f'id="{anchor}"' in html, f"no section {anchor!r} on the page"
    return html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
