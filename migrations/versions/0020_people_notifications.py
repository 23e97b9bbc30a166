"""PostgreSQL: triggers that notify changes to people, so each process can keep the sign-ins it checked

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 12:00:00

Issue 15. Every signed-in request read the person with their sign-in: one round trip, a third of a stored
workspace answer. Rows of `user`, `user_session`, `functionary_theme`, `coaching_assignment` and
`feedback_message` now notify `exchange_people` (the person's id, or "*") in the writing transaction, so a process
keeps a checked sign-in until something about its person changes (exchange/caching/signins.py). The statements
are those the application makes for a schema from the models; they are idempotent. SQLite: nothing to do.
"""

from alembic import op

from exchange.caching.signins import PEOPLE_TABLES, trigger_statements

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in trigger_statements():
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in PEOPLE_TABLES:
        op.execute(f'DROP TRIGGER IF EXISTS exchange_people ON "{table}"')
        op.execute(f'DROP TRIGGER IF EXISTS exchange_people_emptied ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS exchange_notify_people()")
