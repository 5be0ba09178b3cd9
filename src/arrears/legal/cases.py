"""Legal cases' use cases: open a case on an account, record its steps (with the deadlines each starts
and settles), assign it to a law firm, record its costs, and read its money, the deadlines due and a
firm's monthly fee statement. Every change is audited (``legal_case.opened``, ``legal_case.step``,
``legal_case.assigned``, ``legal_case.cost``); nothing commits: the caller's transaction must be an
audit transaction. An open case holds the account's ordinary treatments with a litigation hold; its
own documents (its lawyer's letter, ``legal.lawyer_letter``) go out under it (decision 0035)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from arrears.audit.repository import AuditLog
from arrears.contacts.holds import lift_hold, place_hold
from arrears.debtsale.exclusion import refuse_sold
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, check_text
from arrears.legal import case_rules as rules
from arrears.legal import lawyer_letter
from arrears.legal.case_repository import CaseRepository
from arrears.legal.case_rules import CaseMoney, Step, StepRefused
from arrears.users.service import StaffUser

FIRM_KIND = "law_firm"  # the kind of team a law firm's lawyers belong to
# an open case holds the account's ordinary treatments (calls, messages, visits, placements) with a
# litigation hold, placed and lifted with legal's authority; what the rulebook lets through under it
# (the case's own letters, the cardholder's payments and portal) goes on
HOLD_KIND, HOLD_ROLE = "litigation", "legal"


class CaseOpen(ArrearsError):
    """The account has an open legal case already."""


class CaseMoved(StepRefused):
    """A colleague's step moved the case between the page and the step."""


@dataclass(frozen=True, slots=True)
class FeeStatement:
    """A law firm's costs of a month, by case and kind, in fen."""

    firm_team_id: int
    first: date
    last: date
    lines: list[dict[str, Any]]

    @property
    def total_fen(self) -> int:
        return sum(int(line["amount_fen"]) for line in self.lines)


def _audit(connection: Connection, actor: StaffUser, now: datetime, action: str, case_id: int,
           details: dict[str, Any]) -> None:  # fmt: skip
    AuditLog(connection).append(at=now, actor=actor.username, action=action, subject_type="legal_case",
                                subject_id=str(case_id), details=details)  # fmt: skip


def _case(repository: CaseRepository, case_id: int, *, lock: bool = False) -> dict[str, Any]:
    found = repository.case(case_id, lock=lock)
    if found is None:
        raise NotFound(f"no legal case {case_id}", f"没有法律案件 {case_id}")
    return found


def _check_firm(repository: CaseRepository, firm_team_id: int | None) -> None:
    if firm_team_id is not None and repository.team_kind(firm_team_id) != FIRM_KIND:
        raise InvalidField("firm", "choose a law firm's team", "请选择律师事务所团队")


def open_case(
    connection: Connection,
    *,
    account_id: int,
    by: StaffUser,
    today: date,
    now: datetime,
    firm_team_id: int | None = None,
) -> int:
    """A new case at ``review`` on the account (its overdue amount as the claim), optionally assigned
    to a law firm; CaseOpen when the account has an open case (two at once: the unique index decides);
    AccountSold when it was sold (debt sale): the buyer's to pursue."""
    repository = CaseRepository(connection)
    account = repository.account(account_id)
    if account is None:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    _check_firm(repository, firm_team_id)
    refuse_sold(connection, account_id, what_en="a legal case", what_zh="立案")
    if repository.open_case_of(account_id) is not None:
        raise _already_open(account["account_no"])
    values = {"account_id": account_id, "customer_id": account["customer_id"], "stage": "review",
              "firm_team_id": firm_team_id, "claim_fen": int(account["overdue_fen"] or 0),
              "opened_by_id": by.id, "opened_on": today, "opened_at": now, "last_step_on": today}  # fmt: skip
    try:
        with connection.begin_nested():
            case_id = repository.add_case(values)
    except IntegrityError:
        raise _already_open(account["account_no"]) from None
    repository.add_step({"case_id": case_id, "from_stage": None, "to_stage": "review", "step_on": today,
                         "by_id": by.id, "recorded_at": now})  # fmt: skip
    hold = place_hold(connection, account_id=account_id, kind=HOLD_KIND, user_id=by.id, actor=by.username,
                      role=HOLD_ROLE, now=now, whole_customer=False,
                      reason=f"legal case {case_id} / 法律案件 {case_id}")  # fmt: skip
    repository.move(case_id, from_stage="review", hold_id=int(hold["id"]))
    details = {"account_id": account_id, "claim_fen": values["claim_fen"], "firm_team_id": firm_team_id}
    _audit(connection, by, now, "legal_case.opened", case_id, details)
    return case_id


