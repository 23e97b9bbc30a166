"""Searches that found nothing, counted (without user or address) for the search administration page."""

from __future__ import annotations

import logging
import re

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from exchange.database import utcnow
from exchange.extensions import db
from exchange.search import analysis
from exchange.search.models import SearchMiss
from exchange.search.parsing import clean_query

log = logging.getLogger(__name__)

_MISS_DROP = re.compile(r"\S*@\S*|\S*\d{5,}\S*")


def normalise_miss(text: str) -> str:
    """The form in which a search without results is kept: folded, no e-mail addresses or long numbers."""
    folded = analysis.fold(_MISS_DROP.sub(" ", clean_query(text)))
    return " ".join(re.findall(r"[\w'-]+", folded))[:100]


def record_miss(text: str) -> None:
    """Count a search that found nothing (no user, no address). Commits; a failure is logged, never raised."""
    query = normalise_miss(text)
    if not query:
        return
    now = utcnow()
    for _ in range(2):
        try:
            updated = db.session.execute(
                SearchMiss.__table__.update()
                .where(SearchMiss.query == query)
                .values(count=SearchMiss.count + 1, last_seen=now)
            ).rowcount
            if not updated:
                db.session.add(SearchMiss(query=query, count=1, first_seen=now, last_seen=now))
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
        except SQLAlchemyError:
            # A counter must never turn a search into an error page.
            db.session.rollback()
            log.warning("Could not record a search without results", exc_info=True)
            return
