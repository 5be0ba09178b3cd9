"""A cardholder's dispute, complaint or hardship request from the portal, with the holds the rulebook
asks for and up to three attachments, and the staff's side of it (read, take, close, download).

Each dispute, complaint or hardship request opens a service case on the desk (channel ``portal``,
``arrears.servicedesk.intake``), which places the holds the rulebook asks for (``servicedesk.rules``)
and lifts them when it closes; the request's ``hold_id`` names the first of them.

The text is encrypted with the FieldCipher (``text_enc``); each attachment's bytes too
(``FieldCipher.encrypt_bytes``), with the SHA-256 of the clear bytes kept beside them. Audit entries
(``portal.request``, ``portal.request_taken``, ``portal.request_closed``,
``portal.attachment_downloaded``) carry ids, kinds and counts, never the text. The caller's
transaction must be able to append (``audit_transaction``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.accounts.free_text import mask_rows
from arrears.audit.repository import AuditLog
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, check_text
from arrears.kit.money import MAX_AMOUNT_FEN, format_fen
from arrears.portal.requests_repository import RequestRepository
from arrears.portal.uploads import EXTENSIONS, MAX_ATTACHMENTS, check_attachment, too_many
from arrears.servicedesk.categories import CATEGORIES, KINDS, NAMES
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.rules import Intake
from arrears.servicedesk.setup import DeskSetup
from arrears.users.permissions import allowed

STATUSES = ("open", "taken", "closed")
REQUESTED, TAKEN, CLOSED = "portal.request", "portal.request_taken", "portal.request_closed"
DOWNLOADED = "portal.attachment_downloaded"


@dataclass(frozen=True, slots=True)
class CreatedRequest:
    id: int
    hold_id: int | None
    hold_kind: str | None
    case_id: int
    attachments: int


@dataclass(frozen=True, slots=True)
class Download:
    content_type: str
    filename: str
    data: bytes


def check_fields(kind: str, category: str, text: str, amount_fen: int | None) -> str:
    """The request's text, stripped; InvalidField naming the field that is refused."""
    if kind not in KINDS:
        raise NotFound(f"no request kind {kind}", f"没有请求类型 {kind}")
    if category not in CATEGORIES[kind]:
        raise InvalidField("category", "choose one of the categories", "请选择一个类别")
    check_text(text, field="text")
    if not text.strip():
        raise InvalidField("text", "say what happened", "请说明情况")
    if amount_fen is not None:
        if kind != "dispute":
            raise InvalidField("amount", "only a dispute names an amount", "只有异议可以填写金额")
        if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
            cap = format_fen(MAX_AMOUNT_FEN)
            raise InvalidField(
                "amount", f"the amount must be from 0.01 to {cap} yuan", f"金额须在 0.01 至 {cap} 元之间"
            )
    return text.strip()


def create_request(
    connection: Connection,
    *,
    customer_id: int,
    account_id: int,
    kind: str,
    category: str,
    text: str,
    amount_fen: int | None,
    attachments: Sequence[bytes],
    cipher: FieldCipher,
    upload_limit: int,
    desk: DeskSetup,
    now: datetime,
) -> CreatedRequest:
    """Records the cardholder's request on their account, its attachments (type-checked, encrypted)
    and the hold ``hold_for`` names; audited. NotFound for an account that is not the customer's;
    InvalidField or UploadRefused (naming the field or the attachment) for what is refused."""
    clear = check_fields(kind, category, text, amount_fen)
    if len(attachments) > MAX_ATTACHMENTS:
        raise too_many(len(attachments))
    types = [check_attachment(number, data, limit=upload_limit) for number, data in enumerate(attachments, 1)]
    repository = RequestRepository(connection)
    if repository.owner_of(account_id) != customer_id:
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    repository.check_room(account_id, kind)
    request_id = repository.add_request(
        {"account_id": account_id, "customer_id": customer_id, "kind": kind, "category": category,
         "text_enc": cipher.encrypt(clear), "amount_fen": amount_fen, "status": "open", "created_at": now}
    )  # fmt: skip
    for data, content_type in zip(attachments, types, strict=True):
        repository.add_attachment(
            {"request_id": request_id, "content_type": content_type, "size": len(data),
             "sha256": hashlib.sha256(data).hexdigest(), "data_enc": cipher.encrypt_bytes(data),
             "created_at": now}
        )  # fmt: skip
    actor = f"customer:{customer_id}"
    intake = Intake(kind, category, "portal", clear, amount_fen)
    opened = open_case(connection, account_id=account_id, intake=intake, actor=actor, user_id=None,
                       setup=desk, cipher=cipher, now=now, portal_request_id=request_id)  # fmt: skip
    hold_id = opened.hold_ids[0] if opened.hold_ids else None
    hold_kind = opened.hold_kinds[0] if opened.hold_kinds else None
    if hold_id is not None:
        repository.set_hold(request_id, hold_id)
    AuditLog(connection).append(
        at=now, actor=actor, action=REQUESTED, subject_type="portal_request", subject_id=str(request_id),
        details={"account_id": account_id, "kind": kind, "category": category, "attachments": len(types),
                 "amount": amount_fen is not None, "hold": hold_kind, "case_id": opened.id},
    )  # fmt: skip
    return CreatedRequest(request_id, hold_id, hold_kind, opened.id, len(types))


