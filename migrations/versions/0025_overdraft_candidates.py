"""malicious-overdraft referral candidates: overdraft_candidate, one row per account and check day
with the evidence the check saw and legal's decision

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 11:29:11.310152
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "overdraft_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("check_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("first_collection_on", sa.Date(), nullable=False),
        sa.Column("first_collection_kind", sa.String(length=10), nullable=False),
        sa.Column("second_collection_on", sa.Date(), nullable=False),
        sa.Column("second_collection_kind", sa.String(length=10), nullable=False),
        sa.Column("eligible_from", sa.Date(), nullable=False),
        sa.Column("last_payment_on", sa.Date(), nullable=True),
        sa.Column("overdue_fen", sa.BigInteger(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_overdraft_candidate_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_overdraft_candidate_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_overdraft_candidate_decided_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overdraft_candidate")),
        sa.UniqueConstraint("account_id", "check_date", name="uq_overdraft_candidate_account_day"),
    )
    with op.batch_alter_table("overdraft_candidate", schema=None) as batch_op:
        batch_op.create_index("ix_overdraft_candidate_day", ["check_date", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("overdraft_candidate", schema=None) as batch_op:
        batch_op.drop_index("ix_overdraft_candidate_day")

    op.drop_table("overdraft_candidate")
