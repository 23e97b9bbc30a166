"""practice profile: target ages, partners, youth participation, evidence level, costs and funding

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:30:00

Issue 17 (the profile). Every new column is optional (NULL or an empty text), so every existing practice stays
valid without a data migration. Partners are organisations shared across practices (`organisation`, one row per
folded name and kind) linked in order through `practice_partner`.
(Other branches add 0011/0012 beside this one; whoever merges chains them.)
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.CheckConstraint("name <> ''", name=op.f("ck_organisation_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name_key", "kind", name=op.f("uq_organisation_name_key")),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_name_key"), ["name_key"], unique=False)
    op.create_table(
        "practice_partner",
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_practice_partner_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_practice_partner_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("practice_id", "organisation_id", name=op.f("pk_practice_partner")),
    )
    with op.batch_alter_table("practice_partner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_partner_organisation_id"), ["organisation_id"], unique=False
        )
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("age_to", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("participation_level", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("participation_note", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("evidence_level", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("evidence_url", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("evidence_year", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cost_indication", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("fund_used", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("fund_amount_eur", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "age_range",
            "(age_from IS NULL OR age_from BETWEEN 0 AND 99) AND (age_to IS NULL OR age_to BETWEEN 0 AND 99) "
            "AND (age_from IS NULL OR age_to IS NULL OR age_from <= age_to)",
        )
        batch_op.create_check_constraint(
            "fund_amount_not_negative", "fund_amount_eur IS NULL OR fund_amount_eur >= 0"
        )
    # The server defaults only filled the existing rows; the models give the defaults from now on.
    with op.batch_alter_table("practice", schema=None) as batch_op:
        for name, length in (("participation_note", 500), ("evidence_url", 500), ("cost_indication", 200)):
            batch_op.alter_column(name, existing_type=sa.String(length=length), server_default=None)


def downgrade():
    with op.batch_alter_table("practice", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_practice_fund_amount_not_negative"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_practice_age_range"), type_="check")
        for name in (
            "fund_amount_eur",
            "fund_used",
            "cost_indication",
            "evidence_year",
            "evidence_url",
            "evidence_level",
            "participation_note",
            "participation_level",
            "age_to",
            "age_from",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("practice_partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_partner_organisation_id"))
    op.drop_table("practice_partner")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_name_key"))
    op.drop_table("organisation")
