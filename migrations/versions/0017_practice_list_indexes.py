"""practice list indexes: newest per phase from an index, and counts without reading practice rows

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 23:40:00

Issue 15 (theme, region and home pages rendered afresh). `ix_practice_status_phase_updated` lets the database
walk a phase's visible practices newest first and stop after the ten a theme page shows;
`ix_practice_listing` holds the columns the grouped counts and cards filter on, so counting a theme's practices
reads this narrow index instead of the wide practice rows (with their bodies). Indexes only: code that does not
know them (the previous release, during a rolling deploy) is unaffected.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_practice_status_phase_updated", ["status", "phase_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_practice_listing",
            ["id", "status", "phase_id", "region_id", "updated_at", "published_at", "created_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_index("ix_practice_listing")
        batch_op.drop_index("ix_practice_status_phase_updated")
