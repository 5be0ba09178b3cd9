"""the malicious-overdraft check's indexes: right-party calls and delivered letters by account and
instant (partial; on SQLite they hold every column the check reads, on PostgreSQL with the row's id),
and a check day's candidates by account (in place of the day's by status)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RIGHT_PARTY_CALL = "channel = 'call' AND party = 'debtor' AND conversation"
DELIVERED_LETTER = "channel = 'letter' AND delivered_at IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_contact_event_right_party_call",
        "contact_event",
        ["account_id", "at", "channel", "party", "conversation"],
        unique=False,
        postgresql_include=["id"],
        postgresql_where=sa.text(RIGHT_PARTY_CALL),
        sqlite_where=sa.text(RIGHT_PARTY_CALL),
    )
    op.create_index(
        "ix_outbox_message_delivered_letter",
        "outbox_message",
        ["account_id", "delivered_at", "template", "channel", "tracking_no"],
        unique=False,
        postgresql_include=["id"],
        postgresql_where=sa.text(DELIVERED_LETTER),
        sqlite_where=sa.text(DELIVERED_LETTER),
    )
    op.drop_index("ix_overdraft_candidate_day", table_name="overdraft_candidate")
    op.create_index(
        "ix_overdraft_candidate_day_account",
        "overdraft_candidate",
        ["check_date", "account_id", "status"],
        unique=False,
        postgresql_include=["id"],
    )


def downgrade() -> None:
    op.drop_index("ix_overdraft_candidate_day_account", table_name="overdraft_candidate")
    op.create_index(
        "ix_overdraft_candidate_day", "overdraft_candidate", ["check_date", "status"], unique=False
    )
    op.drop_index("ix_outbox_message_delivered_letter", table_name="outbox_message")
    op.drop_index("ix_contact_event_right_party_call", table_name="contact_event")
