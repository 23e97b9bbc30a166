"""search: outbox, synonyms (with the shipped defaults) and searches that found nothing

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:48:33.825810

After upgrading, build the index once: `flask search reindex` (`make run` does).
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The groups shipped with this version (a copy: later edits of exchange/search/synonyms.py do not change history).
DEFAULT_SYNONYMS = [
    ("jeugdhulp, jeugdzorg", "Het stelselbrede woord en het oude woord."),
    ("jeugdhulpaanbieder, zorgaanbieder, jeugdzorgaanbieder", ""),
    (
        "wijkteam, buurtteam, jeugdteam, lokaal team, sociaal team, toegangsteam",
        "Namen voor de lokale toegang.",
    ),
    ("thuiszitter, thuiszittende leerling, schoolverzuimer", ""),
    ("lvb, licht verstandelijke beperking", ""),
    ("jim, jouw ingebrachte mentor, netwerkmentor", "Sociale netwerkstrategieën."),
    ("poh, praktijkondersteuner, praktijkondersteuner huisarts", "POH-jeugd bij de huisarts."),
    ("ggz, geestelijke gezondheidszorg", ""),
    ("jgz, jeugdgezondheidszorg", ""),
    ("cjg, centrum voor jeugd en gezin", ""),
    ("jeugdbescherming, kinderbescherming", ""),
    ("wachtlijst, wachttijd", ""),
    ("inkoop, contractering, aanbesteding", ""),
    ("outcome, uitkomst, maatschappelijk effect", ""),
    ("vakmanschap, professionalisering", ""),
    ("pleegzorg, pleeggezin", ""),
    ("gezinshuis, gezinsvervangend tehuis", ""),
    ("verlengde jeugdhulp, jeugdhulp na 18", "18-/18+."),
    ("veilig thuis, amhk", "Advies- en meldpunt huiselijk geweld en kindermishandeling."),
    ("mdo, multidisciplinair overleg", ""),
    ("vng, vereniging van nederlandse gemeenten", ""),
    ("ozj, ondersteuningsteam zorg voor de jeugd", ""),
]


def upgrade():
    op.create_table(
        "search_miss",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("count >= 1", name=op.f("ck_search_miss_count_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_miss")),
        sa.UniqueConstraint("query", name=op.f("uq_search_miss_query")),
    )
    with op.batch_alter_table("search_miss", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_miss_last_seen"), ["last_seen"], unique=False)

    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('practice', 'result', 'theme', 'region')", name=op.f("ck_search_outbox_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_search_outbox_kind_object", ["kind", "object_id"], unique=False)

    synonym = op.create_table(
        "search_synonym",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.String(length=500), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("terms <> ''", name=op.f("ck_search_synonym_terms_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonym")),
        sa.UniqueConstraint("terms", name=op.f("uq_search_synonym_terms")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        synonym,
        [
            {"terms": terms, "note": note, "created_at": now, "updated_at": now}
            for terms, note in DEFAULT_SYNONYMS
        ],
    )


def downgrade():
    op.drop_table("search_synonym")
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_search_outbox_kind_object")

    op.drop_table("search_outbox")
    with op.batch_alter_table("search_miss", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_miss_last_seen"))

    op.drop_table("search_miss")
