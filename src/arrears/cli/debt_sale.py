"""``arrears debt-sale``: candidate pools of loss-class accounts, sales to buyers (proposed by one person,
approved by another), the buyer's file and the payments to forward (docs/debt-sale.md)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from arrears.cli.common import console, parse_day, reports_errors

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from arrears.users.service import StaffUser

app = typer.Typer(
    help="Debt sale: candidate pools, sales to buyers, payments to forward.", no_args_is_help=True
)
pool_app = typer.Typer(help="Candidate pools of loss-class accounts.", no_args_is_help=True)
app.add_typer(pool_app, name="pool")

BY = typer.Option(..., "--by", help="Who does it: an active user whose role allows it (audited).")


def _engine() -> Engine:
    from arrears import migrate
    from arrears.db import get_engine

    engine = get_engine()
    migrate.upgrade(engine)
    return engine


def _user(connection: Connection, username: str) -> StaffUser:
    from arrears.kit.errors import NotFound
    from arrears.users.repository import UserRepository
    from arrears.users.service import StaffUser

    row = UserRepository(connection).by_username(username)
    if row is None or not row.is_active:
        raise NotFound(f"no active user {username}", f"没有在用的用户 {username}")
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)


def _today() -> date:
    from zoneinfo import ZoneInfo

    from arrears.config import get_settings
    from arrears.kit import clock

    return clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()


def _yuan(fen: int) -> str:
    from arrears.kit.money import format_fen

    return format_fen(fen)


@pool_app.command("create")
@reports_errors
def pool_create(
    as_of: str = typer.Option(
        ..., "--as-of", help="The pool's cut-off day (YYYY-MM-DD): a day with a snapshot."
    ),
    min_dpd: int = typer.Option(181, "--min-dpd", help="Days past due at least (181 and more: loss class)."),
    name: str | None = typer.Option(None, "--name", help="The pool's name (default: pool YYYY-MM-DD)."),
    by: str = BY,
) -> None:
    """Draw a pool of the accounts that may be sold on the day (the rulebook's DEBT-SALE entry point: loss
    class, over 180 days past due; no open legal case, no dispute, complaint, death, bankruptcy or
    litigation hold; never sold), each with its expected recovery; frozen as drawn. Needs debt_sale:manage."""
    from arrears.audit.repository import audit_transaction
    from arrears.debtsale.pools import create_pool, pool_view
    from arrears.kit import clock
    from arrears.users.permissions import require

    day = parse_day(as_of, option="--as-of")
    assert day is not None
    with audit_transaction(_engine()) as connection:
        user = _user(connection, by)
        require(user.role, "debt_sale:manage")
        pool_id = create_pool(connection, as_of=day, min_dpd=min_dpd, name=name, by=user, now=clock.now())
        view = pool_view(connection, pool_id, shown=0)
    _print_pool(view)


def _print_pool(view: dict[str, Any]) -> None:
    pool, summary = view["pool"], view["summary"]
    console.print(
        f"pool {pool['id']} {pool['name']!r} as of {pool['as_of_date']} ({pool['status']}): "
        f"{summary.accounts:,} accounts, balance {_yuan(summary.balance_fen)} yuan, expected recovery "
        f"{_yuan(summary.expected_fen)} yuan ({summary.expected_rate_bp / 100:.2f}%)",
        highlight=False,
    )
    ages = ", ".join(f"{b.low}-{b.high or ''}: {b.accounts:,}" for b in summary.ages)
    console.print(f"  days past due: {ages}", highlight=False)
    console.print(
        f"  buckets: {', '.join(f'{k}: {v:,}' for k, v in summary.buckets.items())}", highlight=False
    )
    console.print(f"  left out: {view['criteria']['excluded']}", highlight=False)


def _jsonable(view: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import asdict

    pool, summary = view["pool"], view["summary"]
    return {
        "pool": {key: (value.isoformat() if hasattr(value, "isoformat") else value)
                 for key, value in pool.items() if key != "criteria"},
        "criteria": view["criteria"],
        "summary": asdict(summary) | {"expected_rate_bp": summary.expected_rate_bp},
        "sales": [{"id": one["id"], "status": one["status"], "buyer_name": one["buyer_name"],
                   "price_fen": one["price_fen"], "sold_on": one["sold_on"].isoformat()}
                  for one in view["sales"]],
    }  # fmt: skip


@pool_app.command("show")
@reports_errors
def pool_show(
    pool_id: int = typer.Argument(..., help="The pool's id."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """A pool's criteria and summary: accounts, balance, expected recovery, ages and buckets."""
    from arrears.debtsale.pools import pool_view

    with _engine().connect() as connection:
        view = pool_view(connection, pool_id, shown=0)
    if as_json:
        console.print_json(json.dumps(_jsonable(view), default=str))
    else:
        _print_pool(view)


