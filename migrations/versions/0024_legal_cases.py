"""legal cases: an account in proceedings (legal_case, one open per account), its steps (legal_step),
the deadlines they start (legal_deadline) and its costs (legal_cost)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 10:57:47.861415
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legal_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), server_default="review", nullable=False),
        sa.Column("close_reason", sa.String(length=20), nullable=True),
        sa.Column("firm_team_id", sa.Integer(), nullable=True),
        sa.Column("claim_fen", sa.BigInteger(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_step_on", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_legal_case_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_legal_case_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["firm_team_id"], ["team.id"], name=op.f("fk_legal_case_firm_team_id_team")),
        sa.ForeignKeyConstraint(["hold_id"], ["hold.id"], name=op.f("fk_legal_case_hold_id_hold")),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["app_user.id"], name=op.f("fk_legal_case_opened_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_case")),
    )
    with op.batch_alter_table("legal_case", schema=None) as batch_op:
        batch_op.create_index("ix_legal_case_firm", ["firm_team_id", "stage"], unique=False)
        batch_op.create_index("ix_legal_case_stage", ["stage", "last_step_on"], unique=False)
        batch_op.create_index(
            "ux_legal_case_open",
            ["account_id"],
            unique=True,
            postgresql_where=sa.text("stage <> 'closed'"),
            sqlite_where=sa.text("stage <> 'closed'"),
        )

    op.create_table(
        "legal_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("firm_team_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["app_user.id"], name=op.f("fk_legal_cost_by_id_app_user")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["legal_case.id"], name=op.f("fk_legal_cost_case_id_legal_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["firm_team_id"], ["team.id"], name=op.f("fk_legal_cost_firm_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_cost")),
    )
    with op.batch_alter_table("legal_cost", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_cost_case_id"), ["case_id"], unique=False)

    op.create_table(
        "legal_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("step_on", sa.Date(), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["app_user.id"], name=op.f("fk_legal_step_by_id_app_user")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["legal_case.id"], name=op.f("fk_legal_step_case_id_legal_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_step")),
    )
    with op.batch_alter_table("legal_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_step_case_id"), ["case_id"], unique=False)

    op.create_table(
        "legal_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["legal_case.id"],
            name=op.f("fk_legal_deadline_case_id_legal_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["legal_step.id"], name=op.f("fk_legal_deadline_step_id_legal_step")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_deadline")),
    )
    with op.batch_alter_table("legal_deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_deadline_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_legal_deadline_open",
            ["due_on"],
            unique=False,
            postgresql_where=sa.text("settled_at IS NULL"),
            sqlite_where=sa.text("settled_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("legal_deadline", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_legal_deadline_open",
            postgresql_where=sa.text("settled_at IS NULL"),
            sqlite_where=sa.text("settled_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_legal_deadline_case_id"))

    op.drop_table("legal_deadline")
    with op.batch_alter_table("legal_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_step_case_id"))

    op.drop_table("legal_step")
    with op.batch_alter_table("legal_cost", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_cost_case_id"))

    op.drop_table("legal_cost")
    with op.batch_alter_table("legal_case", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_legal_case_open",
            postgresql_where=sa.text("stage <> 'closed'"),
            sqlite_where=sa.text("stage <> 'closed'"),
        )
        batch_op.drop_index("ix_legal_case_stage")
        batch_op.drop_index("ix_legal_case_firm")

    op.drop_table("legal_case")