def _lift(connection: Connection, case_id: int, hold_id: int, *, by: StaffUser, reason: str,
          now: datetime) -> None:  # fmt: skip
    """Lifts the case's hold at closing, unless someone lifted it (or it expired) before."""
    with suppress(ArrearsError), connection.begin_nested():
        lift_hold(connection, hold_id=hold_id, user_id=by.id, actor=by.username, role=HOLD_ROLE, now=now,
                  reason=f"legal case {case_id} closed: {reason} / 法律案件 {case_id} 结案")  # fmt: skip


def _already_open(account_no: str) -> CaseOpen:
    return CaseOpen(f"account {account_no} has an open legal case", f"账户 {account_no} 已有进行中的法律案件")


def record_step(
    connection: Connection, *, case_id: int, step: Step, by: StaffUser, today: date, now: datetime
) -> Step:
    """Moves the case on by ``step`` (checked: ``case_rules.check_step``), settles the deadlines the
    move leaves behind and opens those it starts. StepRefused with the reason when the move is out of
    order, or when a colleague's step moved the case meanwhile. A ``lawyer_letter`` step without a
    document records the case's lawyer's letter: the live one, or one issued now from the template
    (``legal.lawyer_letter``); a document typed names a letter sent outside Arrears."""
    repository = CaseRepository(connection)
    case = _case(repository, case_id, lock=True)
    issued = step.to == "lawyer_letter" and not (step.document or "").strip()
    checked = rules.check_step(replace(step, document="-") if issued else step, stage=case["stage"],
                               last_step_on=case["last_step_on"], today=today)  # fmt: skip
    if issued:
        document = lawyer_letter.document_for_step(connection, case, by=by, today=today, now=now)
        checked = replace(checked, document=document)
    values: dict[str, Any] = {"stage": checked.to, "last_step_on": checked.on}
    if checked.to == "closed":
        values |= {"close_reason": checked.close_reason, "closed_at": now}
    if not repository.move(case_id, from_stage=case["stage"], **values):
        raise CaseMoved("the case moved meanwhile: reload it", "案件已被他人推进，请刷新后重试")
    step_id = repository.add_step({"case_id": case_id, "from_stage": case["stage"], "to_stage": checked.to,
                                   "step_on": checked.on, "document": checked.document, "note": checked.note,
                                   "by_id": by.id, "recorded_at": now})  # fmt: skip
    repository.settle(case_id, sorted(rules.settled_by(checked.to)), now=now)
    if checked.to == "closed" and case["hold_id"] is not None:
        _lift(connection, case_id, int(case["hold_id"]), by=by, reason=checked.close_reason or "", now=now)
    started = rules.deadlines_of(checked)
    repository.add_deadlines([{"case_id": case_id, "kind": one.kind, "due_on": one.due_on, "step_id": step_id}
                              for one in started])  # fmt: skip
    details = {"account_id": case["account_id"], "from": case["stage"], "to": checked.to,
               "on": checked.on.isoformat(), "document": checked.document,
               "close_reason": checked.close_reason,
               "deadlines": {one.kind: one.due_on.isoformat() for one in started}}  # fmt: skip
    _audit(connection, by, now, "legal_case.step", case_id, details)
    return checked


def assign_firm(
    connection: Connection, *, case_id: int, firm_team_id: int | None, by: StaffUser, now: datetime
) -> None:
    """Assigns the open case to a law firm (None: back to in-house legal)."""
    repository = CaseRepository(connection)
    case = _case(repository, case_id, lock=True)
    if case["stage"] == "closed":
        raise StepRefused("a closed case is not assigned", "已结案的案件不能再分配")
    _check_firm(repository, firm_team_id)
    repository.move(case_id, from_stage=case["stage"], firm_team_id=firm_team_id)
    _audit(connection, by, now, "legal_case.assigned", case_id,
           {"from": case["firm_team_id"], "to": firm_team_id})  # fmt: skip


