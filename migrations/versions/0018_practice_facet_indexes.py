"""practice: covering indexes for the facet counts of /praktijken and the newest-first pages of the API list

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 23:50:00

Issue 15. The facet counts group the visible (published) practices by phase and by the year they are shown
under (published, else created). With (status, published_at, created_at), and for phases the prefix of 0017's
(status, phase_id, updated_at, id), both databases count from the index alone instead of reading every practice
row; (status, updated_at, id) gives the API list's pages newest update first from the index, stopping after a
page. Only new indexes: code that does not know them (the previous release, during a rolling deploy) is
unaffected.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_practice_status_shown", ["status", "published_at", "created_at"], unique=False
        )
        batch_op.create_index("ix_practice_status_updated", ["status", "updated_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_index("ix_practice_status_updated")
        batch_op.drop_index("ix_practice_status_shown")
