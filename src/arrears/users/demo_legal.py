"""The demo's legal morning: ``legal1`` decides to proceed on the two referrals of the day that have
waited longest (each opens a legal case and holds the account's ordinary treatments), assigns the
first to the demo's law firm, whose lawyer records the lawyer's letter step, which issues the letter
from the governed template (queued for the print house: ``arrears dispatch --channel letter``);
through the project's own services, as on the pages. A referral a hold stops is passed over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.legal import cases, review
from arrears.legal.case_rules import Step
from arrears.legal.rules import decision
from arrears.users.service import StaffUser

DECIDED = 2  # referrals legal proceeds on that morning
AT = time(10, 0)
NOTE = "两次催收未果，余额较大，移交法律程序 / two demands unanswered, a large balance: to legal action"


@dataclass
class LegalMorning:
    cases: list[int] = field(default_factory=list)  # the cases opened, the firm's first
    letters: int = 0


def legal_morning(
    connection: Connection,
    *,
    day: date,
    officer: StaffUser,
    lawyer: StaffUser,
    firm_team_id: int,
    policy: Policy,
    zone: ZoneInfo,
) -> LegalMorning:
    """Proceeds on ``DECIDED`` referrals of ``day``, assigns the first case to the firm and records its
    lawyer's letter by the firm's lawyer (the letter issued from the template)."""
    at = datetime.combine(day, AT, zone)
    done = LegalMorning()
    waiting = review.queue(connection, day=day, now=at, page=1, clear_text=False, cipher=None)["rows"]
    for row in waiting:
        if len(done.cases) == DECIDED:
            break
        try:
            decided = review.decide(connection, account_id=int(row["id"]), decision=decision("proceed", NOTE),
                                    by=officer, day=day, policy=policy, now=at)  # fmt: skip
        except review.HeldBack:
            continue
        done.cases.append(int(decided["case_id"]))
        at += timedelta(minutes=10)
    if done.cases:
        first = done.cases[0]
        cases.assign_firm(connection, case_id=first, firm_team_id=firm_team_id, by=officer, now=at)
        cases.record_step(connection, case_id=first, step=Step("lawyer_letter", day), by=lawyer, today=day,
                          now=at + timedelta(hours=1))  # fmt: skip
        done.letters = 1
    return done
