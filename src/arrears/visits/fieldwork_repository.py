"""All SQL of the visitor's day: the route, the stops, photos, promises and follow-up tasks.

The caller owns the transaction. Nothing here logs: the rows hold personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from arrears.models import (
    ContactEvent,
    ContactPoint,
    Customer,
    FollowUpTask,
    PromiseToPay,
    VisitPair,
    VisitPhoto,
    VisitRoute,
    VisitStop,
    table_of,
)

_PAIR, _ROUTE, _STOP = table_of(VisitPair), table_of(VisitRoute), table_of(VisitStop)
_PHOTO, _TASK, _PROMISE = table_of(VisitPhoto), table_of(FollowUpTask), table_of(PromiseToPay)
_CUSTOMER, _POINT, _EVENT = table_of(Customer), table_of(ContactPoint), table_of(ContactEvent)


def _member(user_id: int) -> Any:
    return or_(_PAIR.c.first_user_id == user_id, _PAIR.c.second_user_id == user_id)


class FieldworkRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def route_of(self, *, user_id: int, plan_date: date) -> dict[str, Any] | None:
        """The route of the day of the (active) pair the user belongs to, with the pair."""
        query = (
            select(
                _ROUTE,
                _PAIR.c.code.label("pair_code"),
                _PAIR.c.first_user_id,
                _PAIR.c.second_user_id,
                _PAIR.c.team_id,
            )
            .join(_PAIR, _PAIR.c.id == _ROUTE.c.pair_id)
            .where(_ROUTE.c.plan_date == plan_date, _member(user_id), _PAIR.c.is_active.is_(True))
            .where(_ROUTE.c.status != "cancelled")
            .order_by(_ROUTE.c.id)
        )
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def stops_of(self, route_id: int) -> list[dict[str, Any]]:
        """The route's stops in order, with the cardholder's name and the address (masked as stored)."""
        s, c, p = _STOP, _CUSTOMER, _POINT
        query = (
            select(s, c.c.name.label("customer_name"), p.c.value_masked.label("address_masked"), p.c.district)
            .join(c, c.c.id == s.c.customer_id)
            .outerjoin(p, p.c.id == s.c.contact_point_id)
            .where(s.c.route_id == route_id)
            .order_by(s.c.sequence, s.c.id)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def stop_for(self, *, stop_id: int, user_id: int, lock: bool = False) -> dict[str, Any] | None:
        """The stop, its route's date and its pair, when ``user_id`` is one of the pair (else None)."""
        query = (
            select(
                _STOP,
                _ROUTE.c.plan_date,
                _ROUTE.c.status.label("route_status"),
                _ROUTE.c.pair_id,
                _PAIR.c.first_user_id,
                _PAIR.c.second_user_id,
                _PAIR.c.team_id,
                _POINT.c.value_masked.label("address_masked"),
                _POINT.c.district,
            )
            .join(_ROUTE, _ROUTE.c.id == _STOP.c.route_id)
            .join(_PAIR, _PAIR.c.id == _ROUTE.c.pair_id)
            .outerjoin(_POINT, _POINT.c.id == _STOP.c.contact_point_id)
            .where(_STOP.c.id == stop_id, _member(user_id))
        )
        if lock:
            query = query.with_for_update(of=_STOP)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def open_check_in(self, *, pair_id: int, lock: bool = False) -> dict[str, Any] | None:
        """The pair's stop checked in and not out yet, on any of its routes (None: none). With ``lock``
        the pair's row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's write transaction is
        one writer already), so that one check-in at a time sees the answer."""
        if lock:
            self._connection.execute(select(_PAIR.c.id).where(_PAIR.c.id == pair_id).with_for_update())
        query = (
            select(_STOP.c.id, _STOP.c.sequence)
            .join(_ROUTE, _ROUTE.c.id == _STOP.c.route_id)
            .where(_ROUTE.c.pair_id == pair_id, _STOP.c.status == "checked_in")
            .order_by(_STOP.c.id)
        )
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def address_point(self, contact_point_id: int | None) -> dict[str, Any] | None:
        """The stop's address point: its id and encrypted value (decrypted by the caller only)."""
        if contact_point_id is None:
            return None
        query = select(_POINT.c.id, _POINT.c.value_enc).where(_POINT.c.id == contact_point_id)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def update_stop(self, stop_id: int, **values: Any) -> None:
        self._connection.execute(update(_STOP).where(_STOP.c.id == stop_id).values(**values))

    def add_promise(
        self, *, account_id: int, amount_fen: int, taken_on: date, promised_date: date, now: datetime
    ) -> int:
        values = {
            "account_id": account_id,
            "amount_fen": amount_fen,
            "taken_on": taken_on,
            "promised_date": promised_date,
            "created_at": now,
        }
        return int(
            self._connection.execute(insert(_PROMISE).values(**values).returning(_PROMISE.c.id)).scalar_one()
        )

    def add_task(
        self,
        *,
        account_id: int,
        kind: str,
        due_date: date,
        stop_id: int,
        promise_id: int | None,
        assigned_to_id: int | None,
        now: datetime,
    ) -> int:
        values = {
            "account_id": account_id,
            "kind": kind,
            "due_date": due_date,
            "source_stop_id": stop_id,
            "promise_id": promise_id,
            "assigned_to_id": assigned_to_id,
            "status": "open",
            "created_at": now,
        }
        return int(
            self._connection.execute(insert(_TASK).values(**values).returning(_TASK.c.id)).scalar_one()
        )

    def tasks_of_stop(self, stop_id: int) -> list[dict[str, Any]]:
        query = select(_TASK).where(_TASK.c.source_stop_id == stop_id).order_by(_TASK.c.id)
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def add_contact(self, values: dict[str, Any]) -> int:
        """The visit as a contact in the account's history (channel ``visit``)."""
        return int(
            self._connection.execute(insert(_EVENT).values(**values).returning(_EVENT.c.id)).scalar_one()
        )

    def add_photo(
        self, *, stop_id: int, content_type: str, data_enc: bytes, user_id: int, now: datetime
    ) -> int:
        values = {
            "stop_id": stop_id,
            "content_type": content_type,
            "data_enc": data_enc,
            "uploaded_by_id": user_id,
            "uploaded_at": now,
        }
        return int(
            self._connection.execute(insert(_PHOTO).values(**values).returning(_PHOTO.c.id)).scalar_one()
        )

    def photos_of(self, stop_id: int) -> list[dict[str, Any]]:
        query = (
            select(_PHOTO.c.id, _PHOTO.c.content_type, _PHOTO.c.uploaded_at)
            .where(_PHOTO.c.stop_id == stop_id)
            .order_by(_PHOTO.c.id)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def photo(self, *, stop_id: int, photo_id: int) -> dict[str, Any] | None:
        query = select(_PHOTO).where(_PHOTO.c.id == photo_id, _PHOTO.c.stop_id == stop_id)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None
