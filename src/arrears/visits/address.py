"""The full address of a stop, for its pair on the day of the visit: the one contact point the stop
goes to, decrypted, with a map link; audited every time (``pii.reveal``), nothing else revealed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.kit.crypto import FieldCipher
from arrears.users.service import StaffUser
from arrears.visits import rules
from arrears.visits.fieldwork import VisitRefused, local_date, pair_stop
from arrears.visits.fieldwork_repository import FieldworkRepository


def geo_uri(lat: float, lon: float) -> str:
    """A ``geo:`` URI (RFC 5870) that a phone opens in its map app, pinned on the point; the page loads
    nothing from outside, the visitor's tap hands the coordinates (never the address) to the app."""
    point = f"{lat:.6f},{lon:.6f}"
    return f"geo:{point}?q={point}"


def reveal_address(
    connection: Connection, *, stop_id: int, user: StaffUser, cipher: FieldCipher, zone: str, now: datetime
) -> dict[str, Any]:
    """The stop's address in clear and its map link, for a member of the stop's pair, on the day of the
    visit (local date in ``zone``), while the stop is planned or checked in (:class:`VisitRefused`
    otherwise; :class:`StopNotFound` for another pair's stop). Appends ``pii.reveal`` (who, which
    customer, which contact point, never the value); the caller's transaction must be able to append."""
    stop = pair_stop(connection, stop_id, user)
    today = local_date(now, zone)
    refusal = rules.address_refusal(
        plan_date=stop["plan_date"], status=stop["status"], route_status=stop["route_status"], today=today
    )
    if refusal is not None:
        raise VisitRefused(*refusal)
    point = FieldworkRepository(connection).address_point(stop["contact_point_id"])
    if point is None:
        raise VisitRefused("the visit has no address on file", "该外访没有登记地址")
    AuditLog(connection).append(
        at=now,
        actor=user.username,
        action="pii.reveal",
        subject_type="customer",
        subject_id=str(stop["customer_id"]),
        details={"account_id": stop["account_id"], "stop_id": stop_id, "fields": ["address"],
                 "contact_points": [point["id"]]},
    )  # fmt: skip
    return {"text": cipher.decrypt(point["value_enc"]), "map": geo_uri(stop["lat"], stop["lon"]),
            "stop_id": stop_id}  # fmt: skip
