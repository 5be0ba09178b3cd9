"""The agencies' league table on SQLite and PostgreSQL: accounts held and placed in the month, recovery
over the overdue amount at placement (reversals taken off), promises the agency's users took on its
accounts and kept, complaints while the account was placed (a service case or a hold of its own, not
both for one complaint; a hold on the whole customer), the rulebook's blocks of the agency's actions;
per 1,000 accounts; ranked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, insert, select

from arrears.agencies.league import league_table
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.models import CardAccount, Hold, PromiseToPay, ServiceCase, ServiceCaseHold, Team, table_of
from arrears.users.service import create_user
from commission_book import MARCH, NOW, ZONE, accounts, agency, pay, place, snapshot


def local(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(UTC)


def test_the_months_table(engine: Engine) -> None:
    with engine.begin() as connection:
        one, two, three, four = accounts(connection, 4)
        agency(connection, "A1", "甲催收公司")
        agency(connection, "B2")
        team = table_of(Team)
        for code in ("A1", "B2"):
            connection.execute(
                insert(team).values(code=f"agency-{code}", name=code, kind="agency", agency_code=code)
            )
        teams = dict(connection.execute(select(team.c.agency_code, team.c.code)).all())
        a1_user = create_user(
            connection,
            username="a1u",
            display_name="甲",
            role="agency_user",
            password="correct horse battery",
            now=NOW,
            team_code=teams["A1"],
        )
        b2_user = create_user(
            connection,
            username="b2u",
            display_name="乙",
            role="agency_user",
            password="correct horse battery",
            now=NOW,
            team_code=teams["B2"],
        )
        for account, overdue in ((one, 400_000), (two, 600_000), (three, 1_000_000)):
            snapshot(connection, account, date(2026, 2, 1), dpd=100, overdue_fen=overdue)
        place(connection, one, "A1", date(2026, 2, 2), date(2026, 5, 2))
        place(connection, two, "A1", date(2026, 3, 5), date(2026, 6, 2), recalled_on=date(2026, 3, 20))
        place(connection, two, "B2", date(2026, 3, 21), date(2026, 6, 18))
        place(connection, three, "B2", date(2026, 3, 1), date(2026, 5, 29))
        place(connection, four, "B2", date(2026, 1, 1), date(2026, 2, 27))  # over before March
        paid = pay(connection, one, date(2026, 3, 3), 200_000, "L1")
        pay(connection, one, date(2026, 3, 4), -50_000, "L1R", reverses_id=paid)
        pay(connection, two, date(2026, 3, 25), 10_000, "L2")  # B2's
        pay(connection, three, date(2026, 3, 9), 100_000, "L3")
        promises = table_of(PromiseToPay)
        for account, taken_by, taken_on, due, status in (
            (one, a1_user.id, date(2026, 3, 1), date(2026, 3, 10), "kept"),
            (one, a1_user.id, date(2026, 3, 1), date(2026, 3, 20), "broken"),
            (two, a1_user.id, date(2026, 3, 6), date(2026, 3, 25), "partly_kept"),
            (one, a1_user.id, date(2026, 3, 2), date(2026, 4, 2), "kept"),  # due in April
            (two, b2_user.id, date(2026, 3, 1), date(2026, 3, 10), "kept"),  # before B2 held it
            (three, b2_user.id, date(2026, 3, 2), date(2026, 3, 12), "open"),  # not settled yet
            (three, None, date(2026, 3, 2), date(2026, 3, 12), "kept"),  # on the portal
        ):
            connection.execute(
                insert(promises).values(
                    account_id=account,
                    amount_fen=1_000,
                    taken_on=taken_on,
                    promised_date=due,
                    status=status,
                    created_at=NOW,
                    taken_by_id=taken_by,
                )
            )
        a = table_of(CardAccount)
        customer_of = dict(connection.execute(select(a.c.id, a.c.customer_id)).all())
        cases, holds, links = table_of(ServiceCase), table_of(Hold), table_of(ServiceCaseHold)
        case_ids = []
        for account, day in ((two, date(2026, 3, 10)), (two, date(2026, 3, 21)), (three, date(2026, 2, 27))):
            case_ids.append(
                connection.execute(
                    insert(cases)
                    .values(
                        account_id=account,
                        customer_id=customer_of[account],
                        kind="complaint",
                        category="attitude_abuse",
                        channel="call",
                        summary_enc=b"x",
                        received_at=local(day),
                        acknowledge_by=local(day),
                        resolve_by=local(day),
                        created_by="cs1",
                    )
                    .returning(cases.c.id)
                ).scalar_one()
            )
        for account, day, whole_customer, linked in (
            (two, date(2026, 3, 10), False, True),
            (one, date(2026, 3, 15), True, False),
            (three, date(2026, 3, 2), False, False),
        ):
            hold_id = connection.execute(
                insert(holds)
                .values(
                    customer_id=customer_of[account],
                    account_id=None if whole_customer else account,
                    kind="complaint",
                    reason="投诉",
                    placed_at=local(day),
                )
                .returning(holds.c.id)
            ).scalar_one()
            if linked:  # the case's own hold: one complaint, not two
                connection.execute(insert(links).values(case_id=case_ids[0], hold_id=hold_id))
    with audit_transaction(engine) as connection:
        log = AuditLog(connection)
        for actor, decision, at in (
            ("agency:A1", "block", local(date(2026, 3, 5))),
            ("a1u", "block", local(date(2026, 3, 6))),
            ("a1u", "allow", local(date(2026, 3, 6))),
            ("b2u", "block", local(date(2026, 4, 1), 1)),  # April in Beijing
            ("agency:B2", "block", local(date(2026, 3, 31), 23)),
            ("manager1", "block", local(date(2026, 3, 6))),
        ):
            log.append(
                at=at,
                actor=actor,
                action="compliance.decision",
                subject_type="action",
                subject_id="s",
                details={"decision": decision, "rules": ["CN-HOURS"]},
            )

    with engine.connect() as connection:
        table = league_table(connection, month=MARCH, zone=ZONE)

    by_code = {row.figures.agency_code: row for row in table}
    a1, b2 = by_code["A1"], by_code["B2"]
    assert (a1.figures.accounts, a1.figures.new_placements, a1.figures.overdue_at_placement_fen) == (
        2,
        1,
        1_000_000,
    )
    assert (a1.figures.recovered_fen, a1.figures.payments, a1.recovery_rate) == (
        150_000,
        2,
        Decimal("0.1500"),
    )
    assert (a1.figures.promises_settled, a1.figures.promises_kept, a1.promise_kept_rate) == (
        3,
        1,
        Decimal("0.3333"),
    )
    assert (a1.figures.complaints, a1.complaints_per_1000) == (
        2,
        Decimal("1000.0"),
    )  # a case, a customer's hold
    assert (a1.figures.blocks, a1.blocks_per_1000) == (2, Decimal("1000.0"))
    assert (b2.figures.accounts, b2.figures.new_placements, b2.figures.overdue_at_placement_fen) == (
        2,
        2,
        1_600_000,
    )
    assert (b2.figures.recovered_fen, b2.recovery_rate) == (110_000, Decimal("0.0688"))
    assert (b2.figures.promises_settled, b2.promise_kept_rate) == (0, None)
    assert (b2.figures.complaints, b2.figures.blocks) == (2, 1)  # the case on 03-21, the hold on 03-02
    assert [(row.rank, row.figures.agency_code) for row in table] == [(1, "A1"), (2, "B2")]
