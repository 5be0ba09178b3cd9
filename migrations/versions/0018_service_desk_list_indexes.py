"""service desk: partial indexes for the desk's lists (unresolved cases by deadline, resolved by resolution)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNRESOLVED = "status IN ('open', 'acknowledged')"
RESOLVED = "status IN ('resolved', 'closed')"


def upgrade() -> None:
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_case_open_due",
            ["resolve_by", "id"],
            unique=False,
            postgresql_where=sa.text(UNRESOLVED),
            sqlite_where=sa.text(UNRESOLVED),
        )
        batch_op.create_index(
            "ix_service_case_resolved",
            ["resolved_at", "id"],
            unique=False,
            postgresql_where=sa.text(RESOLVED),
            sqlite_where=sa.text(RESOLVED),
        )


def downgrade() -> None:
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.drop_index("ix_service_case_resolved")
        batch_op.drop_index("ix_service_case_open_due")
