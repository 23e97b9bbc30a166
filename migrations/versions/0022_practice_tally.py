"""practice_tally: counts of published practices kept current by triggers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 14:30:00

Issue 15. The facet counts of /praktijken without filters summed every published practice again after each write
that moved a count: at 100,000 practices some 300 ms on the first request after it. Triggers on practice, its
link tables and result now keep the number of published practices per region, phase, year, theme, action line
and "with results" in practice_tally, in the transaction of every write (exchange/practices/tally.py). The upgrade counts what is there once.

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


def upgrade():
    op.create_table(
        "practice_tally",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", name=op.f("pk_practice_tally")),
    )
    bind = op.get_bind()
    for statement in trigger_statements(bind.dialect.name):
        op.execute(statement)
    rebuild(bind)


def downgrade():
    bind = op.get_bind()
    for statement in drop_statements(bind.dialect.name):
        op.execute(statement)
    op.drop_table("practice_tally")
