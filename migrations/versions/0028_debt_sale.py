"""debt sale: candidate pools (debt_sale_pool, their accounts frozen in debt_sale_pool_account), sales
(debt_sale, one live per pool), the accounts sold (sold_account, one row per account: never sold twice)
and the payments received on them to forward to the buyer (sold_payment_forward)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "status <> 'rejected'"


def _fk(table: str, column: str, target: str, *, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE" if cascade else None,
    )  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "debt_sale_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("min_dpd", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("expected_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("debt_sale_pool", "created_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debt_sale_pool")),
    )
    op.create_index("ix_debt_sale_pool_status", "debt_sale_pool", ["status", "as_of_date"], unique=False)

    op.create_table(
        "debt_sale_pool_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=10), nullable=False),
        sa.Column("regulatory_class", sa.String(length=20), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("overdue_fen", sa.BigInteger(), nullable=False),
        sa.Column("oldest_unpaid_due_date", sa.Date(), nullable=True),
        sa.Column("p_pay_bp", sa.Integer(), nullable=True),
        sa.Column("months_paid", sa.Integer(), nullable=False),
        sa.Column("paid_12m_fen", sa.BigInteger(), nullable=False),
        sa.Column("last_paid_on", sa.Date(), nullable=True),
        sa.Column("expected_fen", sa.BigInteger(), nullable=False),
        _fk("debt_sale_pool_account", "pool_id", "debt_sale_pool", cascade=True),
        _fk("debt_sale_pool_account", "account_id", "card_account", cascade=True),
        _fk("debt_sale_pool_account", "customer_id", "customer", cascade=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debt_sale_pool_account")),
        sa.UniqueConstraint("pool_id", "account_id", name="uq_debt_sale_pool_account"),
    )
    op.create_index(
        "ix_debt_sale_pool_account_account", "debt_sale_pool_account", ["account_id"], unique=False
    )

    op.create_table(
        "debt_sale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="proposed", nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_licence", sa.String(length=100), nullable=False),
        sa.Column("buyer_contact", sa.String(length=500), nullable=False),
        sa.Column("buyer_pay_to", sa.String(length=500), nullable=False),
        sa.Column("buyer_collects_itself", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("file_path", sa.String(length=300), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_rows", sa.Integer(), nullable=True),
        _fk("debt_sale", "pool_id", "debt_sale_pool"),
        _fk("debt_sale", "proposed_by_id", "app_user"),
        _fk("debt_sale", "decided_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debt_sale")),
    )
    op.create_index("ix_debt_sale_status", "debt_sale", ["status", "sold_on"], unique=False)
    op.create_index(
        "ux_debt_sale_pool_live", "debt_sale", ["pool_id"], unique=True,
        postgresql_where=sa.text(_LIVE), sqlite_where=sa.text(_LIVE),
    )  # fmt: skip

    op.create_table(
        "sold_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False),
        sa.Column("cutoff_on", sa.Date(), nullable=False),
        sa.Column("notice_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("sold_account", "account_id", "card_account", cascade=True),
        _fk("sold_account", "customer_id", "customer", cascade=True),
        _fk("sold_account", "sale_id", "debt_sale"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sold_account")),
        sa.UniqueConstraint("account_id", name=op.f("uq_sold_account_account_id")),
    )
    op.create_index("ix_sold_account_sale", "sold_account", ["sale_id"], unique=False)

    op.create_table(
        "sold_payment_forward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        _fk("sold_payment_forward", "sale_id", "debt_sale"),
        _fk("sold_payment_forward", "account_id", "card_account", cascade=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sold_payment_forward")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_sold_payment_forward_payment_id")),
    )
    op.create_index(
        "ix_sold_payment_forward_sale", "sold_payment_forward", ["sale_id", "paid_date"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sold_payment_forward_sale", table_name="sold_payment_forward")
    op.drop_table("sold_payment_forward")
    op.drop_index("ix_sold_account_sale", table_name="sold_account")
    op.drop_table("sold_account")
    op.drop_index("ux_debt_sale_pool_live", table_name="debt_sale")
    op.drop_index("ix_debt_sale_status", table_name="debt_sale")
    op.drop_table("debt_sale")
    op.drop_index("ix_debt_sale_pool_account_account", table_name="debt_sale_pool_account")
    op.drop_table("debt_sale_pool_account")
    op.drop_index("ix_debt_sale_pool_status", table_name="debt_sale_pool")
    op.drop_table("debt_sale_pool")
