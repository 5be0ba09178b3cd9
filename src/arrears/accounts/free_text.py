"""Free text that staff write (hold reasons, call and visit notes, callback notes, plan comments),
masked for a reader without ``pii:reveal``: the patterns of ``kit.masking.mask_free_text`` plus the
cardholder's own name, national ID, phone numbers, e-mails and addresses (decrypted here only to be
found and masked; never returned). SQL only; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from arrears.kit.crypto import FieldCipher
from arrears.kit.masking import (
    mask_address,
    mask_email,
    mask_free_text,
    mask_name,
    mask_national_id,
    mask_phone,
)
from arrears.models import CardAccount, ContactPoint, Customer, table_of

Masks = dict[str, str]


def _point_masks(kind: str, value: str, district: str | None) -> Masks:
    """A contact point's value, and the parts of it that identify on their own, each with its mask."""
    if kind.endswith("address"):
        masked = mask_address(value, district=district)
        kept = masked.removesuffix("****")
        tail = value[len(kept) :] if value.startswith(kept) else ""
        return {value: masked} | ({tail: "****"} if len(tail) >= 4 else {})
    if kind == "email":
        return {value: mask_email(value)}
    if kind.endswith(("mobile", "phone")):
        local = value.split("-", 1)[-1]
        return {value: mask_phone(value)} | ({local: mask_phone(local)} if len(local) >= 7 else {})
    return {value: "****"} if len(value) >= 4 else {}


def known_masks(
    connection: Connection, customer_ids: Iterable[int], *, cipher: FieldCipher | None
) -> dict[int, Masks]:
    """Per customer: their name (and, given the cipher, national ID and contact values) with masks."""
    wanted = sorted(set(customer_ids))
    if not wanted:
        return {}
    c, p = table_of(Customer), table_of(ContactPoint)
    found: dict[int, Masks] = {}
    for row in connection.execute(select(c.c.id, c.c.name, c.c.national_id_enc).where(c.c.id.in_(wanted))):
        found[row.id] = {row.name: mask_name(row.name)} if len(row.name) >= 2 else {}
        if cipher is not None:
            national_id = cipher.decrypt(row.national_id_enc)
            found[row.id][national_id] = mask_national_id(national_id)
    if cipher is not None:
        points = select(p.c.customer_id, p.c.kind, p.c.value_enc, p.c.district).where(
            p.c.customer_id.in_(wanted)
        )
        for point in connection.execute(points):
            found[point.customer_id] |= _point_masks(
                point.kind, cipher.decrypt(point.value_enc), point.district
            )
    return found


def mask_text(text: str | None, masks: Masks) -> str | None:
    return None if text is None else mask_free_text(text, known=masks)


def mask_rows(
    connection: Connection,
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str],
    *,
    cipher: FieldCipher | None,
    customer_key: str = "customer_id",
) -> list[dict[str, Any]]:
    """The rows with their free-text ``fields`` masked, each by its own cardholder's known values."""
    masks = known_masks(connection, (row[customer_key] for row in rows), cipher=cipher)
    return [
        row
        | {field: mask_text(row[field], masks.get(row[customer_key], {})) for field in fields if field in row}
        for row in rows
    ]


def mask_for_account(
    connection: Connection,
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str],
    *,
    account_id: int,
    cipher: FieldCipher | None,
) -> list[dict[str, Any]]:
    """The rows of one account (its plans, their approvals...) with their free-text ``fields`` masked
    by the account's cardholder's known values."""
    a = table_of(CardAccount)
    customer_id = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar()
    masks = known_masks(connection, [customer_id], cipher=cipher).get(customer_id, {}) if customer_id else {}
    return [row | {field: mask_text(row[field], masks) for field in fields if field in row} for row in rows]
