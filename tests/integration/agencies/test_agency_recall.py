"""Recall on SQLite and PostgreSQL: each trigger (a complaint or any other hold, a payment that leaves
nothing overdue, the agency suspended or no longer eligible on the register, the period's end and lapsed
inspections on the daily sweep, the account sold, a manager's decision) recalls the placement in its own
transaction, audited; the agency's user loses the account at once (scope, the agency's page, the
worklist); a recalled account is placed again only from the day after its last day, so that a payment
belongs to one placement at most."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from threading import Barrier

import pytest
from sqlalchemy import Engine, insert, select, update

from arrears.accounts.placed_accounts import placed_page
from arrears.accounts.placements import place_run_hand_overs
from arrears.agencies import recall, register
from arrears.agencies.register_rules import Entry
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.config import Settings
from arrears.contacts.holds import place_hold
from arrears.contacts.worklist import placed_with_agency
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.models import AgencyPlacement, AppUser, AuditEvent, CardAccount, CollectionAction, table_of
from arrears.payments.posting import post_payment
from arrears.users.scope import may_open
from arrears.users.service import StaffUser
from fixed_keys import TEST_KEY
from web_book import RUN, build_book

NOW = datetime(2026, 12, 4, 3, tzinfo=UTC)
START, END = RUN - timedelta(days=5), RUN + timedelta(days=85)
AGENCY_USER = StaffUser(0, "agency_user1", "agency user one", "agency_user", None)
X = Entry(code="X", name="委外机构 X", licence_no="LIC-X", whitelisted=True,
          contract_starts_on=date(2005, 1, 1), contract_ends_on=date(2006, 12, 31), terms_signed=True,
          last_inspection_on=date(2005, 3, 1),
          capacity=100)  # fmt: skip


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    """The web book, agency X on the register holding its first four accounts (RUN - 5 .. RUN + 85)."""
    build_book(engine, tmp_path, cipher)
    a = table_of(CardAccount)
    with engine.begin() as connection:  # every account overdue (the book's UCI cases are mostly current)
        connection.execute(update(a).where(a.c.overdue_fen <= 0).values(overdue_fen=10_000))
    with audit_transaction(engine) as connection:
        register.create_agency(connection, X, actor="manager1", today=RUN, now=NOW)
    place(engine, [1, 2, 3, 4])
    return engine


def place(
    engine: Engine, accounts: list[int], *, code: str = "X", start: date = START, end: date = END
) -> None:
    rows = [{"account_id": one, "agency_code": code, "placed_on": start, "ends_on": end, "created_at": NOW}
            for one in accounts]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table_of(AgencyPlacement)), rows)


def placements(engine: Engine) -> dict[int, tuple[object, ...]]:
    """Each account's latest placement: (agency, recalled on, reason)."""
    p = table_of(AgencyPlacement)
    query = select(p.c.account_id, p.c.agency_code, p.c.recalled_on, p.c.recall_reason).order_by(p.c.id)
    with engine.connect() as connection:
        return {int(row.account_id): tuple(row)[1:] for row in connection.execute(query)}


def agency_user(engine: Engine) -> StaffUser:
    u = table_of(AppUser)
    with engine.connect() as connection:
        row = connection.execute(select(u.c.id, u.c.team_id).where(u.c.username == "agency_user1")).one()
    return replace(AGENCY_USER, id=int(row.id), team_id=int(row.team_id))


def seen(engine: Engine) -> set[int]:
    """The accounts agency X's user sees on RUN: the agency page, the worklist and the scope agree."""
    user = agency_user(engine)
    with engine.connect() as connection:
        page = {int(row["account_id"]) for row in
                placed_page(connection, agency_code="X", day=RUN, offset=0, limit=100)[0]}  # fmt: skip
        worklist = {int(row["account_id"]) for row in placed_with_agency(connection, user)}
        scope = {one for one in range(1, 13) if may_open(connection, user, one)}
    assert page == worklist == scope
    return page


