"""visit availability

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 08:36:20.005534
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_visit_availability_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_availability")),
    )
    with op.batch_alter_table("visit_availability", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_availability_customer_id"), ["customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit_availability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_availability_customer_id"))

    op.drop_table("visit_availability")
