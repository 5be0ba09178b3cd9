"""``arrears payments reverse PAYMENT_ID --reason TEXT [--reference REF] [--json]``: a refund or reversal
of a posted payment (:func:`arrears.payments.reversal.reverse_payment`). A function the ``payments``
command group registers as its ``reverse`` subcommand."""

from __future__ import annotations

import json

import typer

from arrears.cli.common import console, reports_errors
from arrears.kit.inputs import MAX_ID


@reports_errors
def reverse(
    payment_id: int = typer.Argument(
        ..., min=1, max=MAX_ID, help="The payment to take back (its id, as `payments list` shows)."
    ),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit, masked)."),
    reference: str | None = typer.Option(None, "--reference", help="The gateway's refund number, if any."),
    actor: str = typer.Option("arrears", "--actor", help="Who reverses it (recorded in the audit)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Post a negative entry taking back a payment; the account's items, promises, plan and today's
    queue are reopened as the payment had not come (cancelled messages are not sent again). Audited."""
    from arrears import migrate
    from arrears.audit.repository import audit_transaction
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.payments.effects_repository import overdue_fen, payment
    from arrears.payments.reversal import reverse_payment

    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with audit_transaction(engine) as connection:
        entry = reverse_payment(connection, payment_id=payment_id, reason=reason, reference=reference,
                                now=now(), settings=settings, actor=actor)  # fmt: skip
        row = payment(connection, entry) or {}
        overdue = overdue_fen(connection, int(row["account_id"]))
    result = {"reversal_id": entry, "reverses_id": payment_id, "account_id": row["account_id"],
              "amount_fen": row["amount_fen"], "paid_date": row["paid_date"].isoformat(),
              "overdue_fen": overdue}  # fmt: skip
    if as_json:
        console.print_json(json.dumps(result))
        return
    console.print(
        f"payment {payment_id} reversed by entry {entry}: {row['amount_fen'] / 100:.2f} yuan; "
        f"overdue now {overdue / 100:.2f} yuan",
        highlight=False,
    )
