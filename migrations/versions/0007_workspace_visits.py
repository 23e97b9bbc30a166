"""user.workspace_seen_at and user.workspace_previous_visit_at, for the workspace's "new since your last visit"

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00

Both are NULL until the person opens /werkruimte; a NULL previous visit makes the workspace show the last 14 days.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("workspace_previous_visit_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("workspace_previous_visit_at")
        batch_op.drop_column("workspace_seen_at")
