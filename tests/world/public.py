"""A small public world with hidden content marked by words that must never leave the platform.

Published practices in two regions (with results and cycle steps), a draft and an archived practice whose
every text carries SECRET_DRAFT / SECRET_ARCHIVED, and private feedback (SECRET_FEEDBACK) on a published
practice. Used by the API, feed and dump tests to prove that only published content is ever shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.extensions import db
from exchange.practices import transfer
from exchange.practices.models import FeedbackMessage, Practice
from tests.practices.test_importer import document, item

SECRET_DRAFT = "Conceptgeheim"
SECRET_ARCHIVED = "Archiefgeheim"
SECRET_FEEDBACK = "Feedbackgeheim"
SECRETS = (SECRET_DRAFT, SECRET_ARCHIVED, SECRET_FEEDBACK)


def _hidden(n: int, secret: str, status: str, **changes) -> dict:
    base = item(n, status=status, **changes)
    base.update(
        title=f"{secret} praktijk {n}",
        summary=f"{secret} samenvatting",
        body=f"{secret} tekst",
        target_group=f"{secret} doelgroep",
    )
    for result in base["results"]:
        result["indicator"] = f"{secret} indicator"
        result["narrative"] = f"{secret} toelichting"
    for step in base["cycle_steps"]:
        step["explanation"] = f"{secret} stap"
    return base


@dataclass
class World:
    ids: dict[str, int]  # external id -> practice id

    @property
    def published(self) -> list[int]:
        return [self.ids[k] for k in ("ext-1", "ext-2", "ext-3")]

    @property
    def hidden(self) -> list[int]:
        return [self.ids["ext-8"], self.ids["ext-9"]]


def build_world(app) -> World:
    """Import the world into the app's (empty, reference-loaded) database and return the practice ids."""
    doc = document(
        item(1),
        item(
            2,
            region="zeeland",
            themes=["pleegzorg-gezinshuizen"],
            action_lines=[2],
            phase="uitvoeren",
            cycle_steps=None,
        ),
        item(3, region="JZ38", themes=["onderwijs-zorg", "vakmanschap"], action_lines=[3, 6]),
        _hidden(8, SECRET_DRAFT, "draft", published=None),
        _hidden(9, SECRET_ARCHIVED, "archived", region="zeeland"),
    )
    with app.app_context():
        from exchange.search import outbox
        from exchange.search.queries import current_index

        # As a deployment does (`flask search reindex` once): from then on every commit keeps the index true.
        current_index().ensure()
        outbox.apply_pending()
        transfer.import_practices(doc)
        db.session.commit()
        ids = dict(db.session.execute(db.select(Practice.external_id, Practice.id)).all())
        db.session.add(FeedbackMessage(practice_id=ids["ext-1"], body=f"{SECRET_FEEDBACK}: meet vaker."))
        db.session.commit()
    return World(ids)
