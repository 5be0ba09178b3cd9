"""What the cardholder (the portal) and the staff (the case page) are told of a sold account: to whom
and when it was sold, and how to reach and pay the buyer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from arrears.debtsale.repository import SaleRepository


def sold_to(connection: Connection, account_id: int) -> dict[str, Any] | None:
    """The sale of the account (buyer, contact, how to pay, date), None when it was not sold."""
    return SaleRepository(connection).sold_to(account_id)


def sold_among(connection: Connection, account_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The sales of those of the accounts that were sold, by account id."""
    repository = SaleRepository(connection)
    return {one: found for one in sorted(set(account_ids)) if (found := repository.sold_to(one)) is not None}