@app.command("sell")
@reports_errors
def sell(
    pool_id: int = typer.Argument(..., help="The pool to sell."),
    buyer: str = typer.Option(..., "--buyer", help="The buyer's name."),
    licence: str = typer.Option(..., "--licence", help="The buyer's licence or registration number."),
    contact: str = typer.Option(..., "--contact", help="Where cardholders reach the buyer (phone, address)."),
    pay_to: str = typer.Option(
        ..., "--pay-to", help="How cardholders pay the buyer (beneficiary, bank, account)."
    ),
    price: str = typer.Option(..., "--price", help="The price in yuan (at most two decimals)."),
    sale_date: str = typer.Option(
        ..., "--date", help="The sale's date (YYYY-MM-DD): from the pool's as-of day."
    ),
    note: str | None = typer.Option(None, "--note", help="A note for the approver."),
    by: str = BY,
) -> None:
    """Propose the sale of a pool to a buyer that collects the accounts itself; another person approves
    it (`arrears debt-sale approve`). Needs debt_sale:manage."""
    from arrears.audit.repository import audit_transaction
    from arrears.debtsale import rules, sales
    from arrears.kit import clock

    day = parse_day(sale_date, option="--date")
    assert day is not None
    terms = rules.Terms(buyer_name=buyer, buyer_licence=licence, buyer_contact=contact, buyer_pay_to=pay_to,
                        buyer_collects_itself=True, price_fen=rules.parse_price(price), sold_on=day,
                        note=note)  # fmt: skip
    with audit_transaction(_engine()) as connection:
        user = _user(connection, by)
        sale_id = sales.propose(
            connection, pool_id=pool_id, terms=terms, by=user, today=_today(), now=clock.now()
        )
    console.print(f"sale {sale_id} of pool {pool_id} proposed: waiting for another person's approval",
                  highlight=False)  # fmt: skip


@app.command("approve")
@reports_errors
def approve(
    sale_id: int = typer.Argument(..., help="The proposed sale."),
    note: str | None = typer.Option(None, "--note", help="A note on the decision."),
    by: str = BY,
) -> None:
    """Approve a proposed sale (not one's own): the accounts are marked sold and leave every run, queue,
    message and placement, each cardholder's notice letter is queued and the buyer's file is written.
    Needs debt_sale:approve."""
    from arrears.audit.repository import audit_transaction
    from arrears.config import get_settings
    from arrears.debtsale import sales
    from arrears.kit import clock
    from arrears.kit.crypto import cipher_for

    settings = get_settings()
    with audit_transaction(_engine()) as connection:
        done = sales.approve(connection, sale_id=sale_id, by=_user(connection, by), today=_today(),
                             now=clock.now(), data_dir=settings.data_dir, cipher=cipher_for(settings),
                             note=note)  # fmt: skip
        sale = sales.sale_view(connection, sale_id, shown=0)["sale"]
    console.print(
        f"sale {sale_id} approved: {done['accounts']:,} accounts sold, {done['notices']:,} notice letters "
        f"queued, {done['actions_cancelled']:,} actions and {done['messages_cancelled']:,} messages "
        f"cancelled, "
        f"{done['placements_recalled']:,} placements recalled, {done['payments_flagged']:,} payments to "
        f"forward; the buyer's file {settings.data_dir / sale['file_path']} (sha256 {sale['file_sha256']})",
        highlight=False,
    )


