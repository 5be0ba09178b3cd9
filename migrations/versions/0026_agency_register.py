"""agency register: agency, placement_batch, handover_file; agency_placement gains its batch and its
recall (recalled_on, the last day held; recalled_at; recall_reason)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("licence_no", sa.String(length=100), nullable=False),
        sa.Column("licence_valid_until", sa.Date(), nullable=True),
        sa.Column("whitelisted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("contract_starts_on", sa.Date(), nullable=True),
        sa.Column("contract_ends_on", sa.Date(), nullable=True),
        sa.Column("terms_signed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_inspection_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("capacity", sa.Integer(), server_default="0", nullable=False),
        sa.Column("territories", sa.Text(), server_default="[]", nullable=False),
        sa.Column("contacts", sa.Text(), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
        sa.UniqueConstraint("code", name=op.f("uq_agency_code")),
    )
    op.create_table(
        "placement_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), server_default="{}", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_placement_batch_created_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_batch")),
    )
    op.create_index(op.f("ix_placement_batch_run_date"), "placement_batch", ["run_date"], unique=False)
    op.create_table(
        "handover_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["placement_batch.id"],
            name=op.f("fk_handover_file_batch_id_placement_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_file")),
    )
    op.create_index(op.f("ix_handover_file_batch_id"), "handover_file", ["batch_id"], unique=False)
    # added in place (ALTER TABLE ... ADD COLUMN, on SQLite too): a batch rebuild would drop a table
    # that other rows may point at
    op.add_column("agency_placement", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.add_column("agency_placement", sa.Column("recalled_on", sa.Date(), nullable=True))
    op.add_column("agency_placement", sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("agency_placement", sa.Column("recall_reason", sa.String(length=30), nullable=True))
    op.create_index("ix_agency_placement_batch", "agency_placement", ["batch_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agency_placement_batch", table_name="agency_placement")
    with op.batch_alter_table("agency_placement", schema=None) as batch_op:
        batch_op.drop_column("recall_reason")
        batch_op.drop_column("recalled_at")
        batch_op.drop_column("recalled_on")
        batch_op.drop_column("batch_id")
    op.drop_index(op.f("ix_handover_file_batch_id"), table_name="handover_file")
    op.drop_table("handover_file")
    op.drop_index(op.f("ix_placement_batch_run_date"), table_name="placement_batch")
    op.drop_table("placement_batch")
    op.drop_table("agency")
