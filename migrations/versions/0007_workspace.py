"""workspace: web sessions, plan approvals, callbacks, visit and legal requests, agency placements

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 06:45:02.921203
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_placement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_agency_placement_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_placement")),
    )
    with op.batch_alter_table("agency_placement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_placement_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_agency_placement_agency", ["agency_code", "ends_on"], unique=False)

    op.create_table(
        "callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_callback_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_callback_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_callback_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback")),
    )
    with op.batch_alter_table("callback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_callback_user_status_due", ["user_id", "status", "due_at"], unique=False)

    op.create_table(
        "case_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_case_request_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_case_request_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_case_request_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_case_request_requested_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_request")),
    )
    with op.batch_alter_table("case_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_request_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_request_status"), ["status"], unique=False)

    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_web_session_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "plan_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("required_role", sa.String(length=30), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("waived_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_plan_approval_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_plan_approval_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["repayment_plan.id"],
            name=op.f("fk_plan_approval_plan_id_repayment_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_plan_approval_requested_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_approval")),
    )
    with op.batch_alter_table("plan_approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_approval_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_approval_status"), ["status"], unique=False)

    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_collection_action_team_id_team"), "team", ["team_id"], ["id"]
        )

    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=60), nullable=True))

    with op.batch_alter_table("repayment_plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("waived_interest_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("waived_fee_fen", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("total_fen", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("proposed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_repayment_plan_proposed_by_id_app_user"), "app_user", ["proposed_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("repayment_plan", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_repayment_plan_proposed_by_id_app_user"), type_="foreignkey")
        batch_op.drop_column("proposed_by_id")
        batch_op.drop_column("total_fen")
        batch_op.drop_column("waived_fee_fen")
        batch_op.drop_column("waived_interest_fen")

    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.drop_column("template")

    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_collection_action_team_id_team"), type_="foreignkey")
        batch_op.drop_column("team_id")

    with op.batch_alter_table("plan_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_approval_status"))
        batch_op.drop_index(batch_op.f("ix_plan_approval_plan_id"))

    op.drop_table("plan_approval")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))

    op.drop_table("web_session")
    with op.batch_alter_table("case_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_request_status"))
        batch_op.drop_index(batch_op.f("ix_case_request_account_id"))

    op.drop_table("case_request")
    with op.batch_alter_table("callback", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_user_status_due")
        batch_op.drop_index(batch_op.f("ix_callback_account_id"))

    op.drop_table("callback")
    with op.batch_alter_table("agency_placement", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_placement_agency")
        batch_op.drop_index(batch_op.f("ix_agency_placement_account_id"))

    op.drop_table("agency_placement")