@app.command("reject")
@reports_errors
def reject(
    sale_id: int = typer.Argument(..., help="The proposed sale."),
    reason: str = typer.Option(..., "--reason", help="Why it is rejected."),
    by: str = BY,
) -> None:
    """Reject a proposed sale (not one's own); its pool is open again. Needs debt_sale:approve."""
    from arrears.audit.repository import audit_transaction
    from arrears.debtsale import sales
    from arrears.kit import clock

    with audit_transaction(_engine()) as connection:
        sales.reject(connection, sale_id=sale_id, by=_user(connection, by), reason=reason, now=clock.now())
    console.print(f"sale {sale_id} rejected", highlight=False)


@app.command("forwards")
@reports_errors
def forwards_command(
    sale: int = typer.Option(..., "--sale", help="The sale."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """The payments received on the sale's accounts after the cut-off: posted, and to forward to the buyer."""
    from arrears.debtsale import sales
    from arrears.debtsale.forwards import forwards

    with _engine().connect() as connection:
        sales.sale_view(connection, sale, shown=0)  # NotFound for an unknown sale
        found = forwards(connection, sale)
    if as_json:
        rows = [{"payment_id": r["payment_id"], "account_no": r["account_no"],
                 "paid_date": r["paid_date"].isoformat(), "amount_fen": r["amount_fen"],
                 "source": r["source"]}
                for r in found.rows]  # fmt: skip
        console.print_json(json.dumps({"sale_id": sale, "payments": rows, "total_fen": found.total_fen}))
        return
    for row in found.rows:
        amount = _yuan(int(row["amount_fen"]))
        console.print(
            f"{row['paid_date']}  {row['account_no']}  {amount:>16}  {row['source']}", highlight=False
        )
    total = _yuan(found.total_fen)
    console.print(
        f"sale {sale}: {len(found.rows):,} payments, {total} yuan to forward to the buyer", highlight=False
    )


@app.command("file")
@reports_errors
def file_command(
    sale_id: int = typer.Argument(..., help="The approved sale."),
    out: Path = typer.Option(..., "--out", help="Where to copy the buyer's file (not an existing file)."),
    by: str = BY,
) -> None:
    """Copy the buyer's file of an approved sale, checked against its SHA-256 first (a file that changed is
    refused); the copy is audited. Needs debt_sale:manage and pii:reveal (it names the cardholders)."""
    import os

    from arrears.audit.repository import audit_transaction
    from arrears.config import get_settings
    from arrears.debtsale import sales
    from arrears.debtsale.salefile import SaleFileMismatch
    from arrears.kit import clock
    from arrears.users.permissions import require

    engine, settings = _engine(), get_settings()
    try:
        with audit_transaction(engine) as connection:
            user = _user(connection, by)
            require(user.role, "debt_sale:manage")
            require(user.role, "pii:reveal")
            body, _ = sales.download(
                connection, sale_id=sale_id, by=user, data_dir=settings.data_dir, now=clock.now()
            )
            with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                handle.write(body)
    except SaleFileMismatch as mismatch:
        with audit_transaction(engine) as connection:
            sales.record_mismatch(connection, sale_id=sale_id, by=_user(connection, by), now=clock.now(),
                                  said=mismatch.message_en)  # fmt: skip
        raise
    except FileExistsError:
        raise typer.BadParameter(f"{out} exists already", param_hint="--out") from None
    console.print(f"sale {sale_id}: the buyer's file copied to {out}", highlight=False)
