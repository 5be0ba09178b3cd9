"""Data scope: which accounts a user may open.

Collectors and visitors see the accounts they worked from the queue; agency users only accounts
placed with their agency (none until placements are recorded); team leads, managers, legal,
compliance, customer service and admins see the book.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from arrears.models import CollectionAction, table_of
from arrears.users.service import StaffUser

BOOK_WIDE = frozenset({"team_lead", "manager", "legal", "compliance", "customer_service", "admin"})


def may_open(connection: Connection, user: StaffUser, account_id: int) -> bool:
    if user.role in BOOK_WIDE:
        return True
    if user.role in ("collector", "visitor"):
        x = table_of(CollectionAction)
        mine = select(x.c.id).where(x.c.account_id == account_id, x.c.claimed_by_id == user.id).limit(1)
        return connection.execute(mine).first() is not None
    return False
