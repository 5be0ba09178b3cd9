"""``arrears payments``: pay links (payment orders) and an account's payments (docs/payments.md)."""

from __future__ import annotations

import json
import re
from typing import Any

import typer
from rich.table import Table

from arrears.cli.common import console, reports_errors
from arrears.kit.errors import NotFound
from arrears.kit.money import InvalidAmount, format_fen, parse_amount_fen

app = typer.Typer(
    help="Online payments: pay links, an account's payments, reversals and the gateway's reconciliation.",
    no_args_is_help=True,
)
_TOO_PRECISE = re.compile(r"[0-9]*\.[0-9]{3,}")


def parse_yuan(text: str) -> int:
    """``--amount`` in fen: plain yuan above 0 with at most two decimals; typer.BadParameter saying why."""
    value = text.strip()
    if value.startswith("-"):
        raise typer.BadParameter(f"{text!r} is negative: the amount must be above 0", param_hint="--amount")
    if _TOO_PRECISE.fullmatch(value):
        raise typer.BadParameter(f"{text!r} has more than two decimals (fen)", param_hint="--amount")
    try:
        fen = parse_amount_fen(value, field="--amount")
    except InvalidAmount as problem:
        raise typer.BadParameter(
            problem.message_en.removeprefix("--amount: "), param_hint="--amount"
        ) from None
    if fen == 0:
        raise typer.BadParameter("the amount must be above 0", param_hint="--amount")
    return fen


def _account_id(connection: Any, account_no: str) -> int:
    from arrears.accounts.repository import accounts_numbered

    found = accounts_numbered(connection, account_no)
    if not found:
        raise NotFound(f"no account numbered {account_no!r}", f"没有账号为 {account_no!r} 的账户")
    return found[0]


@app.command("link")
@reports_errors
def link(
    account_no: str = typer.Argument(..., metavar="ACCOUNT_NO", help="The card account's number."),
    amount: str = typer.Option(..., "--amount", help="Yuan, at most two decimals, e.g. 1234.50."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    actor: str = typer.Option("cli", "--actor", help="Who asks (recorded in the audit chain)."),
) -> None:
    """Create a payment order for the account and print its out_trade_no and pay URL (audited)."""
    from arrears.audit.repository import audit_transaction
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.payments.orders import create_order

    amount_fen = parse_yuan(amount)
    settings = get_settings()
    with audit_transaction(get_engine(settings)) as connection:
        account_id = _account_id(connection, account_no)
        created = create_order(
            connection, account_id=account_id, amount_fen=amount_fen, purpose="custom", via="cli",
            user_id=None, now=now(), settings=settings, actor=actor,
        )  # fmt: skip
    if as_json:
        found = {"out_trade_no": created.out_trade_no, "pay_url": created.pay_url, "amount_fen": amount_fen,
                 "expires_at": created.expires_at.isoformat()}  # fmt: skip
        typer.echo(json.dumps(found))
        return
    console.print(f"out_trade_no {created.out_trade_no}", highlight=False)
    console.print(f"pay URL      {created.pay_url}", highlight=False, soft_wrap=True)
    console.print(
        f"amount       {format_fen(amount_fen)} yuan, payable until {created.expires_at:%Y-%m-%d %H:%M} UTC"
    )


def _status(row: Any) -> str:
    if row.reverses_id is not None or row.amount_fen < 0:
        return "reversal"
    return "reversed" if row.reversed_by is not None else "posted"


@app.command("list")
@reports_errors
def list_payments(
    account: str = typer.Option(..., "--account", metavar="ACCOUNT_NO", help="The card account's number."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """The account's payments, newest first, with their source, trade_no and status."""
    from arrears.db import get_engine
    from arrears.payments.repository import payments_of

    with get_engine().connect() as connection:
        rows = payments_of(connection, _account_id(connection, account))
    found = [
        {"id": row.id, "paid_date": row.paid_date.isoformat(), "amount_fen": int(row.amount_fen),
         "source": row.source, "channel": row.channel, "trade_no": row.trade_no,
         "payment_ref": row.payment_ref, "status": _status(row), "reverses_id": row.reverses_id}
        for row in rows
    ]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False))
        return
    table = Table(title=f"Payments of account {account}")
    for column, justify in (("paid", "left"), ("amount (yuan)", "right"), ("source", "left"),
                            ("trade_no", "left"), ("status", "left")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for one in found:
        table.add_row(one["paid_date"], format_fen(one["amount_fen"]), one["source"], one["trade_no"] or "-",
                      one["status"])  # fmt: skip
    console.print(table if found else "no payments")


def _more_commands() -> None:
    """The reconciliation and the reversal, kept in modules of their own."""
    from arrears.cli.payments_reconcile import reconcile
    from arrears.cli.payments_reverse import reverse

    app.command("reconcile")(reconcile)
    app.command("reverse")(reverse)


_more_commands()
