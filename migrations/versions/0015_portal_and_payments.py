"""portal and payments: orders, gateway notifications, reconciliations, portal sessions, one-time
codes, attempts, contact preferences, requests with attachments; payment sources; account tails

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 21:24:11.266487
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("out_trade_no", sa.String(length=64), nullable=True),
        sa.Column("trade_no", sa.String(length=64), nullable=True),
        sa.Column("total_amount", sa.String(length=32), nullable=True),
        sa.Column("trade_status", sa.String(length=32), nullable=True),
        sa.Column("gmt_payment", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("review_status", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_notification")),
    )
    with op.batch_alter_table("gateway_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gateway_notification_out_trade_no"), ["out_trade_no"], unique=False
        )
        batch_op.create_index(
            "ix_gateway_notification_review", ["review_status", "received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_gateway_notification_trade_no"), ["trade_no"], unique=False)

    op.create_table(
        "portal_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "client_hash",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "subject_hash",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_attempt")),
    )
    with op.batch_alter_table("portal_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_portal_attempt_client", ["client_hash", "at"], unique=False)
        batch_op.create_index("ix_portal_attempt_subject", ["subject_hash", "at"], unique=False)

    op.create_table(
        "reconciliation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column(
            "file_sha256",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_by", sa.String(length=80), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("missing_here", sa.Integer(), nullable=False),
        sa.Column("missing_at_gateway", sa.Integer(), nullable=False),
        sa.Column("amount_differences", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation")),
    )
    op.create_table(
        "contact_preference",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("hours_from", sa.String(length=5), nullable=True),
        sa.Column("hours_to", sa.String(length=5), nullable=True),
        sa.Column("channels", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_contact_preference_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_contact_preference")),
    )
    op.create_table(
        "portal_challenge",
        sa.Column(
            "id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("contact_point_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=128), nullable=True),
        sa.Column(
            "client_hash",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_portal_challenge_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_challenge")),
    )
    with op.batch_alter_table("portal_challenge", schema=None) as batch_op:
        batch_op.create_index("ix_portal_challenge_status_expires", ["status", "expires_at"], unique=False)
    op.create_table(
        "portal_session",
        sa.Column(
            "id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_portal_session_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_session")),
    )
    with op.batch_alter_table("portal_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_session_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "payment_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "out_trade_no",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("plan_instalment_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="created", nullable=False),
        sa.Column("created_via", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "trade_no",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_payment_order_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_payment_order_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_payment_order_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_order")),
        sa.UniqueConstraint("out_trade_no", name=op.f("uq_payment_order_out_trade_no")),
    )
    with op.batch_alter_table("payment_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_order_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_order_trade_no"), ["trade_no"], unique=False)

    op.create_table(
        "portal_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("text_enc", sa.LargeBinary(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["card_account.id"],
            name=op.f("fk_portal_request_account_id_card_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_portal_request_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_request")),
    )
    with op.batch_alter_table("portal_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_request_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_portal_request_status", ["status", "created_at"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "sha256",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("data_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["portal_request.id"],
            name=op.f("fk_attachment_request_id_portal_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_request_id"), ["request_id"], unique=False)

    with op.batch_alter_table("card_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "account_tail",
                sa.String(length=4).with_variant(sa.String(length=4, collation="C"), "postgresql"),
                nullable=True,
            )
        )
        batch_op.create_index(batch_op.f("ix_card_account_account_tail"), ["account_tail"], unique=False)
    op.execute(
        "UPDATE card_account SET account_tail = CASE WHEN length(account_no) <= 4 THEN account_no"
        " ELSE substr(account_no, length(account_no) - 3) END"
    )

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=20), server_default="extract", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "trade_no",
                sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("applied_fee_fen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("applied_interest_fen", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("applied_principal_fen", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("applied_principal_fen")
        batch_op.drop_column("applied_interest_fen")
        batch_op.drop_column("applied_fee_fen")
        batch_op.drop_column("reverses_id")
        batch_op.drop_column("posted_at")
        batch_op.drop_column("trade_no")
        batch_op.drop_column("source")

    with op.batch_alter_table("card_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_account_account_tail"))
        batch_op.drop_column("account_tail")

    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_request_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("portal_request", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_request_status")
        batch_op.drop_index(batch_op.f("ix_portal_request_account_id"))

    op.drop_table("portal_request")
    with op.batch_alter_table("payment_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_order_trade_no"))
        batch_op.drop_index(batch_op.f("ix_payment_order_account_id"))

    op.drop_table("payment_order")
    with op.batch_alter_table("portal_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_session_customer_id"))

    op.drop_table("portal_session")
    with op.batch_alter_table("portal_challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_challenge_status_expires")

    op.drop_table("portal_challenge")
    op.drop_table("contact_preference")
    op.drop_table("reconciliation")
    with op.batch_alter_table("portal_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_attempt_subject")
        batch_op.drop_index("ix_portal_attempt_client")

    op.drop_table("portal_attempt")
    with op.batch_alter_table("gateway_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gateway_notification_trade_no"))
        batch_op.drop_index("ix_gateway_notification_review")
        batch_op.drop_index(batch_op.f("ix_gateway_notification_out_trade_no"))

    op.drop_table("gateway_notification")
