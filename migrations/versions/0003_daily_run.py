"""daily run

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:52:20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strategy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_version")),
        sa.UniqueConstraint("sha256", name=op.f("uq_strategy_version_sha256")),
    )
    op.create_table(
        "daily_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("steps_done", sa.Text(), server_default="", nullable=False),
        sa.Column("strategy_version_id", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("policy", sa.String(length=120), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["strategy_version_id"],
            ["strategy_version.id"],
            name=op.f("fk_daily_run_strategy_version_id_strategy_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_run")),
        sa.UniqueConstraint("run_date", name=op.f("uq_daily_run_run_date")),
    )
    op.create_table(
        "collection_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=True),
        sa.Column("segment", sa.String(length=60), nullable=False),
        sa.Column("arm", sa.String(length=60), nullable=False),
        sa.Column("treatment", sa.String(length=60), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("deadline_day", sa.Integer(), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="planned", nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_collection_action_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_collection_action_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_action")),
    )
    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.create_index("ix_collection_action_account_run", ["account_id", "run_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_action_run_date"), ["run_date"], unique=False)

    op.create_table(
        "promise_to_pay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_promise_to_pay_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_to_pay")),
    )
    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promise_to_pay_account_id"), ["account_id"], unique=False)

    op.create_table(
        "repayment_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("waived_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_repayment_plan_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayment_plan")),
    )
    with op.batch_alter_table("repayment_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repayment_plan_account_id"), ["account_id"], unique=False)

    op.create_table(
        "plan_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="due", nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["repayment_plan.id"],
            name=op.f("fk_plan_instalment_plan_id_repayment_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_instalment")),
    )
    with op.batch_alter_table("plan_instalment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_instalment_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_instalment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_instalment_plan_id"))

    op.drop_table("plan_instalment")
    with op.batch_alter_table("repayment_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repayment_plan_account_id"))

    op.drop_table("repayment_plan")
    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promise_to_pay_account_id"))

    op.drop_table("promise_to_pay")
    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_action_run_date"))
        batch_op.drop_index("ix_collection_action_account_run")

    op.drop_table("collection_action")
    op.drop_table("daily_run")
    op.drop_table("strategy_version")
