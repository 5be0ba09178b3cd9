"""account_score: the latest score of each account with its reasons

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 06:50:18.190495
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_score",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("p_default", sa.Float(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("risk_tier", sa.String(length=8), nullable=False),
        sa.Column("willingness", sa.SmallInteger(), nullable=False),
        sa.Column("ability", sa.SmallInteger(), nullable=False),
        sa.Column("reason_1", sa.String(length=64), nullable=True),
        sa.Column("reason_1_zh", sa.String(length=200), nullable=True),
        sa.Column("reason_1_en", sa.String(length=200), nullable=True),
        sa.Column("reason_2", sa.String(length=64), nullable=True),
        sa.Column("reason_2_zh", sa.String(length=200), nullable=True),
        sa.Column("reason_2_en", sa.String(length=200), nullable=True),
        sa.Column("reason_3", sa.String(length=64), nullable=True),
        sa.Column("reason_3_zh", sa.String(length=200), nullable=True),
        sa.Column("reason_3_en", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_account_score_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_score")),
    )


def downgrade() -> None:
    op.drop_table("account_score")
