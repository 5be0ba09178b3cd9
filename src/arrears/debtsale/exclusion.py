"""The one SQL condition that keeps a sold account out of the bank's collection: the daily run's book
(store mode and the strategy preview), the call queue, visit planning, and wherever else accounts are
chosen for a contact. A sold account's ``sold_account`` row is never removed, so the exclusion holds
for good. docs/debt-sale.md lists every place that uses it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, select

from arrears.kit.sql_lists import one_of
from arrears.models import SoldAccount, table_of

_SOLD = table_of(SoldAccount)


def unsold(account_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """``account_id`` (a column) is not an account sold (a NOT EXISTS on the unique index)."""
    return ~exists(select(_SOLD.c.id).where(_SOLD.c.account_id == account_id))


def sold(account_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """``account_id`` (a column) is an account sold."""
    return exists(select(_SOLD.c.id).where(_SOLD.c.account_id == account_id))


def sold_of(connection: Connection, account_ids: Iterable[int]) -> frozenset[int]:
    """Of ``account_ids``, those sold (the dispatcher's re-check of a claimed batch)."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return frozenset()
    s = _SOLD
    return frozenset(
        int(one)
        for one in connection.execute(
            select(s.c.account_id).where(one_of(connection, s.c.account_id, wanted))
        ).scalars()
    )
