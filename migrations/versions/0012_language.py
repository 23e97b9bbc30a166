"""user.language and subscriber.language: the language of every mail to them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:30:00

Issue 16: mail (confirmation, digest, notification, invitation, reset) is written in the recipient's language.
Existing rows get Dutch, the language every mail was written in so far. A consent can now also be given on the
manage page (source 'manage': themes or regions added through the mailed manage link).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


SOURCES_BEFORE = "source IN ('form', 'account')"
SOURCES_AFTER = "source IN ('form', 'account', 'manage')"


def _sources(check: str) -> None:
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_consent_source_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_consent_source_known"), sa.text(check))


def upgrade():
    for table in ("user", "subscriber"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("language", sa.String(length=5), server_default="nl", nullable=False)
            )
    _sources(SOURCES_AFTER)


def downgrade():
    consent = sa.table("consent", sa.column("source", sa.String))
    op.execute(consent.update().where(consent.c.source == "manage").values(source="form"))
    _sources(SOURCES_BEFORE)
    for table in ("subscriber", "user"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
