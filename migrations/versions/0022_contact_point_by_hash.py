"""contact points found by their value's keyed hash alone (ix_contact_point_value_hash): a cardholder's
reply and an inbound caller's number name no customer, and the unique key starts with the customer

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 10:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.create_index("ix_contact_point_value_hash", ["value_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_point", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_point_value_hash")
