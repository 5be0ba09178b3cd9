"""a legal case's documents in the outbox: outbox_message gains legal_case_id (the case whose document
the message is: a lawyer's letter), with a partial index on the rows that have one

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_CASE = "legal_case_id IS NOT NULL"


def upgrade() -> None:
    # added in place (ALTER TABLE ... ADD COLUMN, on SQLite too): a batch rebuild would drop a table
    # that outbox_event and inbound_message point at
    op.add_column("outbox_message", sa.Column("legal_case_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_outbox_message_legal_case", "outbox_message", ["legal_case_id"], unique=False,
        postgresql_where=sa.text(_HAS_CASE), sqlite_where=sa.text(_HAS_CASE),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_outbox_message_legal_case", table_name="outbox_message")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("legal_case_id")
