"""The every-code book's legal cases: one with a law firm taken to enforcement with a cost of each kind
(every stage and deadline kind on its page) and its lawyer's letter issued from the template (the
letter step records it), and one closed for each reason; through the services, as legal records
them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert

from arrears.legal import cases
from arrears.legal.case_rules import CLOSE_REASONS, COST_KINDS, Step
from arrears.models import Team, table_of
from arrears.users.service import StaffUser

OPENED = date(2026, 1, 5)
PATH = (
    Step("lawyer_letter", date(2026, 1, 10)),  # no document: the case's lawyer's letter is issued
    Step("filing", date(2026, 2, 1), document="(2026)沪0101民初123号"),
    Step("hearing", date(2026, 2, 20), hearing_on=date(2026, 4, 15)),
    Step("judgment", date(2026, 5, 1), document="(2026)沪0101民初123号判决", perform_by=date(2026, 5, 31)),
)


def add_legal_cases(
    connection: Connection, open_account: Any, closed_account: Any, users: dict[str, int], at: datetime
) -> list[int]:
    """The open case (at judgment, its enforcement deadline open) and a closed one per reason; ids."""
    officer = StaffUser(users["legal1"], "legal1", "legal1", "legal", None)
    today = at.date()
    t = table_of(Team)
    firm = connection.execute(
        insert(t).values(code="firm-every", name="示例律师事务所", kind="law_firm").returning(t.c.id)
    ).scalar_one()
    case_id = cases.open_case(connection, account_id=open_account.id, by=officer, today=OPENED, now=at,
                              firm_team_id=int(firm))  # fmt: skip
    for step in PATH:
        cases.record_step(connection, case_id=case_id, step=step, by=officer, today=today, now=at)
    for kind in COST_KINDS:
        cases.add_cost(connection, case_id=case_id, kind=kind, amount_fen=12_345,
                       incurred_on=date(2026, 3, 1), by=officer, today=today, now=at)  # fmt: skip
    found = [case_id]
    for reason in CLOSE_REASONS:
        closed = cases.open_case(connection, account_id=closed_account.id, by=officer, today=OPENED, now=at)
        cases.record_step(connection, case_id=closed, step=Step("closed", OPENED, close_reason=reason),
                          by=officer, today=today, now=at)  # fmt: skip
        found.append(closed)
    return found
