"""full dossier: the bank's profile of a customer (occupation, employer, income band, housing,
household, other products) and the facts staff learn (learned_fact, a history beside the bank's data)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 07:41:37.531446
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learned_fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("visit_stop_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.String(length=20).with_variant(sa.String(length=20, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("value_enc", sa.LargeBinary(), nullable=False),
        sa.Column("value_masked", sa.String(length=400), nullable=False),
        sa.Column(
            "source",
            sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("learned_date", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_learned_fact_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_learned_fact_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["app_user.id"], name=op.f("fk_learned_fact_recorded_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["visit_stop_id"],
            ["visit_stop.id"],
            name=op.f("fk_learned_fact_visit_stop_id_visit_stop"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_fact")),
    )
    with op.batch_alter_table("learned_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learned_fact_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "ix_learned_fact_customer_recorded", ["customer_id", "recorded_at"], unique=False
        )

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occupation", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("employer_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "employer_hash",
                sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("employer_masked", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "income_band",
                sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "housing",
                sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("dependants", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("household_size", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("other_products", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("other_products")
        batch_op.drop_column("household_size")
        batch_op.drop_column("dependants")
        batch_op.drop_column("housing")
        batch_op.drop_column("income_band")
        batch_op.drop_column("employer_masked")
        batch_op.drop_column("employer_hash")
        batch_op.drop_column("employer_enc")
        batch_op.drop_column("occupation")

    with op.batch_alter_table("learned_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_learned_fact_customer_recorded")
        batch_op.drop_index(batch_op.f("ix_learned_fact_account_id"))

    op.drop_table("learned_fact")