def recalled_entries(engine: Engine) -> list[dict[str, object]]:
    e = table_of(AuditEvent)
    query = (
        select(e.c.actor, e.c.subject_id, e.c.details).where(e.c.action == recall.RECALLED).order_by(e.c.id)
    )
    with engine.connect() as connection:
        return [
            {"actor": r.actor, "placement": r.subject_id, **json.loads(r.details)}
            for r in connection.execute(query)
        ]


def customer_of(engine: Engine, account_id: int) -> int:
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return int(connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar_one())


def hold(engine: Engine, account_id: int, kind: str, *, whole_customer: bool = False) -> None:
    with audit_transaction(engine) as connection:
        place_hold(connection, account_id=account_id, kind=kind, reason="客户投诉 complaint", user_id=None,
                   actor="service1", role="customer_service" if kind != "litigation" else "legal", now=NOW,
                   whole_customer=whole_customer)  # fmt: skip


class TestAtOnce:
    def test_a_complaint_hold_recalls_the_account_and_the_agency_loses_it_at_once(self, book: Engine) -> None:
        assert seen(book) == {1, 2, 3, 4}

        hold(book, 2, "complaint")

        assert seen(book) == {1, 3, 4}
        assert placements(book)[2] == ("X", RUN, "complaint")
        (entry,) = recalled_entries(book)
        assert entry | {"placement": None} == {
            "actor": "service1", "placement": None, "account_id": 2, "agency_code": "X",
            "reason": "complaint", "recalled_on": RUN.isoformat(), "hold_id": entry["hold_id"],
            "hold_kind": "complaint",
        }  # fmt: skip
        with book.connect() as connection:
            assert verify(AuditLog(connection).entries()) == []

    @pytest.mark.parametrize("kind", ["dispute", "hardship", "litigation", "cease_contact"])
    def test_any_other_hold_recalls_as_a_hold(self, book: Engine, kind: str) -> None:
        hold(book, 3, kind)

        assert placements(book)[3] == ("X", RUN, "hold") and seen(book) == {1, 2, 4}

    def test_a_hold_on_the_customer_recalls_each_of_their_placed_accounts(self, book: Engine) -> None:
        a = table_of(CardAccount)
        with book.begin() as connection:  # account 4 becomes a second card of account 1's customer
            connection.execute(update(a).where(a.c.id == 4).values(customer_id=customer_of(book, 1)))

        hold(book, 1, "dispute", whole_customer=True)

        assert seen(book) == {2, 3}
        assert {placements(book)[one][2] for one in (1, 4)} == {"hold"}

    def test_a_hold_on_an_account_never_placed_recalls_nothing(self, book: Engine) -> None:
        hold(book, 9, "complaint")

        assert recalled_entries(book) == [] and seen(book) == {1, 2, 3, 4}

    def test_a_payment_leaving_nothing_overdue_recalls_as_paid_in_full(
        self, book: Engine, tmp_path: Path
    ) -> None:
        settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
        a = table_of(CardAccount)
        with book.connect() as connection:
            owed = connection.execute(
                select(a.c.principal_fen + a.c.interest_fen + a.c.fee_fen).where(a.c.id == 1)
            ).scalar_one()
        paid_at = datetime(2005, 10, 1, 4, tzinfo=UTC)
        with audit_transaction(book) as connection:  # a part payment first: still overdue, still placed
            post_payment(connection, account_id=1, amount_fen=1, paid_at=paid_at, trade_no="T-1",
                         source="gateway", now=NOW, settings=settings)  # fmt: skip
        assert seen(book) == {1, 2, 3, 4}

        with audit_transaction(book) as connection:
            post_payment(connection, account_id=1, amount_fen=int(owed), paid_at=paid_at, trade_no="T-2",
                         source="gateway", now=NOW, settings=settings)  # fmt: skip

        assert placements(book)[1] == ("X", RUN, "paid_in_full") and seen(book) == {2, 3, 4}
        (entry,) = recalled_entries(book)
        assert entry["actor"] == recall.ACTOR and entry["payment_id"]

    def test_suspending_the_agency_recalls_all_it_holds_and_reinstating_gives_nothing_back(
        self, book: Engine
    ) -> None:
        with audit_transaction(book) as connection:
            recalls = register.suspend_agency(connection, "X", reason="投诉过多 too many complaints",
                                              actor="manager1", day=RUN, now=NOW)  # fmt: skip
        assert len(recalls) == 4 and seen(book) == set()
        assert {row[2] for row in placements(book).values()} == {"agency_suspended"}

        with audit_transaction(book) as connection:
            register.reinstate_agency(connection, "X", actor="manager1", now=NOW)
        assert seen(book) == set()

    def test_an_update_that_ends_the_contract_recalls_from_its_last_day(self, book: Engine) -> None:
        ended = RUN - timedelta(days=2)
        with audit_transaction(book) as connection:
            changed, recalls = register.update_agency(
                connection,
                "X",
                replace(X, contract_ends_on=ended),
                actor="manager1",
                day=RUN,
                today=RUN,
                now=NOW,
            )

        assert changed == ["contract_ends_on"] and len(recalls) == 4
        assert set(placements(book).values()) == {("X", ended, "contract_expired")}
        assert seen(book) == set()

    def test_an_update_that_leaves_the_agency_eligible_recalls_nothing(self, book: Engine) -> None:
        with audit_transaction(book) as connection:
            changed, recalls = register.update_agency(
                connection, "X", replace(X, capacity=7), actor="manager1", day=RUN, today=RUN, now=NOW
            )

        assert (changed, recalls) == (["capacity"], []) and seen(book) == {1, 2, 3, 4}

    def test_a_sold_account_is_recalled_for_the_debt_sale(self, book: Engine) -> None:
        with audit_transaction(book) as connection:
            assert recall.recall_account(connection, 4, reason="sold", day=RUN, now=NOW) == 1
            assert recall.recall_account(connection, 4, reason="sold", day=RUN, now=NOW) == 0

        assert placements(book)[4] == ("X", RUN, "sold") and seen(book) == {1, 2, 3}

    def test_a_manager_recalls_one_placement(self, book: Engine) -> None:
        p = table_of(AgencyPlacement)
        with book.connect() as connection:
            placement_id = connection.execute(select(p.c.id).where(p.c.account_id == 2)).scalar_one()
        with audit_transaction(book) as connection:
            done = recall.recall_placement(connection, placement_id, day=RUN, now=NOW, actor="manager1",
                                           note="客户要求 at the bank's request")  # fmt: skip
        assert (done.reason, done.recalled_on) == ("manual", RUN) and seen(book) == {1, 3, 4}

        with (
            pytest.raises(recall.RecallRefused, match="recalled already"),
            audit_transaction(book) as connection,
        ):
            recall.recall_placement(connection, placement_id, day=RUN, now=NOW, actor="manager1")
        with pytest.raises(NotFound), audit_transaction(book) as connection:
            recall.recall_placement(connection, 2**31 - 1, day=RUN, now=NOW, actor="manager1")
        with pytest.raises(recall.RecallRefused, match="ended"), audit_transaction(book) as connection:
            recall.recall_placement(connection, placement_id + 1, day=END + timedelta(days=1), now=NOW,
                                    actor="manager1")  # fmt: skip
        assert len(recalled_entries(book)) == 1


