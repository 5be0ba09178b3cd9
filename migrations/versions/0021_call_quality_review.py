"""call quality review: a call's recording reference and length (contact_event.recording_ref,
duration_seconds), the calls sampled for review and their checklist scores (quality_review)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 08:51:44.653375
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("sampled_by_id", sa.Integer(), nullable=True),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("identification", sa.String(length=4), nullable=True),
        sa.Column("disclosure", sa.String(length=4), nullable=True),
        sa.Column("no_threats", sa.String(length=4), nullable=True),
        sa.Column("no_third_party_disclosure", sa.String(length=4), nullable=True),
        sa.Column("solution_offered", sa.String(length=4), nullable=True),
        sa.Column("agreement_confirmed", sa.String(length=4), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("scored_by_id", sa.Integer(), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_quality_review_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["collector_id"], ["app_user.id"], name=op.f("fk_quality_review_collector_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["contact_event_id"],
            ["contact_event.id"],
            name=op.f("fk_quality_review_contact_event_id_contact_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sampled_by_id"], ["app_user.id"], name=op.f("fk_quality_review_sampled_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["scored_by_id"], ["app_user.id"], name=op.f("fk_quality_review_scored_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_review")),
    )
    with op.batch_alter_table("quality_review", schema=None) as batch_op:
        batch_op.create_index("ix_quality_review_collector", ["collector_id", "scored_at"], unique=False)
        batch_op.create_index("ix_quality_review_status", ["status", "sampled_at"], unique=False)
        batch_op.create_index("ux_quality_review_event", ["contact_event_id"], unique=True)

    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recording_ref", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("duration_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.drop_column("duration_seconds")
        batch_op.drop_column("recording_ref")

    with op.batch_alter_table("quality_review", schema=None) as batch_op:
        batch_op.drop_index("ux_quality_review_event")
        batch_op.drop_index("ix_quality_review_status")
        batch_op.drop_index("ix_quality_review_collector")

    op.drop_table("quality_review")
