"""Store mode reaches cardholders where it may: e-mails and app notices are planned, a mobile marked
invalid is never picked (another valid one is, else the contact is skipped and counted), and opt-outs
hold per contact point as the rulebook says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, insert, select, update

from arrears.batch.run_day import RunInputs, run_day, store_portfolio
from arrears.batch.store import RunRepository
from arrears.compliance import load_policy
from arrears.contacts.dialling import call_check
from arrears.models import CardAccount, CollectionAction, ContactPoint, table_of
from arrears.scoring.model import ScoringModel
from arrears.scoring.store import store_accounts
from arrears.strategy.load import load_strategy

AS_OF = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, tzinfo=UTC)
_POINT, _ACCOUNT = table_of(ContactPoint), table_of(CardAccount)


def run(engine: Engine, model: ScoringModel, policy: str = "cn") -> dict[str, Any]:
    inputs = RunInputs(
        load_strategy("default"), model, "m1", load_policy(policy), "Asia/Shanghai", lambda: NOW
    )
    return run_day(engine, AS_OF, inputs).report


def actions(engine: Engine) -> pl.DataFrame:
    a = table_of(CollectionAction)
    with engine.connect() as connection:
        rows = connection.execute(select(a.c.account_id, a.c.customer_id, a.c.channel, a.c.template)).all()
    schema = {"account_id": pl.Int64, "customer_id": pl.Int64, "channel": pl.String, "template": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def late(connection: Connection, count: int) -> list[tuple[int, int]]:
    """(account, customer) of ``count`` accounts 30 days past due owing 1,000 yuan or more (late M1: a
    call and the weekly e-mail are due; the call is worth more)."""
    a = _ACCOUNT
    query = (
        select(a.c.id, a.c.customer_id)
        .where(
            a.c.arrears_due_date == AS_OF - timedelta(days=30),
            a.c.principal_fen + a.c.interest_fen + a.c.fee_fen >= 100_000,
        )
        .order_by(_ACCOUNT.c.id)
        .limit(count)
    )
    found = [(int(a), int(c)) for a, c in connection.execute(query).all()]
    assert len(found) == count
    return found


def make_early(connection: Connection, accounts: list[tuple[int, int]], dpd: int) -> None:
    """The accounts fall ``dpd`` days past due on the run date (the early segment is 3-15 DPD: an app
    notice on its day 1, an e-mail on day 2, SMS on day 3 for the champion arm)."""
    ids = [account for account, _ in accounts]
    connection.execute(
        update(_ACCOUNT).where(_ACCOUNT.c.id.in_(ids)).values(arrears_due_date=AS_OF - timedelta(days=dpd))
    )


def points(connection: Connection, customer_id: int, kind: str) -> list[int]:
    query = select(_POINT.c.id).where(_POINT.c.customer_id == customer_id, _POINT.c.kind == kind)
    return [int(one) for one in connection.execute(query.order_by(_POINT.c.id)).scalars()]


def invalidate(connection: Connection, ids: list[int]) -> None:
    connection.execute(update(_POINT).where(_POINT.c.id.in_(ids)).values(invalid_at=NOW, failed_sends=3))


def portfolio(engine: Engine) -> pl.DataFrame:
    with engine.connect() as connection:
        repository = RunRepository(connection)
        layout = store_accounts(connection, as_of=AS_OF)
        return store_portfolio(repository, layout, AS_OF, "Asia/Shanghai")


def test_a_day_plans_app_notices_and_emails_to_customers_with_an_address(
    store: Engine, model: ScoringModel
) -> None:
    with store.begin() as connection:
        chosen = late(connection, 60)
        first_day, second_day = chosen[:30], chosen[30:]
        make_early(connection, first_day, 3)
        make_early(connection, second_day, 4)
        unmailable = second_day[0][1]
        invalidate(connection, points(connection, unmailable, "email"))
    report = run(store, model)
    planned = actions(store)
    mailed = planned.filter(pl.col("channel") == "email")
    notices = planned.filter(pl.col("channel") == "push")
    assert mailed.height == report["chosen"]["email"]["actions"] > 15  # the champion arm: 80% of 29
    assert notices.height == report["chosen"]["push"]["actions"] > 15
    assert set(mailed["template"]) == {"email_overdue"} and set(notices["template"]) == {"app_overdue"}
    assert set(notices["customer_id"]) <= {customer for _, customer in first_day}
    assert set(mailed["customer_id"]) <= {customer for _, customer in second_day}
    assert unmailable not in set(planned["customer_id"])  # its e-mail failed for good: skipped
    assert report["skipped_by_reason"] == {"no_email": 1}


def test_an_invalid_mobile_is_not_picked_another_valid_one_is(store: Engine, model: ScoringModel) -> None:
    with store.begin() as connection:
        (account, second), (_, alone) = late(connection, 2)
        spare = {"customer_id": second, "kind": "mobile", "value_enc": b"x", "value_hash": "spare",
                 "value_masked": "139****0000", "is_primary": False, "created_at": NOW}  # fmt: skip
        spare_id = connection.execute(insert(_POINT).values(**spare).returning(_POINT.c.id)).scalar_one()
        invalidate(
            connection, [points(connection, second, "mobile")[0], points(connection, alone, "mobile")[0]]
        )
    book = portfolio(store)
    phone = dict(book.select(pl.col("customer_id").cast(pl.Int64), "contact_point").iter_rows())
    assert phone[second] == str(spare_id)  # the primary failed for good: the spare mobile
    assert phone[alone] is None  # no valid mobile left: no phone
    with store.connect() as connection:  # the case page's check before dialling picks the same
        at = datetime(2005, 10, 1, 10, tzinfo=UTC)
        options = {"policy": load_policy("cn"), "zone": "Asia/Shanghai", "at": at}
        assert call_check(connection, account_id=account, **options).contact_point_id == spare_id
    report = run(store, model)
    assert report["skipped_by_reason"] == {"no_phone": 1}  # the lone customer's call
    planned = actions(store)
    assert planned.filter(pl.col("customer_id") == second)["channel"].to_list() == ["call"]
    assert planned.filter(pl.col("customer_id") == alone)["channel"].to_list() == ["email"]


@pytest.mark.parametrize(("policy", "calls_blocked"), [("cn", True), ("us", False)])
def test_opt_outs_hold_per_contact_point(
    store: Engine, model: ScoringModel, policy: str, calls_blocked: bool
) -> None:
    """Customers opted out of their mobile and their e-mail get no SMS and no e-mail; calls to the
    mobile stop too under cn (CN-OPT-OUT: any channel to the point), not under us (US-OPT-OUT: SMS,
    e-mail and notices only). App notices are another point: they still go."""
    with store.begin() as connection:
        chosen = late(connection, 80)
        make_early(connection, chosen[:20], 3)  # notice day
        make_early(connection, chosen[20:40], 4)  # e-mail day
        make_early(connection, chosen[40:60], 5)  # SMS day (and the challenger's call)
        customers = [customer for _, customer in chosen]
        opted = [p for c in customers for kind in ("mobile", "email") for p in points(connection, c, kind)]
        connection.execute(
            update(_POINT).where(_POINT.c.id.in_(opted)).values(opted_out=True, opted_out_at=NOW)
        )
    book = portfolio(store).filter(pl.col("customer_id").cast(pl.Int64).is_in(customers))
    for row in book.iter_rows(named=True):
        assert sorted(row["opted_out_points"]) == sorted([row["contact_point"], row["email_point"]])
    report = run(store, model, policy)
    planned = actions(store).filter(pl.col("customer_id").is_in(customers))
    assert not set(planned["channel"]) & {"sms", "email"}
    assert "push" in set(planned["channel"])
    assert ("call" not in set(planned["channel"])) is calls_blocked
    rule = "CN-OPT-OUT" if policy == "cn" else "US-OPT-OUT"
    assert report["blocked_by_rule"][rule] >= 40
