"""contact events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 05:53:21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("party", sa.String(length=20), nullable=False),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("conversation", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_contact_event_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_point.id"],
            name=op.f("fk_contact_event_contact_point_id_contact_point"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_contact_event_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_contact_event_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_event")),
    )
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_event_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_contact_event_customer_at", ["customer_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_event_customer_at")
        batch_op.drop_index(batch_op.f("ix_contact_event_account_id"))

    op.drop_table("contact_event")
