"""call queue partial indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 08:22:10.299051
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.create_index(
            "ix_collection_action_claimed_calls",
            ["run_date", "priority", "id"],
            unique=False,
            postgresql_where=sa.text("channel = 'call' AND status = 'claimed'"),
            sqlite_where=sa.text("channel = 'call' AND status = 'claimed'"),
        )
        batch_op.create_index(
            "ix_collection_action_planned_calls",
            ["run_date", "priority", "id"],
            unique=False,
            postgresql_where=sa.text("channel = 'call' AND status = 'planned'"),
            sqlite_where=sa.text("channel = 'call' AND status = 'planned'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_collection_action_planned_calls",
            postgresql_where=sa.text("channel = 'call' AND status = 'planned'"),
            sqlite_where=sa.text("channel = 'call' AND status = 'planned'"),
        )
        batch_op.drop_index(
            "ix_collection_action_claimed_calls",
            postgresql_where=sa.text("channel = 'call' AND status = 'claimed'"),
            sqlite_where=sa.text("channel = 'call' AND status = 'claimed'"),
        )
