"""data_version: phase_counts_version, raised instead of counts_version by a write that only moves phases

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 12:15:00

Issue 15. A practice moving on along the development cycle (its phase, a new cycle step) raised counts_version,
so every count kept for visitors was computed again: at 100,000 practices the facets of /praktijken took some
300 ms on the first request after it. Such a write now raises phase_counts_version, and the counts that do not
depend on phases (themes, action lines, regions, years, results of practices not filtered by phase) stay kept.
Code of the previous release raises counts_version for such writes, which is safe (it empties everything).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phase_counts_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade():
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.drop_column("phase_counts_version")
