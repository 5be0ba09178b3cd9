"""Payment orders: what the portal or a collector's pay link asks the gateway to take.

An order has our unique ``out_trade_no`` (its date in Asia/Shanghai and 20 random characters: it is
also the pay link's secret, so it cannot be guessed), the amount in fen, and a life: ``created`` ->
``paid`` (the gateway's TRADE_SUCCESS posted it) or ``closed`` (TRADE_CLOSED; an order not paid within
``ARREARS_PAYMENT_ORDER_MINUTES`` is shown as expired and cannot be paid from the checkout) ->
``refunded`` (a reversal). Only the gateway's notification posts money.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.money import format_fen
from arrears.models.payments import ORDER_PURPOSES
from arrears.payments import repository
from arrears.payments.gateway import GATEWAY_ZONE, gateway_secret

VIAS = ("portal", "staff", "cli")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


class OrderRefused(ArrearsError, ValueError):
    """An order that cannot be created: an amount not above 0 or above the payoff, no gateway secret."""


@dataclass(frozen=True, slots=True)
class CreatedOrder:
    out_trade_no: str
    pay_url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as the checkout, the receipt pages and the CLI show it (no personal data)."""

    id: int
    out_trade_no: str
    status: str  # created, paid, closed, refunded
    amount_fen: int
    account_id: int
    account_tail: str
    purpose: str
    created_via: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    trade_no: str | None
    payment_id: int | None

    def expired(self, now: datetime) -> bool:
        """Not paid nor closed, and past its time: the checkout no longer takes it."""
        return self.status == "created" and now >= self.expires_at

    def state(self, now: datetime) -> str:
        """created, expired, paid, closed or refunded."""
        return "expired" if self.expired(now) else self.status


def new_out_trade_no(now: datetime) -> str:
    """``20261205`` + 20 characters of a 32-letter alphabet (100 random bits): 28 characters."""
    return f"{now.astimezone(GATEWAY_ZONE):%Y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(20))


def pay_url(settings: Settings, out_trade_no: str) -> str:
    return f"{settings.public_url.rstrip('/')}/pay/simulated/{out_trade_no}"


def create_order(
    connection: Connection,
    *,
    account_id: int,
    amount_fen: int,
    purpose: str,
    via: str,
    user_id: int | None,
    now: datetime,
    settings: Settings,
    plan_instalment_id: int | None = None,
    actor: str | None = None,
) -> CreatedOrder:
    """A new order for ``amount_fen`` on the account, audited ``payment.order_created``. OrderRefused for
    an amount not above 0 or above the payoff (the account's balance), or when the gateway secret is
    unset; NotFound for an unknown account. ``actor`` defaults to ``user:<id>``, for the portal
    ``customer:<id>``, else ``via``."""
    gateway_secret(settings)  # GatewayNotConfigured (an ArrearsError) when payments cannot be taken
    _check(purpose=purpose, via=via)
    account = repository.account_row(connection, account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist", f"账户 {account_id} 不存在")
    payoff = int(account.principal_fen + account.interest_fen + account.fee_fen)
    if amount_fen <= 0:
        raise OrderRefused("the amount must be above 0", "还款金额须大于 0")
    if amount_fen > payoff:
        raise OrderRefused(
            f"{format_fen(amount_fen)} yuan is more than the payoff of {format_fen(max(payoff, 0))} yuan",
            f"{format_fen(amount_fen)} 元超过全部应还金额 {format_fen(max(payoff, 0))} 元",
        )
    out_trade_no = new_out_trade_no(now)
    expires_at = now + timedelta(minutes=settings.payment_order_minutes)
    order_id = repository.insert_order(
        connection,
        {
            "out_trade_no": out_trade_no, "gateway": settings.gateway, "account_id": account_id,
            "customer_id": account.customer_id, "amount_fen": amount_fen, "purpose": purpose,
            "plan_instalment_id": plan_instalment_id, "status": "created", "created_via": via,
            "created_by_id": user_id, "created_at": now, "expires_at": expires_at,
        },
    )  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=actor or _actor(user_id=user_id, via=via, customer_id=account.customer_id),
        action="payment.order_created", subject_type="payment_order", subject_id=str(order_id),
        details={"account_id": account_id, "amount_fen": amount_fen, "purpose": purpose, "via": via,
                 "out_trade_no": out_trade_no, "expires_at": expires_at.isoformat()},
    )  # fmt: skip
    return CreatedOrder(
        out_trade_no=out_trade_no, pay_url=pay_url(settings, out_trade_no), expires_at=expires_at
    )


def _actor(*, user_id: int | None, via: str, customer_id: int) -> str:
    if user_id is not None:
        return f"user:{user_id}"
    return f"customer:{customer_id}" if via == "portal" else via


def _check(*, purpose: str, via: str) -> None:
    if purpose not in ORDER_PURPOSES:
        raise OrderRefused(
            f"purpose {purpose!r} is not one of {', '.join(ORDER_PURPOSES)}",
            f"用途 {purpose!r} 不在 {', '.join(ORDER_PURPOSES)} 之中",
        )
    if via not in VIAS:
        raise OrderRefused(
            f"via {via!r} is not one of {', '.join(VIAS)}", f"来源 {via!r} 不在 {', '.join(VIAS)} 之中"
        )


def order_view(connection: Connection, out_trade_no: str) -> OrderView | None:
    """The order numbered ``out_trade_no``, or None."""
    row = repository.order_row(connection, out_trade_no)
    if row is None:
        return None
    account_no = repository.account_number(connection, row.account_id) or ""
    return OrderView(
        id=row.id, out_trade_no=row.out_trade_no, status=row.status, amount_fen=int(row.amount_fen),
        account_id=row.account_id, account_tail=account_no[-4:], purpose=row.purpose,
        created_via=row.created_via, created_at=row.created_at, expires_at=row.expires_at,
        paid_at=row.paid_at, trade_no=row.trade_no, payment_id=row.payment_id,
    )  # fmt: skip
