"""Photos taken on a visit: JPEG, PNG or WebP, their content checked against their type, encrypted at
rest (they may show people or documents) and shown back only to the stop's pair."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import Connection

from arrears.kit.crypto import FieldCipher
from arrears.users.service import StaffUser
from arrears.visits.fieldwork import StopNotFound, VisitRefused, audit_stop, pair_stop
from arrears.visits.fieldwork_repository import FieldworkRepository

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_SIGNATURES = {  # the content types taken, and how their files begin
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


class PhotoTooLarge(VisitRefused):
    """A photo over :data:`MAX_PHOTO_BYTES` (raised by the service, and by the edge while reading)."""

    def __init__(self) -> None:
        limit = MAX_PHOTO_BYTES // (1024 * 1024)
        super().__init__(f"the photo is larger than {limit} MB", f"照片超过 {limit} MB")


def add_photo(
    connection: Connection,
    *,
    stop_id: int,
    user: StaffUser,
    content_type: str,
    data: bytes,
    cipher: FieldCipher,
    now: datetime,
) -> int:
    """Stores a photo of a checked-in visit, encrypted: JPEG, PNG or WebP up to ``MAX_PHOTO_BYTES``, its
    content checked against its type."""
    stop = pair_stop(connection, stop_id, user)
    if stop["status"] not in ("checked_in", "done"):
        raise VisitRefused("check in before adding photos", "请先签到再上传照片")
    signatures = PHOTO_SIGNATURES.get(content_type)
    if signatures is None or not data.startswith(signatures):
        raise VisitRefused("only JPEG, PNG or WebP photos are taken", "只接受 JPEG、PNG 或 WebP 格式的照片")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    encrypted = cipher.encrypt(base64.b64encode(data).decode("ascii"))
    photo_id = FieldworkRepository(connection).add_photo(
        stop_id=stop_id, content_type=content_type, data_enc=encrypted, user_id=user.id, now=now
    )
    audit_stop(
        connection, user, now, "visit.photo_added", stop_id, {"photo_id": photo_id, "bytes": len(data)}
    )
    return photo_id


def photo_bytes(
    connection: Connection, *, stop_id: int, photo_id: int, user: StaffUser, cipher: FieldCipher
) -> tuple[str, bytes]:
    """A photo of the pair's stop, decrypted: (content type, bytes)."""
    pair_stop(connection, stop_id, user)
    found = FieldworkRepository(connection).photo(stop_id=stop_id, photo_id=photo_id)
    if found is None:
        raise StopNotFound(f"no photo {photo_id}", f"没有照片 {photo_id}")
    return found["content_type"], base64.b64decode(cipher.decrypt(found["data_enc"]))
