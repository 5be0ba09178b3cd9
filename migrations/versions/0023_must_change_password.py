"""app_user.must_change_password: a password an administrator set (a new user's, a reset's) is replaced
by the user's own before anything else

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # added in place (ALTER TABLE ... ADD COLUMN, on SQLite too): a batch rebuild of app_user would drop
    # the table that other tables' rows point at, which SQLite's foreign keys refuse
    op.add_column(
        "app_user", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
