"""practice_tally and practice.result_count: counts of published practices kept current by triggers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 14:30:00

Issue 15. The facet counts of /praktijken without filters summed every published practice again after each write
that moved a count: at 100,000 practices some 300 ms on the first request after it. Triggers on practice, its
link tables and result now keep the number of published practices per region, phase, year, theme, action line
and "with results" in practice_tally, and the number of results per practice in practice.result_count, in the
transaction of every write (exchange/practices/tally.py). The upgrade counts what is there once.

Code of the previous release does not read the table; the triggers keep it current under that code as well.
"""

import sqlalchemy as sa
from alembic import op

from exchange.practices.tally import drop_statements, rebuild, trigger_statements

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


# The covering indexes of the counts and the list by date end with result_count, so the "with results" filter
# reads no table rows.
INDEXES = {
    "ix_practice_listing": [
        "id",
        "status",
        "phase_id",
        "region_id",
        "updated_at",
        "published_at",
        "created_at",
    ],
    "ix_practice_status_shown": ["status", "published_at", "created_at"],
}


def _index_result_count(*, with_it: bool) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="practice")
        op.create_index(name, "practice", [*columns, "result_count"] if with_it else columns, unique=False)


def upgrade():
    op.create_table(
        "practice_tally",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", name=op.f("pk_practice_tally")),
    )
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result_count", sa.Integer(), server_default="0", nullable=False))
    _index_result_count(with_it=True)
    bind = op.get_bind()
    for statement in trigger_statements(bind.dialect.name):
        op.execute(statement)
    rebuild(bind)


def downgrade():
    bind = op.get_bind()
    for statement in drop_statements(bind.dialect.name):
        op.execute(statement)
    _index_result_count(with_it=False)
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_column("result_count")
    op.drop_table("practice_tally")
