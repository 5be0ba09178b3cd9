"""What a posted payment (or its reversal) does to the collection at once (being built)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from arrears.config import Settings


def after_posting(
    connection: Connection, *, account_id: int, payment_id: int, now: datetime, settings: Settings
) -> None:
    """Settles the account's promises and plan instalments, stops today's collection where the account
    is now current or a promise is kept, and queues the receipt message. Same transaction as the
    posting."""


def after_reversal(
    connection: Connection, *, account_id: int, payment_id: int, now: datetime, settings: Settings
) -> None:
    """Reopens what the reversed payment stopped or settled."""
