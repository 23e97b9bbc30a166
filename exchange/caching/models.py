"""The data version: one row whose number every write that changes what visitors see raises by one, and a second
number raised by those of them that can change a count of practices."""

from __future__ import annotations

from sqlalchemy import DDL, CheckConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from exchange.extensions import db

ROW_ID = 1


class DataVersion(db.Model):
    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=1)
    # Raised with `version` by every visible write except those that move no count of practices (text edits):
    # the key of the facet counts kept per process (`practices.listing`).
    counts_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Raised instead of `counts_version` by a write that moves only where practices are on the cycle (a phase
    # move and its cycle step): counts that do not depend on phases outlive it (`caching.counts`).
    phase_counts_version: Mapped[int] = mapped_column(default=1, server_default="1")

    def __repr__(self) -> str:
        return f"<DataVersion {self.version}>"


# The migration inserts the row; a schema made with create_all (tests, benchmarks) gets it here.
event.listen(
    DataVersion.__table__, "after_create", DDL(f"INSERT INTO data_version (id, version) VALUES ({ROW_ID}, 1)")
)