def add_cost(
    connection: Connection,
    *,
    case_id: int,
    kind: str,
    amount_fen: int,
    incurred_on: date,
    by: StaffUser,
    today: date,
    now: datetime,
    note: str | None = None,
) -> int:
    """Records a cost of the open case (a lawyer's fee goes on the assigned firm's statement)."""
    repository = CaseRepository(connection)
    case = _case(repository, case_id, lock=True)  # a colleague closing it meanwhile: after them
    if case["stage"] == "closed":
        raise StepRefused("a closed case takes no cost", "已结案的案件不能再记录费用")
    kind, amount_fen = rules.check_cost(kind, amount_fen)
    note = check_text(note or "", field="note").strip() or None  # a note's length, as a step's
    if incurred_on < case["opened_on"] or incurred_on > today:
        raise InvalidField("incurred_on", "the date must lie between the case's opening and today",
                           "日期须在立案审查之日与今天之间")  # fmt: skip
    cost_id = repository.add_cost({"case_id": case_id, "kind": kind, "amount_fen": amount_fen,
                                   "incurred_on": incurred_on, "firm_team_id": case["firm_team_id"],
                                   "note": note, "by_id": by.id,
                                   "recorded_at": now})  # fmt: skip
    _audit(connection, by, now, "legal_case.cost", case_id,
           {"cost_id": cost_id, "kind": kind, "amount_fen": amount_fen})  # fmt: skip
    return cost_id


def money(connection: Connection, case_id: int) -> CaseMoney:
    """The case's costs by kind, what was paid on its account since it opened, and the net."""
    repository = CaseRepository(connection)
    case = _case(repository, case_id)
    costs = [(row["kind"], int(row["amount_fen"])) for row in repository.costs(case_id)]
    return rules.case_money(costs, repository.paid_since(case["account_id"], case["opened_on"]))


def reminders(
    connection: Connection, *, today: date, firm_team_id: int | None = None, ahead_days: int = 3
) -> list[dict[str, Any]]:
    """The open deadlines past or due within ``ahead_days`` (a firm's cases only, given the firm),
    soonest first, each marked ``overdue`` when its day has passed."""
    until = today + timedelta(days=ahead_days)
    rows = CaseRepository(connection).due_deadlines(until=until, firm_team_id=firm_team_id)
    return [row | {"overdue": row["due_on"] < today} for row in rows]


def fee_statement(connection: Connection, *, firm_team_id: int, month: date) -> FeeStatement:
    """The firm's costs incurred in the calendar month of ``month``."""
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lines = CaseRepository(connection).firm_fees(firm_team_id, first=first, last=last)
    return FeeStatement(firm_team_id, first, last, lines)


def case_list(
    connection: Connection, *, firm_team_id: int | None = None, open_only: bool = True
) -> list[dict[str, Any]]:
    """Cases (a firm's only, given the firm; open ones only unless ``open_only`` is False), the longest
    without a step first, each with its soonest open deadline (``next_deadline``) and its firm's name."""
    repository = CaseRepository(connection)
    stages = rules.OPEN_STAGES if open_only else None
    rows = repository.cases(firm_team_id=firm_team_id, stages=stages)
    soonest = repository.next_deadlines([int(row["id"]) for row in rows])
    firms = {int(firm["id"]): firm["name"] for firm in repository.firms()}
    return [row | {"next_deadline": soonest.get(int(row["id"])), "firm": firms.get(row["firm_team_id"] or 0)}
            for row in rows]  # fmt: skip


def case_view(connection: Connection, case_id: int) -> dict[str, Any]:
    """One case in full: the case, its number and its account's number, its steps (with who recorded
    them), its deadlines, its costs, its money, its lawyer's letters (and whether one may be issued),
    the stages it may move to and the law firms it may go to."""
    repository = CaseRepository(connection)
    case = _case(repository, case_id)
    steps, costs = repository.steps(case_id), repository.costs(case_id)
    letters = lawyer_letter.letters(connection, case_id)
    names = repository.usernames([int(one["by_id"]) for one in steps + costs if one["by_id"] is not None])
    firms = repository.firms()
    return {
        "case": case,
        "steps": [one | {"by": names.get(one["by_id"] or 0)} for one in steps],
        "deadlines": repository.deadlines(case_id),
        "costs": [one | {"by": names.get(one["by_id"] or 0)} for one in costs],
        "money": money(connection, case_id),
        "next_stages": rules.NEXT[case["stage"]],
        "firms": firms,
        "firm": next((firm for firm in firms if firm["id"] == case["firm_team_id"]), None),
        "case_no": rules.case_number(case_id),
        "letters": letters,
        "may_issue": case["stage"] in lawyer_letter.ISSUING_STAGES
        and not any(one["live"] for one in letters),
    }


def firm_case(connection: Connection, *, case_id: int, firm_team_id: int) -> bool:
    """Whether the case is open and assigned to the firm (a lawyer's scope)."""
    found = CaseRepository(connection).case(case_id)
    return found is not None and found["firm_team_id"] == firm_team_id and found["stage"] != "closed"
