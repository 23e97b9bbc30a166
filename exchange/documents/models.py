"""Document models: a file attached to a practice (stored by its SHA-256) and the text of its pages."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from exchange.database import utcnow
from exchange.extensions import db
from exchange.practices.models import Practice

if TYPE_CHECKING:
    from exchange.accounts.models import User


class Kind(str, enum.Enum):
    PLAN = "plan"
    EVALUATION = "evaluatie"
    FACTSHEET = "factsheet"
    PRESENTATION = "presentatie"
    OTHER = "anders"


# ISO 639-1 codes offered on the form; Dutch first.
LANGUAGES = ("nl", "en", "fy", "de", "fr", "tr", "ar", "pl")


class Document(db.Model):
    """A file attached to a practice. The bytes live in DOCUMENTS_DIR under their SHA-256 (documents.storage);
    two documents with the same content share one file."""

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[Kind] = mapped_column(
        Enum(
            Kind,
            native_enum=False,
            length=20,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    document_date: Mapped[date]
    language: Mapped[str] = mapped_column(String(8), default="nl")
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # True when the text is split by real pages (PDF; DOCX/ODT where the file records its page breaks).
    paged: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # The practice's side is added here (a backref) so the practice model need not know about documents;
    # deleting a practice through the ORM loads and deletes its documents (no passive_deletes, so the session
    # sees each one), and documents.storage removes their files after the commit.
    practice: Mapped[Practice] = relationship(
        backref=backref("documents", cascade="all, delete-orphan", order_by="Document.id")
    )
    pages: Mapped[list[DocumentPage]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="DocumentPage.number",
    )
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("practice_id", "sha256"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    @property
    def is_inline(self) -> bool:
        """PDFs and images may open in the browser; every other type is always downloaded."""
        return self.media_type == "application/pdf" or self.media_type.startswith("image/")

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.title!r} {self.sha256[:12]}>"


class DocumentPage(db.Model):
    """The extracted text of one page (or of the whole file, or one sheet, when the format has no pages)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document] = relationship(back_populates="pages")

    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    def __repr__(self) -> str:
        return f"<DocumentPage {self.document_id}:{self.number}>"
