"""The overdue amount split into items in payment order, and the next due day."""

from __future__ import annotations

from datetime import date

from arrears.portal.owed import next_due_day, split


def test_split_in_payment_order() -> None:
    items = {"fee": 500, "interest": 3_000, "principal": 50_000}
    assert split(2_000, items) == {"fee": 500, "interest": 1_500, "principal": 0}
    assert split(60_000, items) == {"fee": 500, "interest": 3_000, "principal": 50_000}  # at most the items
    assert split(2_000, items, ("principal", "interest", "fee")) == {
        "principal": 2_000,
        "interest": 0,
        "fee": 0,
    }
    assert split(0, items) == {"fee": 0, "interest": 0, "principal": 0}


def test_next_due_day() -> None:
    assert next_due_day(date(2026, 11, 2), 20) == date(2026, 11, 20)
    assert next_due_day(date(2026, 11, 21), 20) == date(2026, 12, 20)
    assert next_due_day(date(2026, 2, 1), 31) == date(2026, 2, 28)
    assert next_due_day(date(2026, 12, 25), 5) == date(2027, 1, 5)
