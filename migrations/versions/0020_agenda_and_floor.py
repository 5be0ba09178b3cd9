"""agenda and floor: the day's targets (day_target), who took a promise (promise_to_pay.taken_by_id),
calls a team lead reserved for a collector (collection_action.assigned_to_id), a collector's contacts
and promises by time (ix_contact_event_user_at, ix_promise_to_pay_taken_by)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_ROW, USER_ROW = "user_id IS NULL", "user_id IS NOT NULL"
RESERVED = "assigned_to_id IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "day_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=True),
        sa.Column("rpcs", sa.Integer(), nullable=True),
        sa.Column("promises", sa.Integer(), nullable=True),
        sa.Column("collected_fen", sa.BigInteger(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_day_target_team_id_team"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_day_target_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["app_user.id"], name=op.f("fk_day_target_set_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_target")),
    )
    with op.batch_alter_table("day_target", schema=None) as batch_op:
        batch_op.create_index(
            "ux_day_target_team",
            ["target_date", "team_id"],
            unique=True,
            postgresql_where=sa.text(TEAM_ROW),
            sqlite_where=sa.text(TEAM_ROW),
        )
        batch_op.create_index(
            "ux_day_target_user",
            ["target_date", "user_id"],
            unique=True,
            postgresql_where=sa.text(USER_ROW),
            sqlite_where=sa.text(USER_ROW),
        )

    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_promise_to_pay_taken_by_id_app_user"), "app_user", ["taken_by_id"], ["id"]
        )
        batch_op.create_index("ix_promise_to_pay_taken_by", ["taken_by_id", "taken_on"], unique=False)

    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_collection_action_assigned_to_id_app_user"), "app_user", ["assigned_to_id"], ["id"]
        )
        batch_op.create_index(
            "ix_collection_action_reserved",
            ["assigned_to_id", "run_date", "status", "priority", "id"],
            unique=False,
            postgresql_where=sa.text(RESERVED),
            sqlite_where=sa.text(RESERVED),
        )

    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.create_index("ix_contact_event_user_at", ["user_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_event_user_at")

    with op.batch_alter_table("collection_action", schema=None) as batch_op:
        batch_op.drop_index("ix_collection_action_reserved")
        batch_op.drop_constraint(
            batch_op.f("fk_collection_action_assigned_to_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_column("assigned_to_id")

    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.drop_index("ix_promise_to_pay_taken_by")
        batch_op.drop_constraint(batch_op.f("fk_promise_to_pay_taken_by_id_app_user"), type_="foreignkey")
        batch_op.drop_column("taken_by_id")

    with op.batch_alter_table("day_target", schema=None) as batch_op:
        batch_op.drop_index("ux_day_target_user")
        batch_op.drop_index("ux_day_target_team")

    op.drop_table("day_target")