class TestAtOnceConcurrently:
    def test_a_hold_and_a_sale_at_once_recall_each_account_once(self, book: Engine) -> None:
        """A complaint hold (its own audit entry first) and a sale of the same account in two transactions
        at once: no deadlock, one recall."""
        for account_id in (1, 2, 3, 4):
            start = Barrier(2)

            def sale(account: int = account_id, barrier: Barrier = start) -> int:
                barrier.wait()
                with audit_transaction(book) as connection:
                    return recall.recall_account(connection, account, reason="sold", day=RUN, now=NOW)

            def complaint(account: int = account_id, barrier: Barrier = start) -> int:
                barrier.wait()
                hold(book, account, "complaint")
                return 0

            with ThreadPoolExecutor(2) as pool:
                done = [pool.submit(sale), pool.submit(complaint)]
                assert all(one.result(timeout=60) in (0, 1) for one in done)

        assert {placements(book)[one][2] for one in (1, 2, 3, 4)} <= {"sold", "complaint"}
        assert sorted(int(one["account_id"]) for one in recalled_entries(book)) == [1, 2, 3, 4]  # type: ignore[call-overload]
        with book.connect() as connection:
            assert verify(AuditLog(connection).entries()) == []


class TestSweep:
    def test_period_ends_lapsed_agencies_and_missed_triggers(self, book: Engine) -> None:
        with audit_transaction(book) as connection:  # agency L lapsed (inspected 366 days before RUN)
            lapsed = replace(X, code="L", last_inspection_on=RUN - timedelta(days=366))
            register.create_agency(connection, lapsed, actor="manager1", today=RUN, now=NOW)
        place(book, [5], code="L")
        place(book, [6], end=RUN - timedelta(days=1))  # its period ended yesterday
        place(book, [7], code="OFF")  # an agency the register does not know: not judged
        a = table_of(CardAccount)
        with book.begin() as connection:  # the extract says account 3 is paid up (no posting saw it)
            connection.execute(update(a).where(a.c.id == 3).values(overdue_fen=0))

        with audit_transaction(book) as connection:
            result = recall.sweep(connection, as_of=RUN, now=NOW)

        found = placements(book)
        assert found[5] == ("L", RUN - timedelta(days=1), "inspection_lapsed")
        assert found[6] == ("X", RUN - timedelta(days=1), "period_end")
        assert found[3] == ("X", RUN, "paid_in_full")
        assert found[7] == ("OFF", None, None) and found[1] == ("X", None, None)
        assert result.by_reason() == {"period_end": 1, "paid_in_full": 1, "inspection_lapsed": 1}
        assert result.ineligible == {"L": ("inspection_lapsed",)}
        with audit_transaction(book) as connection:
            again = recall.sweep(connection, as_of=RUN, now=NOW)
        assert again.recalls == [] and len(recalled_entries(book)) == 3


