"""Plans and approvals on SQLite and PostgreSQL: authority, approvals, team scope, the audit chain and
the daily run's settlement of active plans only."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from book_setup import FEES, INTEREST, NOW, PRINCIPAL, Book
from sqlalchemy import func, insert, select, update

from arrears.arrangements import service
from arrears.arrangements.rules import BeyondAuthority, HeldAccount, PlanError, PlanTerms
from arrears.arrangements.service import ApprovalRefused, NotPermitted, PlanConflict
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.batch.store import RunRepository
from arrears.kit.errors import NotFound
from arrears.models import (
    CardAccount,
    Customer,
    Hold,
    Payment,
    PlanApproval,
    PlanInstalment,
    RepaymentPlan,
    table_of,
)
from arrears.strategy.repository import BookRepository

TODAY = date(2026, 11, 24)
PLAN, INSTALMENT, APPROVAL = table_of(RepaymentPlan), table_of(PlanInstalment), table_of(PlanApproval)


def terms(months: int = 6, first: date = date(2026, 12, 24), **more: Any) -> PlanTerms:
    return PlanTerms("instalment", first, months=months, **more)


def propose(book: Book, who: str, account: int, plan: PlanTerms, today: date = TODAY) -> service.Proposed:
    with audit_transaction(book.engine) as connection:
        return service.propose_plan(
            connection, account_id=account, terms=plan, by=book.users[who], today=today, now=NOW
        )


def decide(
    book: Book, who: str, approval_id: int | None, decision: service.Decision = "approve",
    comment: str | None = None, today: date = TODAY,
) -> service.Decided:  # fmt: skip
    assert approval_id is not None
    with audit_transaction(book.engine) as connection:
        return service.decide_approval(
            connection, approval_id=approval_id, decision=decision, comment=comment, by=book.users[who],
            today=today, now=NOW + timedelta(hours=1),
        )  # fmt: skip


def pending(book: Book, who: str) -> list[int]:
    with book.engine.connect() as connection:
        return [row["id"] for row in service.pending_approvals(connection, user=book.users[who])]


def plan_status(book: Book, plan_id: int) -> str:
    with book.engine.connect() as connection:
        return str(connection.execute(select(PLAN.c.status).where(PLAN.c.id == plan_id)).scalar_one())


def audit(book: Book) -> list[Any]:
    with book.engine.connect() as connection:
        return AuditLog(connection).entries()


def test_within_authority_the_plan_is_active_at_once(book: Book) -> None:
    account = book.accounts[0]

    proposed = propose(book, "c1", account, terms(12, waived_interest_fen=300_00, waived_fee_fen=100_00))

    assert (proposed.status, proposed.approval_id, proposed.required_role) == ("active", None, None)
    with book.engine.connect() as connection:
        stored = connection.execute(select(PLAN).where(PLAN.c.id == proposed.plan_id)).mappings().one()
        amounts = connection.execute(
            select(INSTALMENT.c.amount_fen).where(INSTALMENT.c.plan_id == proposed.plan_id)
        ).scalars()
        approvals = connection.execute(select(func.count()).select_from(APPROVAL)).scalar_one()
    owed = PRINCIPAL + INTEREST + FEES
    assert stored["total_fen"] == owed - 400_00 == sum(amounts)
    assert (stored["waived_fen"], stored["waived_interest_fen"], stored["waived_fee_fen"]) == (
        400_00,
        300_00,
        100_00,
    )
    assert (stored["agreed_on"], stored["proposed_by_id"], approvals) == (TODAY, book.users["c1"].id, 0)
    [entry] = audit(book)
    assert (entry.action, entry.subject_type, entry.subject_id, entry.actor) == (
        "plan.proposed", "plan", str(proposed.plan_id), "c1"
    )  # fmt: skip
    assert json.loads(entry.details)["status"] == "active"


def test_beyond_authority_waits_for_the_team_lead_who_approves(book: Book) -> None:
    proposed = propose(book, "c1", book.accounts[0], terms(18))

    assert (proposed.status, proposed.required_role) == ("proposed", "team_lead")
    assert pending(book, "lead_east") == [proposed.approval_id] == pending(book, "boss")
    assert pending(book, "lead_west") == []
    with book.engine.connect() as connection, pytest.raises(NotPermitted):
        service.pending_approvals(connection, user=book.users["c1"])

    decided = decide(book, "lead_east", proposed.approval_id, comment="good payer before")

    assert (decided.status, decided.plan_status) == ("approved", "active")
    assert plan_status(book, proposed.plan_id) == "active"
    assert pending(book, "lead_east") == pending(book, "boss") == []
    with book.engine.connect() as connection:
        row = connection.execute(select(APPROVAL)).mappings().one()
    assert (row["status"], row["decided_by_id"], row["comment"]) == ("approved", book.users["lead_east"].id,
                                                                    "good payer before")  # fmt: skip
    with pytest.raises(ApprovalRefused, match="already"):
        decide(book, "boss", proposed.approval_id, "reject", comment="too late")
    entries = audit(book)
    assert [e.action for e in entries] == ["plan.proposed", "plan.approved"]
    assert verify(entries) == []
    assert "good payer" not in entries[1].details  # the free-text comment stays out of the audit


def test_a_rejected_plan_needs_a_reason_and_frees_the_account(book: Book) -> None:
    account = book.accounts[1]
    proposed = propose(book, "c1", account, terms(6, waived_interest_fen=800_00))
    assert proposed.required_role == "team_lead"  # 800 of 1,500 interest and fees: 53%, beyond 30%

    with pytest.raises(ApprovalRefused, match="needs a comment"):
        decide(book, "lead_east", proposed.approval_id, "reject")
    decided = decide(book, "lead_east", proposed.approval_id, "reject", comment="ask for a down payment")

    assert (decided.status, plan_status(book, proposed.plan_id)) == ("rejected", "rejected")
    again = propose(book, "c1", account, terms(6))
    assert again.status == "active"
    assert [e.action for e in audit(book)] == ["plan.proposed", "plan.rejected", "plan.proposed"]


def test_one_open_plan_per_account(book: Book) -> None:
    account = book.accounts[0]
    first = propose(book, "c1", account, terms(18))

    with pytest.raises(PlanConflict, match=f"proposed plan already \\(plan {first.plan_id}\\)"):
        propose(book, "c1", account, terms(6))
    decide(book, "boss", first.approval_id)
    with pytest.raises(PlanConflict, match="active plan already"):
        propose(book, "lead_east", account, terms(6))
    with book.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(PLAN)).scalar_one() == 1
    assert len(audit(book)) == 2  # refusals write nothing


def test_no_one_decides_their_own_proposal_or_beyond_their_role(book: Book) -> None:
    own = propose(book, "lead_east", book.accounts[0], terms(30))
    assert own.required_role == "manager"
    assert pending(book, "lead_east") == [] and pending(book, "boss") == [own.approval_id]
    with pytest.raises(ApprovalRefused, match="their own proposal"):
        decide(book, "lead_east", own.approval_id)

    team = propose(book, "c1", book.accounts[1], terms(30))
    assert team.required_role == "manager" and team.approval_id not in pending(book, "lead_east")
    with pytest.raises(ApprovalRefused, match="approval of a manager"):
        decide(book, "lead_east", team.approval_id)
    assert decide(book, "boss", team.approval_id).plan_status == "active"


def test_a_team_lead_reaches_only_their_teams_proposals(book: Book) -> None:
    west = propose(book, "c2", book.accounts[4], terms(18))

    assert pending(book, "lead_west") == [west.approval_id] and pending(book, "lead_east") == []
    with pytest.raises(NotFound):
        decide(book, "lead_east", west.approval_id)
    with pytest.raises(NotFound):
        decide(book, "lead_west", 999_999)
    with pytest.raises(NotPermitted):
        decide(book, "c1", west.approval_id)
    assert decide(book, "lead_west", west.approval_id).status == "approved"


def test_scope_and_permission_of_the_proposer(book: Book) -> None:
    with pytest.raises(NotFound):
        propose(book, "c1", book.accounts[4], terms())  # c2's account
    with pytest.raises(NotFound):
        propose(book, "c1", 999_999, terms())
    with pytest.raises(NotPermitted):
        propose(book, "v1", book.accounts[0], terms())
    assert propose(book, "boss", book.accounts[8], terms(36)).status == "active"  # managers see the book


def test_bad_terms_and_terms_no_one_may_agree_write_nothing(book: Book) -> None:
    with pytest.raises(PlanError, match="2 to 36"):
        propose(book, "c1", book.accounts[0], terms(40))
    with book.engine.begin() as connection:
        connection.execute(
            update(table_of(CardAccount))
            .where(table_of(CardAccount).c.id == book.accounts[0])
            .values(interest_fen=400_000_00)
        )
    with pytest.raises(BeyondAuthority):
        propose(book, "boss", book.accounts[0], terms(waived_interest_fen=200_000_01))
    with book.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(PLAN)).scalar_one() == 0
    assert audit(book) == []


def test_the_preview_writes_nothing_and_names_the_approver(book: Book) -> None:
    with book.engine.connect() as connection:
        preview = service.preview_plan(
            connection, account_id=book.accounts[0], terms=terms(30), by=book.users["c1"], today=TODAY
        )
        plans = connection.execute(select(func.count()).select_from(PLAN)).scalar_one()
    assert (preview.ruling.covered, preview.ruling.required_role, preview.ruling.exceeded) == (
        False, "manager", ("months",)
    )  # fmt: skip
    assert len(preview.schedule.instalments) == 30 and plans == 0


def test_too_late_to_approve_once_the_first_payment_fell_due(book: Book) -> None:
    proposed = propose(book, "c1", book.accounts[0], terms(18, first=date(2026, 12, 1)))

    with pytest.raises(ApprovalRefused, match="fell due before"):
        decide(book, "lead_east", proposed.approval_id, today=date(2026, 12, 2))
    assert decide(
        book, "lead_east", proposed.approval_id, "reject", "late", today=date(2026, 12, 2)
    ).status == ("rejected")


def test_the_plan_and_the_account_plans_read_back(book: Book) -> None:
    proposed = propose(book, "c1", book.accounts[0], terms(18, down_payment_fen=500_00,
                                                          down_payment_date=date(2026, 12, 1)))  # fmt: skip
    with book.engine.connect() as connection:
        plan = service.get_plan(connection, plan_id=proposed.plan_id, user=book.users["c1"])
        listed = service.account_plans(connection, account_id=book.accounts[0], user=book.users["lead_east"])
        with pytest.raises(NotFound):
            service.get_plan(connection, plan_id=proposed.plan_id, user=book.users["c2"])
    assert [i["number"] for i in plan["instalments"]] == list(range(1, 20))
    assert plan["instalments"][0]["amount_fen"] == 500_00
    assert plan["approvals"][0]["status"] == "pending"
    assert [(p["id"], p["status"], p["instalments"]) for p in listed] == [(proposed.plan_id, "proposed", 19)]


def test_the_audit_holds_no_personal_data(book: Book) -> None:
    proposed = propose(book, "c1", book.accounts[0], terms(18))
    decide(book, "lead_east", proposed.approval_id, "reject", comment="客户 张三 13800000000")
    with book.engine.connect() as connection:
        c, a = table_of(Customer), table_of(CardAccount)
        customer = connection.execute(
            select(c.c.name, c.c.customer_no, c.c.national_id_masked, a.c.account_no)
            .join(a, a.c.customer_id == c.c.id)
            .where(a.c.id == book.accounts[0])
        ).one()
    text = " ".join(entry.details for entry in audit(book))
    for secret in (*customer, "张三", "13800000000"):
        assert secret not in text


def test_the_daily_run_settles_active_plans_only(book: Book) -> None:
    """Three plans agreed on 1 Sep 2005 whose first payment fell due on 20 Sep, and no payment: only
    the active one is settled (and broken); the proposed and the rejected stay as they were."""
    agreed, first = date(2005, 9, 1), date(2005, 9, 20)
    active = propose(book, "c1", book.accounts[0], terms(6, first=first), today=agreed)
    waiting = propose(book, "c1", book.accounts[1], terms(18, first=first), today=agreed)
    rejected = propose(book, "c1", book.accounts[2], terms(18, first=first), today=agreed)
    decide(book, "lead_east", rejected.approval_id, "reject", "no", today=agreed)
    with book.engine.begin() as connection:
        # a rejected plan's instalment marked broken by hand must still not count as a broken promise
        connection.execute(
            update(INSTALMENT).where(INSTALMENT.c.plan_id == rejected.plan_id, INSTALMENT.c.number == 1)
            .values(status="broken")
        )  # fmt: skip
        counts = RunRepository(connection).settle_plans(date(2005, 10, 1))
        broken = BookRepository(connection).broken_promises(date(2005, 10, 1))["account_id"].to_list()
        firsts = dict(
            connection.execute(
                select(INSTALMENT.c.plan_id, INSTALMENT.c.status).where(INSTALMENT.c.number == 1)
            ).all()
        )
    assert counts == {"kept": 0, "partly_kept": 0, "broken": 1}
    assert firsts == {active.plan_id: "broken", waiting.plan_id: "due", rejected.plan_id: "broken"}
    assert [plan_status(book, p.plan_id) for p in (active, waiting, rejected)] == [
        "broken",
        "proposed",
        "rejected",
    ]
    assert broken == [book.accounts[0]]


def test_a_reversed_payment_does_not_keep_an_instalment_at_the_daily_run(book: Book) -> None:
    """A payment that covered the first instalment, then refunded (a negative entry naming it): the run
    settles as if it had never come, and the instalment is broken."""
    agreed, first = date(2005, 9, 1), date(2005, 9, 20)
    plan = propose(book, "c1", book.accounts[0], terms(6, first=first), today=agreed)
    with book.engine.begin() as connection:
        amount = connection.execute(
            select(INSTALMENT.c.amount_fen).where(
                INSTALMENT.c.plan_id == plan.plan_id, INSTALMENT.c.number == 1
            )
        ).scalar_one()
        payment = table_of(Payment)
        paid = connection.execute(insert(payment).returning(payment.c.id).values(
            payment_ref="T1", account_id=book.accounts[0], paid_date=date(2005, 9, 10), amount_fen=amount,
            channel="gateway", source="gateway", trade_no="T1")).scalar_one()  # fmt: skip
        connection.execute(insert(payment).values(
            payment_ref=f"reversal:{paid}", account_id=book.accounts[0], paid_date=date(2005, 9, 12),
            amount_fen=-amount, channel="gateway", source="reversal", reverses_id=paid))  # fmt: skip
        counts = RunRepository(connection).settle_plans(date(2005, 10, 1))
    assert counts["broken"] == 1 and counts["kept"] == 0


def _hold(book: Book, account: int, kind: str, **when: Any) -> None:
    a = table_of(CardAccount)
    with book.engine.begin() as connection:
        customer = connection.execute(select(a.c.customer_id).where(a.c.id == account)).scalar_one()
        values = {"customer_id": customer, "kind": kind, "reason": "r", "placed_at": NOW - timedelta(days=1)}
        connection.execute(insert(table_of(Hold)).values(**values, **when))


@pytest.mark.parametrize(("kind", "zh"), [("bankruptcy", "破产"), ("deceased", "身故")])
def test_no_plan_is_proposed_or_approved_under_a_bankruptcy_or_deceased_hold(
    book: Book, kind: str, zh: str
) -> None:
    """Also-check of issue 13: such an account is for legal, not for a plan."""
    waiting = propose(book, "c1", book.accounts[1], terms(18))
    for account in book.accounts[:2]:
        _hold(book, account, kind)

    with book.engine.connect() as connection, pytest.raises(HeldAccount) as previewed:
        service.preview_plan(
            connection, account_id=book.accounts[0], terms=terms(), by=book.users["c1"], today=TODAY
        )
    with pytest.raises(HeldAccount) as proposed:
        propose(book, "c1", book.accounts[0], terms())
    with pytest.raises(HeldAccount) as approved:
        decide(book, "lead_east", waiting.approval_id)

    for refused in (previewed, proposed, approved):
        assert kind in refused.value.message_en and zh in refused.value.message_zh
    assert plan_status(book, waiting.plan_id) == "proposed"
    decide(book, "lead_east", waiting.approval_id, "reject", comment="under a hold")  # rejecting stays open
    assert plan_status(book, waiting.plan_id) == "rejected"


def test_other_holds_and_lifted_or_expired_ones_do_not_stop_a_plan(book: Book) -> None:
    _hold(book, book.accounts[0], "hardship")
    _hold(book, book.accounts[0], "bankruptcy", lifted_at=NOW - timedelta(hours=1))
    _hold(book, book.accounts[0], "deceased", expires_at=NOW - timedelta(days=2, hours=-1))

    assert propose(book, "c1", book.accounts[0], terms()).status == "active"


def test_the_waiver_authority_counts_the_cardholders_other_open_plans(book: Book) -> None:
    """Also-check of issue 13: 1,500 yuan waived on each of two cards of one cardholder is 3,000
    yuan, beyond a collector's 2,000, however it is split."""
    first, second, other = book.accounts[:3]
    a = table_of(CardAccount)
    with book.engine.begin() as connection:
        owner = connection.execute(select(a.c.customer_id).where(a.c.id == first)).scalar_one()
        connection.execute(update(a).where(a.c.id == second).values(customer_id=owner))
        connection.execute(update(a).values(interest_fen=10_000_00))  # 30% of it is more than 2,000

    assert propose(book, "c1", first, terms(waived_interest_fen=1_500_00)).status == "active"
    assert propose(book, "c1", other, terms(waived_interest_fen=1_500_00)).status == "active"  # another's
    with book.engine.connect() as connection:
        preview = service.preview_plan(
            connection,
            account_id=second,
            terms=terms(waived_interest_fen=1_500_00),
            by=book.users["c1"],
            today=TODAY,
        )
    split = propose(book, "c1", second, terms(waived_interest_fen=1_500_00))

    assert (preview.ruling.required_role, preview.ruling.exceeded) == ("team_lead", ("waived_fen",))
    assert (split.status, split.required_role) == ("proposed", "team_lead")
    assert json.loads(audit(book)[-1].details)["customer_waived_fen"] == 3_000_00
