"""The one SQL condition that keeps a sold account out of the bank's collection: the daily run's book
(store mode and the strategy preview), the call queue, visit planning, and wherever else accounts are
chosen for a contact. A sold account's ``sold_account`` row is never removed, so the exclusion holds
for good. docs/debt-sale.md lists every place that uses it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, select

from arrears.kit.errors import ArrearsError
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


class AccountSold(ArrearsError):
    """The account was sold: the bank no longer collects it (no plan, request or legal case of its own)."""


def is_sold(connection: Connection, account_id: int) -> bool:
    return bool(connection.execute(select(exists().where(_SOLD.c.account_id == account_id))).scalar())


def refuse_sold(connection: Connection, account_id: int, *, what_en: str, what_zh: str) -> None:
    """AccountSold when the account was sold (``what``: what the bank would have started on it)."""
    if is_sold(connection, account_id):
        raise AccountSold(
            f"DEBT-SOLD: the account was sold (debt sale): the buyer collects it, {what_en} is not made",
            f"DEBT-SOLD：该账户已转让（债权转让），由受让方催收，不能{what_zh}",
        )
