"""Candidate pools: the accounts the rulebook's entry point and the pool's rules allow on a day
(:func:`arrears.debtsale.rules.exclusion`), each with its expected recovery, frozen with the criteria
and the accounts left out; a pool's view and summary. Audited (``debt_sale.pool_created``); nothing
commits: the caller's transaction must be an audit transaction."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from arrears.accounts.rules import DEFAULT_CLASSES
from arrears.audit.repository import AuditLog
from arrears.debtsale import rules
from arrears.debtsale.repository import SaleRepository
from arrears.debtsale.rules import Basis, Facts, PoolRefused
from arrears.kit.errors import NotFound
from arrears.users.service import StaffUser

MEMBERS_SHOWN = 200  # a pool's page lists its accounts with the largest expected recoveries first


@dataclass(frozen=True, slots=True)
class Drawn:
    """What drawing a pool found: its members' rows and the accounts left out, by reason."""

    members: list[dict[str, Any]]
    excluded: Counter[str]


def draw(connection: Connection, *, as_of: date, min_dpd: int, now: datetime) -> Drawn:
    """The members a pool of ``as_of`` would hold (each with its expected recovery) and those left out."""
    repository = SaleRepository(connection)
    candidates = repository.candidates(as_of=as_of, min_dpd=min_dpd)
    holds = repository.hold_kinds([(r["account_id"], r["customer_id"]) for r in candidates], now=now)
    first = date(as_of.year - 1 if as_of.month < 12 else as_of.year, as_of.month % 12 + 1, 1)
    paid = repository.payments_before([r["account_id"] for r in candidates], since=first, until=as_of)
    members, excluded = [], Counter[str]()
    for row in candidates:
        facts = Facts(int(row["dpd"]), str(row["regulatory_class"]), bool(row["sold"]),
                      bool(row["open_legal_case"]), holds.get(row["account_id"], ()))  # fmt: skip
        reason, _ = rules.exclusion(facts)
        if reason is not None:
            excluded[reason] += 1
            continue
        months, paid_fen, last = rules.months_paid(paid.get(row["account_id"], []), as_of=as_of)
        p_bp = rules.p_pay_bp(row["p_default"])
        expected = rules.expected_recovery(Basis(int(row["balance_fen"]), int(row["dpd"]), p_bp, months))
        members.append({
            "account_id": row["account_id"], "customer_id": row["customer_id"], "dpd": row["dpd"],
            "bucket": row["bucket"], "regulatory_class": row["regulatory_class"],
            "balance_fen": row["balance_fen"], "overdue_fen": row["overdue_fen"],
            "oldest_unpaid_due_date": row["oldest_unpaid_due_date"], "p_pay_bp": p_bp, "months_paid": months,
            "paid_12m_fen": paid_fen, "last_paid_on": last, "expected_fen": expected,
        })  # fmt: skip
    return Drawn(members, excluded)


def _criteria(min_dpd: int, drawn: Drawn) -> dict[str, Any]:
    return {
        "min_dpd": min_dpd,
        "regulatory_class": "loss",
        "classes": "the regulatory class of the delinquency snapshot, from DPD by the five-category table: "
        + ", ".join(f"{band.code} {band.min_dpd}+" for band in DEFAULT_CLASSES.bands),
        "entry_point": "DEBT-SALE",
        "blocking_holds": list(rules.BLOCKING_HOLDS),
        "open_legal_case": "excluded",
        "placements": "recalled at the sale",
        "excluded": {reason: drawn.excluded.get(reason, 0) for reason in rules.EXCLUSIONS},
        "recovery": {
            "ceiling": str(rules.CEILING),
            "model_weight": str(rules.MODEL_WEIGHT),
            "history_weight": str(rules.HISTORY_WEIGHT),
            "full_age_days": rules.FULL_AGE_DAYS,
        },
    }


def create_pool(
    connection: Connection,
    *,
    as_of: date,
    min_dpd: int,
    name: str | None,
    by: StaffUser,
    now: datetime,
) -> int:
    """A new pool of the accounts that may be sold on ``as_of`` (a day with a delinquency snapshot), at
    least ``min_dpd`` days past due. PoolRefused when there is no snapshot or no account qualifies."""
    min_dpd = rules.check_min_dpd(min_dpd)
    name = rules.check_name(name, as_of=as_of)
    repository = SaleRepository(connection)
    if not repository.has_snapshot(as_of):
        raise PoolRefused(f"there is no delinquency snapshot on {as_of}: run that day first",
                          f"{as_of} 没有逾期快照：请先运行该日的日批")  # fmt: skip
    drawn = draw(connection, as_of=as_of, min_dpd=min_dpd, now=now)
    if not drawn.members:
        raise PoolRefused(
            f"no account may be sold on {as_of} at {min_dpd}+ days past due "
            f"(left out: {dict(drawn.excluded) or 'none found'})",
            f"{as_of} 没有逾期 {min_dpd} 天以上可转让的账户",
        )
    found = rules.summary(drawn.members)
    values = {"name": name, "as_of_date": as_of, "min_dpd": min_dpd, "status": "open",
              "criteria": json.dumps(_criteria(min_dpd, drawn), ensure_ascii=False, sort_keys=True),
              "accounts": found.accounts, "balance_fen": found.balance_fen,
              "expected_fen": found.expected_fen, "created_by_id": by.id, "created_at": now}  # fmt: skip
    pool_id = repository.add_pool(values, drawn.members)
    AuditLog(connection).append(
        at=now, actor=by.username, action="debt_sale.pool_created", subject_type="debt_sale_pool",
        subject_id=str(pool_id),
        details={"as_of": as_of.isoformat(), "min_dpd": min_dpd, "accounts": found.accounts,
                 "balance_fen": found.balance_fen, "expected_fen": found.expected_fen,
                 "excluded": dict(drawn.excluded)},
    )  # fmt: skip
    return pool_id


def found_pool(repository: SaleRepository, pool_id: int, *, lock: bool = False) -> dict[str, Any]:
    pool = repository.pool(pool_id, lock=lock)
    if pool is None:
        raise NotFound(f"no debt sale pool {pool_id}", f"没有转让资产包 {pool_id}")
    return pool


def pool_view(connection: Connection, pool_id: int, *, shown: int = MEMBERS_SHOWN) -> dict[str, Any]:
    """A pool: its row and criteria, its summary over every member, the members with the largest
    expected recoveries (``shown``), and its sales."""
    repository = SaleRepository(connection)
    pool = found_pool(repository, pool_id)
    members = repository.members(pool_id)
    return {
        "pool": pool,
        "criteria": json.loads(pool["criteria"]),
        "summary": rules.summary(members),
        "members": members[:shown],
        "sales": repository.sales(pool_id=pool_id),
        "creator": repository.usernames([pool["created_by_id"]]).get(pool["created_by_id"] or 0),
    }


def pool_list(connection: Connection) -> list[dict[str, Any]]:
    return SaleRepository(connection).pools()
