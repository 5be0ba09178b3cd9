"""agency commissions: agency_commission_rate (each agency's schedule), commission_statement (a month's
statement per agency); payment gains an index by paid_date

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_commission_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("age_band", sa.String(length=20), nullable=False),
        sa.Column("min_dpd", sa.Integer(), nullable=False),
        sa.Column("max_dpd", sa.Integer(), nullable=True),
        sa.Column("min_overdue_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("max_overdue_fen", sa.BigInteger(), nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_agency_commission_rate_rate_bp")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_commission_rate")),
    )
    op.create_index(
        "ix_agency_commission_rate_agency",
        "agency_commission_rate",
        ["agency_code", "effective_from"],
        unique=False,
    )
    op.create_table(
        "commission_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("provisional", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("collected_fen", sa.BigInteger(), nullable=False),
        sa.Column("commission_fen", sa.BigInteger(), nullable=False),
        sa.Column("clawback_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("unrated_payments", sa.Integer(), server_default="0", nullable=False),
        sa.Column("breakdown", sa.Text(), server_default="[]", nullable=False),
        sa.Column("unposted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unposted_detail", sa.Text(), server_default="{}", nullable=False),
        sa.Column("csv_path", sa.String(length=500), nullable=False),
        sa.Column("csv_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_path", sa.String(length=500), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("made_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_commission_statement_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["app_user.id"], name=op.f("fk_commission_statement_reviewed_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_statement")),
        sa.UniqueConstraint("agency_code", "month", name="uq_commission_statement_agency_month"),
    )
    op.create_index(
        "ix_commission_statement_month", "commission_statement", ["month", "status"], unique=False
    )
    # a month's payments read by their date (commission statements; docs/decisions/0033)
    op.create_index(op.f("ix_payment_paid_date"), "payment", ["paid_date"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_paid_date"), table_name="payment")
    op.drop_index("ix_commission_statement_month", table_name="commission_statement")
    op.drop_table("commission_statement")
    op.drop_index("ix_agency_commission_rate_agency", table_name="agency_commission_rate")
    op.drop_table("agency_commission_rate")