def _shown(rows: list[dict[str, Any]], cipher: FieldCipher) -> list[dict[str, Any]]:
    return [
        {key: value for key, value in row.items() if key not in ("text_enc", "case_resolution_enc")}
        | {"text": cipher.decrypt(row["text_enc"]) if row["text_enc"] is not None else None}
        | {
            "kind_names": NAMES.get(row["kind"], (row["kind"],) * 2),
            "category_names": NAMES.get(row["category"] or "", (row["category"] or "",) * 2),
        }
        for row in rows
    ]


def requests_of_customer(
    connection: Connection, *, customer_id: int, cipher: FieldCipher
) -> list[dict[str, Any]]:
    """The cardholder's own requests, newest first, their text as they wrote it, with their service
    case's state and, once decided, the decision."""
    rows = RequestRepository(connection).of_customer(customer_id)
    decisions = [row.get("case_resolution_enc") for row in rows]
    return [
        row | {"decision": cipher.decrypt(found) if found is not None else None}
        for row, found in zip(_shown(rows, cipher), decisions, strict=True)
    ]


def _for_staff(
    connection: Connection, rows: list[dict[str, Any]], *, role: str, cipher: FieldCipher
) -> list[dict[str, Any]]:
    """The rows with their text as written for a role with ``pii:reveal``, else masked (the
    cardholder's known values and every ID, phone, card number and e-mail)."""
    shown = _shown(rows, cipher)
    return shown if allowed(role, "pii:reveal") else mask_rows(connection, shown, ["text"], cipher=cipher)


def requests_for_case(
    connection: Connection, *, account_id: int, role: str, cipher: FieldCipher
) -> list[dict[str, Any]]:
    """The account's portal requests for the staff case page, newest first (text per ``_for_staff``)."""
    return _for_staff(
        connection, RequestRepository(connection).of_account(account_id), role=role, cipher=cipher
    )


def open_requests(
    connection: Connection, *, role: str, cipher: FieldCipher, limit: int = 200
) -> list[dict[str, Any]]:
    """Requests open or taken, oldest first, for the staff list (text per ``_for_staff``)."""
    rows = RequestRepository(connection).open_requests(limit=limit)
    return _for_staff(connection, rows, role=role, cipher=cipher)


def request_account(connection: Connection, request_id: int) -> int:
    """The request's account id (for the scope check); NotFound when there is no such request."""
    found = RequestRepository(connection).request(request_id)
    if found is None:
        raise NotFound(f"no portal request {request_id}", f"没有门户请求 {request_id}")
    return int(found["account_id"])


def move(connection: Connection, *, request_id: int, to: str, actor: str, now: datetime) -> None:
    """Takes (open -> taken) or closes (open or taken -> closed) the request; audited. A dispute,
    complaint or hardship request is worked as its service case (ArrearsError here): the case's closure
    closes it and lifts its holds."""
    account_id = request_account(connection, request_id)
    found = RequestRepository(connection).request(request_id)
    if found is not None and found["case_id"] is not None:
        raise ArrearsError(
            f"work it as service case {found['case_id']} on the service desk",
            f"请在客服工作台处理工单 {found['case_id']}",
        )
    before = ("open",) if to == "taken" else ("open", "taken")
    if to not in ("taken", "closed"):
        raise ArrearsError(f"unknown status {to}", f"未知状态 {to}")
    if not RequestRepository(connection).move(request_id, from_statuses=before, to=to):
        what_en, what_zh = ("taken or closed", "已被受理或已关闭") if to == "taken" else ("closed", "已关闭")
        raise ArrearsError(f"the request is {what_en} already", f"该请求{what_zh}")
    AuditLog(connection).append(
        at=now, actor=actor, action=TAKEN if to == "taken" else CLOSED, subject_type="portal_request",
        subject_id=str(request_id), details={"account_id": account_id, "status": to},
    )  # fmt: skip


def download(
    connection: Connection, *, request_id: int, attachment_id: int, actor: str, cipher: FieldCipher,
    now: datetime
) -> Download:  # fmt: skip
    """The attachment's clear bytes, type and a file name (no personal data in it); audited. NotFound
    unless the attachment belongs to the request; ArrearsError when its bytes no longer match their
    SHA-256."""
    account_id = request_account(connection, request_id)
    found = RequestRepository(connection).attachment(request_id, attachment_id)
    if found is None:
        raise NotFound(f"no attachment {attachment_id}", f"没有附件 {attachment_id}")
    data = cipher.decrypt_bytes(found["data_enc"])
    if hashlib.sha256(data).hexdigest() != found["sha256"]:
        raise ArrearsError("the attachment is damaged", "附件已损坏")
    AuditLog(connection).append(
        at=now, actor=actor, action=DOWNLOADED, subject_type="attachment", subject_id=str(attachment_id),
        details={"request_id": request_id, "account_id": account_id, "content_type": found["content_type"],
                 "size": found["size"]},
    )  # fmt: skip
    extension = EXTENSIONS.get(found["content_type"], "bin")
    return Download(found["content_type"], f"request-{request_id}-{attachment_id}.{extension}", data)
