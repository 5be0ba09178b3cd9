"""SQL of the cardholders' portal requests and their attachments. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from arrears.kit.errors import ArrearsError
from arrears.models import Attachment, CardAccount, PortalRequest, ServiceCase, table_of

_R, _F, _A = table_of(PortalRequest), table_of(Attachment), table_of(CardAccount)
_C = table_of(ServiceCase)
_CASE = (_C.c.id.label("case_id"), _C.c.status.label("case_status"), _C.c.resolve_by.label("case_resolve_by"),
         _C.c.outcome.label("case_outcome"), _C.c.resolution_enc.label("case_resolution_enc"),
         _C.c.remedies.label("case_remedies"), _C.c.refund_fen.label("case_refund_fen"),
         _C.c.resolved_at.label("case_resolved_at"))  # fmt: skip
MAX_OPEN_PER_KIND = 5  # open portal requests of one kind on one account: more are refused (no flooding)
_LISTED = (_R.c.id, _R.c.account_id, _R.c.customer_id, _R.c.kind, _R.c.category, _R.c.text_enc,
           _R.c.amount_fen, _R.c.hold_id, _R.c.status, _R.c.created_at)  # fmt: skip


class RequestRepository:
    """Named questions on ``portal_request`` and ``attachment``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def owner_of(self, account_id: int) -> int | None:
        """The account's customer id (None: no such account)."""
        found = self._connection.execute(select(_A.c.customer_id).where(_A.c.id == account_id)).scalar()
        return int(found) if found is not None else None

    def open_of_kind(self, account_id: int, kind: str) -> int:
        """How many of the account's requests of ``kind`` are still open or taken (not closed)."""
        query = select(func.count()).select_from(_R)
        query = query.where(_R.c.account_id == account_id, _R.c.kind == kind, _R.c.status != "closed")
        return int(self._connection.execute(query).scalar_one())

    def check_room(self, account_id: int, kind: str) -> None:
        """ArrearsError when the account has ``MAX_OPEN_PER_KIND`` requests of ``kind`` not closed yet: a
        cardholder clicking again and again does not flood the staff (nor the holds' list)."""
        if self.open_of_kind(account_id, kind) >= MAX_OPEN_PER_KIND:
            raise ArrearsError(
                f"you have {MAX_OPEN_PER_KIND} requests of this kind open already: we will contact you, "
                "or call the hotline",
                f"您已有 {MAX_OPEN_PER_KIND} 个同类请求未处理，我们会尽快与您联系，您也可以拨打客服热线",
            )

    def add_request(self, values: dict[str, Any]) -> int:
        return int(self._connection.execute(insert(_R).values(**values).returning(_R.c.id)).scalar_one())

    def set_hold(self, request_id: int, hold_id: int) -> None:
        self._connection.execute(update(_R).where(_R.c.id == request_id).values(hold_id=hold_id))

    def add_attachment(self, values: dict[str, Any]) -> int:
        return int(self._connection.execute(insert(_F).values(**values).returning(_F.c.id)).scalar_one())

    def request(self, request_id: int) -> dict[str, Any] | None:
        query = select(*_LISTED, _A.c.account_no, _C.c.id.label("case_id")).join(
            _A, _A.c.id == _R.c.account_id
        )
        query = query.outerjoin(_C, _C.c.portal_request_id == _R.c.id)
        found = self._connection.execute(query.where(_R.c.id == request_id)).mappings().first()
        return dict(found) if found else None

    def _listed(
        self, *conditions: Any, newest_first: bool = True, limit: int | None = None
    ) -> list[dict[str, Any]]:
        order = _R.c.id.desc() if newest_first else _R.c.id
        query = select(*_LISTED, _A.c.account_no, *_CASE)
        query = query.join(_A, _A.c.id == _R.c.account_id).outerjoin(_C, _C.c.portal_request_id == _R.c.id)
        query = query.where(*conditions)
        rows = [dict(row) for row in self._connection.execute(query.order_by(order).limit(limit)).mappings()]
        files = self.attachments_of([row["id"] for row in rows])
        return [row | {"attachments": files.get(row["id"], [])} for row in rows]

    def of_customer(self, customer_id: int) -> list[dict[str, Any]]:
        """The customer's requests, newest first, each with its attachments' ids, types and sizes."""
        return self._listed(_R.c.customer_id == customer_id)

    def of_account(self, account_id: int) -> list[dict[str, Any]]:
        """The account's requests, newest first, each with its attachments' ids, types and sizes."""
        return self._listed(_R.c.account_id == account_id)

    def open_requests(self, *, limit: int) -> list[dict[str, Any]]:
        """Requests open or taken, oldest first (the order to work them)."""
        return self._listed(_R.c.status.in_(("open", "taken")), newest_first=False, limit=limit)

    def count_open(self) -> int:
        query = select(func.count()).select_from(_R).where(_R.c.status.in_(("open", "taken")))
        return int(self._connection.execute(query).scalar_one())

    def attachments_of(self, request_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        if not request_ids:
            return {}
        query = select(_F.c.id, _F.c.request_id, _F.c.content_type, _F.c.size, _F.c.sha256)
        found: dict[int, list[dict[str, Any]]] = {}
        for row in self._connection.execute(query.where(_F.c.request_id.in_(request_ids)).order_by(_F.c.id)):
            found.setdefault(row.request_id, []).append(dict(row._mapping))
        return found

    def attachment(self, request_id: int, attachment_id: int) -> dict[str, Any] | None:
        """The attachment (its encrypted data too) if it belongs to the request."""
        query = select(_F).where(_F.c.id == attachment_id, _F.c.request_id == request_id)
        found = self._connection.execute(query).mappings().first()
        return dict(found) if found else None

    def move(self, request_id: int, *, from_statuses: Sequence[str], to: str) -> bool:
        """Sets the status if it is one of ``from_statuses`` (False: it was not)."""
        query = update(_R).where(_R.c.id == request_id, _R.c.status.in_(from_statuses)).values(status=to)
        return self._connection.execute(query).rowcount == 1
