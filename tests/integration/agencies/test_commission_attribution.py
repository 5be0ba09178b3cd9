"""The month's attribution in SQL is the rule's (``commission_rules.attribute``) on SQLite and PostgreSQL,
over hypothesis-generated books: placements back to back (recalled or not), payments around them,
reversals of them days later (some after the recall, some in another month), a reversal naming no
payment; every payment of the month attributed once or not at all, the money conserved to the fen."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select

from arrears.agencies.commission import month_lines
from arrears.agencies.commission_repository import CommissionRepository
from arrears.agencies.commission_rules import PaymentIn, Placement, attribute, month_end
from arrears.models import AgencyPlacement, CardAccount, Payment, table_of
from commission_book import MARCH, accounts, pay, place

ACCOUNTS = 4
Placed = tuple[int, str, date, date, date | None]
Paid = tuple[int, date, int, int | None]
LAST = month_end(MARCH)


@st.composite
def books(draw: st.DrawFn) -> tuple[list[Placed], list[Paid]]:
    """Placements ``(account, agency, placed_on, ends_on, recalled_on)`` and payments ``(account, day,
    fen, index of the payment reversed)`` for accounts 0..3."""
    placements = []
    payments: list[Paid] = []
    for account in range(ACCOUNTS):
        start = MARCH - timedelta(days=draw(st.integers(0, 50)))
        for _ in range(draw(st.integers(0, 3))):
            ends = start + timedelta(days=draw(st.integers(0, 40)))
            recalled = ends - timedelta(days=draw(st.integers(0, 10))) if draw(st.booleans()) else None
            recalled = max(recalled, start) if recalled else None
            placements.append((account, draw(st.sampled_from(("A", "B"))), start, ends, recalled))
            start = (recalled or ends) + timedelta(days=1 + draw(st.integers(0, 4)))
        for _ in range(draw(st.integers(0, 6))):
            day = MARCH + timedelta(days=draw(st.integers(-40, 45)))
            payments.append((account, day, draw(st.integers(1, 10**8)), None))
    for index, (account, day, fen, _) in enumerate(list(payments)):
        if draw(st.integers(0, 2)) == 0:
            later = day + timedelta(days=draw(st.integers(0, 50)))
            payments.append((account, later, -draw(st.integers(1, fen)), index))
    if draw(st.booleans()) and payments:
        payments.append((payments[0][0], MARCH + timedelta(days=3), -5, -1))  # names no payment
    return placements, payments


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(book=books())
def test_sql_attribution_is_the_rule(engine: Engine, book: tuple[list[Placed], list[Paid]]) -> None:
    placements_in, payments_in = book
    p, pl = table_of(Payment), table_of(AgencyPlacement)
    with engine.begin() as connection:
        connection.execute(delete(p))
        connection.execute(delete(pl))
        a = table_of(CardAccount)
        known = list(connection.execute(select(a.c.id).order_by(a.c.id)).scalars())
        account_ids = known or accounts(connection, ACCOUNTS)
        placements = []
        for account, code, placed_on, ends_on, recalled_on in placements_in:
            made = place(connection, account_ids[account], code, placed_on, ends_on, recalled_on=recalled_on)
            placements.append(Placement(made, account_ids[account], code, placed_on, recalled_on or ends_on))
        payments: list[PaymentIn] = []
        for number, (account, day, fen, reverses) in enumerate(payments_in):
            named = None if reverses is None else (payments[reverses].id if reverses >= 0 else 10**9)
            made = pay(connection, account_ids[account], day, fen, f"H{number}", reverses_id=named)
            source = "reversal" if fen < 0 else "extract"
            payments.append(PaymentIn(made, account_ids[account], day, fen, source, named))

    with engine.connect() as connection:
        frame, _, _ = month_lines(CommissionRepository(connection), MARCH, LAST)

    expected = attribute(payments, placements, {one.id: one.paid_date for one in payments})
    in_month = [one for one in payments if MARCH <= one.paid_date <= LAST]
    wanted = {one.id: found.id for one in in_month if (found := expected[one.id]) is not None}
    got = dict(zip(frame["payment_id"].to_list(), frame["placement_id"].to_list(), strict=True))
    assert got == wanted and frame.height == len(wanted)  # once each
    by_id = {one.id: one for one in in_month}
    assert all(
        by_id[key].amount_fen == fen for key, fen in frame.select("payment_id", "amount_fen").iter_rows()
    )
    unattributed = sum(one.amount_fen for one in in_month if expected[one.id] is None)
    assert frame["amount_fen"].sum() + unattributed == sum(one.amount_fen for one in in_month)
    keys = list(frame.select("agency_code", "paid_date", "payment_id").iter_rows())
    assert keys == sorted(keys)
