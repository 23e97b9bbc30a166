"""data_version: a second number, counts_version, raised by the writes that can change a count of practices

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 09:00:00

Issue 15. The facet counts of /praktijken and of the theme and region pages are sums over every visible practice
(some 200 ms at 100,000 practices on PostgreSQL). Most edits change only text (a summary, a body), which moves no
count; counts_version is raised with the data version except by such edits, and the counts are kept per process
while it stands. A new column with a default: code that does not know it (the previous release, during a rolling
deploy) raises only `version`; counts the new release keeps can then lag behind such a release's writes until
the next write of the new release that moves a count, so deploy it as usual (stop the old workers, then start).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counts_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.drop_column("counts_version")
