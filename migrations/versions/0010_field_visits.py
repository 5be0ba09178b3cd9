"""field visits: visitors, pairs, appointments, routes and stops, photos, safety alerts, follow-up tasks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 08:03:09.174112
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_visit_appointment_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_visit_appointment_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_appointment")),
    )
    with op.batch_alter_table("visit_appointment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_appointment_account_id"), ["account_id"], unique=False)

    op.create_table(
        "visit_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("first_user_id", sa.Integer(), nullable=False),
        sa.Column("second_user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_user_id"], ["app_user.id"], name=op.f("fk_visit_pair_first_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["second_user_id"], ["app_user.id"], name=op.f("fk_visit_pair_second_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_visit_pair_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_pair")),
        sa.UniqueConstraint("code", name=op.f("uq_visit_pair_code")),
    )
    op.create_table(
        "visitor_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("base_label", sa.String(length=200), nullable=False),
        sa.Column("base_lat", sa.Float(), nullable=False),
        sa.Column("base_lon", sa.Float(), nullable=False),
        sa.Column("shift_start_minute", sa.Integer(), nullable=False),
        sa.Column("shift_end_minute", sa.Integer(), nullable=False),
        sa.Column("skills", sa.String(length=200), nullable=False),
        sa.Column("territory", sa.Text(), nullable=False),
        sa.Column("daily_capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_visitor_profile_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_visitor_profile")),
    )
    op.create_table(
        "visit_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="planned", nullable=False),
        sa.Column("planned_start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("travel_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["visit_pair.id"], name=op.f("fk_visit_route_pair_id_visit_pair")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_route")),
    )
    with op.batch_alter_table("visit_route", schema=None) as batch_op:
        batch_op.create_index("ix_visit_route_day_pair", ["plan_date", "pair_id"], unique=True)

    op.create_table(
        "visit_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("planned_arrival_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="planned", nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_in_lat", sa.Float(), nullable=True),
        sa.Column("check_in_lon", sa.Float(), nullable=True),
        sa.Column("check_in_distance_m", sa.Float(), nullable=True),
        sa.Column("check_in_far", sa.Boolean(), nullable=False),
        sa.Column("expected_checkout_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protocol", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_visit_stop_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["visit_appointment.id"],
            name=op.f("fk_visit_stop_appointment_id_visit_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_point.id"],
            name=op.f("fk_visit_stop_contact_point_id_contact_point"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_visit_stop_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["visit_route.id"],
            name=op.f("fk_visit_stop_route_id_visit_route"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_stop")),
    )
    with op.batch_alter_table("visit_stop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_stop_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_stop_route_id"), ["route_id"], unique=False)

    op.create_table(
        "follow_up_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("source_stop_id", sa.Integer(), nullable=True),
        sa.Column("promise_id", sa.Integer(), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_follow_up_task_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"], ["app_user.id"], name=op.f("fk_follow_up_task_assigned_to_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["promise_id"], ["promise_to_pay.id"], name=op.f("fk_follow_up_task_promise_id_promise_to_pay")
        ),
        sa.ForeignKeyConstraint(
            ["source_stop_id"], ["visit_stop.id"], name=op.f("fk_follow_up_task_source_stop_id_visit_stop")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_task")),
    )
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_task_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_follow_up_task_due", ["status", "due_date"], unique=False)

    op.create_table(
        "safety_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=True),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"], ["app_user.id"], name=op.f("fk_safety_alert_acknowledged_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["app_user.id"], name=op.f("fk_safety_alert_raised_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["visit_route.id"],
            name=op.f("fk_safety_alert_route_id_visit_route"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["visit_stop.id"],
            name=op.f("fk_safety_alert_stop_id_visit_stop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_alert")),
    )
    with op.batch_alter_table("safety_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_alert_route_id"), ["route_id"], unique=False)

    op.create_table(
        "visit_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data_enc", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stop_id"], ["visit_stop.id"], name=op.f("fk_visit_photo_stop_id_visit_stop"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_visit_photo_uploaded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_photo")),
    )
    with op.batch_alter_table("visit_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_photo_stop_id"), ["stop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_photo_stop_id"))

    op.drop_table("visit_photo")
    with op.batch_alter_table("safety_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_alert_route_id"))

    op.drop_table("safety_alert")
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_up_task_due")
        batch_op.drop_index(batch_op.f("ix_follow_up_task_account_id"))

    op.drop_table("follow_up_task")
    with op.batch_alter_table("visit_stop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_stop_route_id"))
        batch_op.drop_index(batch_op.f("ix_visit_stop_account_id"))

    op.drop_table("visit_stop")
    with op.batch_alter_table("visit_route", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_route_day_pair")

    op.drop_table("visit_route")
    op.drop_table("visitor_profile")
    op.drop_table("visit_pair")
    with op.batch_alter_table("visit_appointment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_appointment_account_id"))

    op.drop_table("visit_appointment")
