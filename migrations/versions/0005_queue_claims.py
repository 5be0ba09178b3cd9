"""queue claims

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_collection_action_claimed_by_id_app_user"), "app_user", ["claimed_by_id"], ["id"]
        )
        batch_op.create_index(
            "ix_collection_action_queue", ["run_date", "channel", "status", "priority"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.drop_index("ix_collection_action_queue")
        batch_op.drop_constraint(
            batch_op.f("fk_collection_action_claimed_by_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by_id")
