"""mail outbox (outgoing_mail), indexes on practice_revision.created_at and cycle_step.created_at, action_line.short_en

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 13:00:00

outgoing_mail holds queued messages until the SMTP server accepted them (written in the transaction of the change
the mail is about; deleted once delivered). The two indexes serve digests (revisions per period) and the API's
Last-Modified (max(created_at)). action_line.short_en is the English short label (filled by `flask seed reference`).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
        sa.UniqueConstraint("key", name=op.f("uq_outgoing_mail_key")),
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index("ix_outgoing_mail_created_at", ["created_at"], unique=False)
    with op.batch_alter_table("practice_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practice_revision_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("cycle_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cycle_step_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("action_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_en", sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table("action_line", schema=None) as batch_op:
        batch_op.drop_column("short_en")
    with op.batch_alter_table("cycle_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_step_created_at"))
    with op.batch_alter_table("practice_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_revision_created_at"))
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index("ix_outgoing_mail_created_at")
    op.drop_table("outgoing_mail")
