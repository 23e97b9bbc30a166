"""Fixtures for documents: a file path helper and an uploader through the service."""

from __future__ import annotations

from datetime import date

import pytest

from exchange.documents import services
from exchange.documents.models import Kind


def data(title="Evaluatie 2021", kind=Kind.EVALUATION, day=date(2021, 11, 1), language="nl"):
    return services.DocumentData(title=title, kind=kind, document_date=day, language=language)


@pytest.fixture
def attach(db, cast):
    """attach(practice, content, filename="rapport.pdf", actor=cast.staff, **data) -> a committed Document."""

    def add(practice, content, filename="rapport.pdf", actor=None, **fields):
        document = services.add_document(actor or cast.staff, practice, data(**fields), filename, content)
        db.session.commit()
        return document

    return add
