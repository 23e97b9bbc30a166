"""Reading documents with the practice's visibility: what a person may not see answers 404."""

from __future__ import annotations

from sqlalchemy import select

from exchange.documents.models import Document
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.policy import can
from exchange.practices.models import Practice


def get_practice(user, practice_id: int) -> Practice:
    """The practice whose documents `user` may see; 404 when hidden or absent (a draft's documents too)."""
    practice = db.session.get(Practice, practice_id)
    if practice is None or not can(user, "document.view", practice):
        raise NotFound(code="practice_not_found")
    return practice


def documents_of(practice: Practice) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.practice_id == practice.id)
            .order_by(Document.document_date.desc(), Document.id)
        )
    )


def get_document(user, practice_id: int, document_id: int) -> Document:
    """A document of a practice `user` may see; 404 otherwise (also for a document of another practice)."""
    practice = get_practice(user, practice_id)
    document = db.session.get(Document, document_id)
    if document is None or document.practice_id != practice.id:
        raise NotFound(code="document_not_found")
    return document
