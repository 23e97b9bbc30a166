"""search change log: search_outbox rows are kept (every server's index follows them from its own position), so
they get an index on created_at for pruning (`flask search prune-log`) and for the lag in /healthz

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:00:00

Issue 18 (several app servers). The table keeps its name; its id is the sequence number. Rows an old release
left behind are exactly the changes its index had not applied yet: an index without a position applies them.
(Other branches add revisions beside this one; whoever merges chains them.)
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_outbox_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_outbox_created_at"))
