"""job_lease: one row per periodic job while a run holds it, so every server may start the same timers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:40:00

Issue 18. exchange/jobs.py takes, renews and deletes the rows; a new table, so code that does not know it
(the previous release, during a rolling deploy) is unaffected.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_lease")),
    )


def downgrade():
    op.drop_table("job_lease")
