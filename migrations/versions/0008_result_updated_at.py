"""result.updated_at: when a result (measurement) was last corrected

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:30:00

Results can be edited now (issue 12). Existing rows get their created_at as updated_at. The index serves the API's
Last-Modified (max(updated_at)) and the digests' corrected results per period.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

result = sa.table("result", sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at"))


def upgrade():
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(result.update().values(updated_at=result.c.created_at))
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f("ix_result_updated_at"), ["updated_at"], unique=False)


def downgrade():
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_updated_at"))
        batch_op.drop_column("updated_at")