class TestPlacedAgain:
    def test_a_recalled_account_is_placeable_from_the_day_after_its_last_day(self, book: Engine) -> None:
        hold(book, 1, "complaint")
        with book.connect() as connection:
            found = recall.placeable_from(connection, [1, 2, 9])
        assert found == {1: RUN + timedelta(days=1), 2: END + timedelta(days=1)}

    def test_the_run_places_it_again_only_the_day_after_so_payments_go_to_one_placement(
        self, book: Engine
    ) -> None:
        hold(book, 1, "complaint")
        x, customer = table_of(CollectionAction), customer_of(book, 1)
        with book.begin() as connection:
            for day in (RUN, RUN + timedelta(days=1)):
                connection.execute(insert(x).values(run_date=day, account_id=1, customer_id=customer,
                                                    channel="agency_placement", segment="m7", arm="champion",
                                                    treatment="agency", value_fen=0, priority=1,
                                                    scheduled_at=NOW, status="planned"))  # fmt: skip
            assert place_run_hand_overs(connection, run_date=RUN, agency_code="Y", now=NOW) == 0
            assert (
                place_run_hand_overs(connection, run_date=RUN + timedelta(days=1), agency_code="Y", now=NOW)
                == 1
            )

        p = table_of(AgencyPlacement)
        with book.connect() as connection:
            periods = connection.execute(
                select(p.c.placed_on, p.c.ends_on, p.c.recalled_on)
                .where(p.c.account_id == 1)
                .order_by(p.c.id)
            ).all()
        held = [(placed, recalled or ends) for placed, ends, recalled in periods]
        assert held[0][1] < held[1][0]  # no day held by both
        for day in (RUN, RUN + timedelta(days=1)):
            assert sum(start <= day <= last for start, last in held) == 1
