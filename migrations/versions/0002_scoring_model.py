"""scoring model registry

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scoring_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("directory", sa.String(length=500), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column("cv_auc", sa.Float(), nullable=False),
        sa.Column("cv_ece", sa.Float(), nullable=False),
        sa.Column("card", sa.Text(), nullable=False),
        sa.Column("registered_by", sa.String(length=120), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("promoted_by", sa.String(length=120), nullable=True),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_model")),
        sa.UniqueConstraint("version", name=op.f("uq_scoring_model_version")),
    )
    op.create_index(
        "uq_scoring_model_active",
        "scoring_model",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("uq_scoring_model_active", table_name="scoring_model")
    op.drop_table("scoring_model")
