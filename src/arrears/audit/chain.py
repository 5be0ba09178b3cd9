"""The audit hash chain, pure: canonical serialisation, entry hashes and verification.

Each entry's hash is the SHA-256 (hex) of one canonical JSON object holding the previous entry's
hash and the entry's content. The first entry follows :data:`GENESIS`. The entry's id is not hashed:
ids only give the order, and :func:`verify` checks that order against the links.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""

EDITED = "edited"
REORDERED = "reordered"
DELETED = "deleted"
GAP = "gap"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One stored entry; ``details`` is canonical JSON text."""

    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str | None
    subject_id: str | None
    details: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the chain at ``entry_id``; ``kind`` is one of edited, reordered, deleted, gap."""

    entry_id: int
    kind: str
    message: str


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(details: str | Mapping[str, Any]) -> str:
    """``details`` (JSON text or a mapping of JSON values) as canonical JSON text.

    Keys sorted at every level, no spaces, non-ASCII kept as is; a mapping goes through one JSON round
    trip first, so what is stored reads back as exactly what was hashed (tuples become lists, etc.).
    """
    text = details if isinstance(details, str) else _dumps(details)
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("audit details must be a JSON object")
    return _dumps(value)


def canonical_time(at: datetime) -> str:
    """``at`` in UTC as ISO 8601 with microseconds and ``Z``: ``2026-11-24T09:00:00.000000Z``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def entry_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    details: str | Mapping[str, Any],
) -> str:
    """SHA-256 hex of the canonical serialisation of one entry and the hash it follows."""
    payload = {
        "prev_hash": prev_hash,
        "at": canonical_time(at),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": json.loads(canonical_json(details)),
    }
    return hashlib.sha256(_dumps(payload).encode("utf-8")).hexdigest()


def content_hash(entry: AuditEntry) -> str:
    """The hash ``entry`` should carry, recomputed from its stored content."""
    return entry_hash(
        entry.prev_hash,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject_type,
        entry.subject_id,
        entry.details,
    )


def _recomputed(entry: AuditEntry) -> str | None:
    try:
        return content_hash(entry)
    except ValueError:  # details that are not a JSON object, or a naive time: not what append wrote
        return None


def _ids(first: int, last: int) -> str:
    return f"id {first}" if first == last else f"ids {first}-{last}"


def verify(entries: Iterable[AuditEntry]) -> list[Problem]:
    """Checks the chain (entries are taken in id order); an empty list means it is intact.

    For every entry: its hash must match its content (else ``edited``), its ``prev_hash`` must be the
    previous entry's hash, or :data:`GENESIS` for the first (else ``reordered`` when it is the hash of
    another entry, ``deleted`` when it is no entry's hash), and ids must run 1, 2, 3... without holes
    (else ``gap``: entries possibly deleted). Messages name entries by id only, never their content.
    """
    ordered = sorted(entries, key=lambda entry: entry.id)
    id_of_hash = {entry.hash: entry.id for entry in ordered}
    problems: list[Problem] = []
    previous: AuditEntry | None = None
    for entry in ordered:
        expected_id = previous.id + 1 if previous else 1
        if entry.id > expected_id:
            problems.append(
                Problem(
                    entry.id,
                    GAP,
                    f"{_ids(expected_id, entry.id - 1)} missing before entry {entry.id}: possibly deleted",
                )
            )
        if _recomputed(entry) != entry.hash:
            problems.append(
                Problem(entry.id, EDITED, f"entry {entry.id} was edited: its hash does not match its content")
            )
        expected_prev = previous.hash if previous else GENESIS
        if entry.prev_hash != expected_prev:
            problems.append(_link_problem(entry, previous, id_of_hash))
        previous = entry
    return problems


def _link_problem(entry: AuditEntry, previous: AuditEntry | None, id_of_hash: Mapping[str, int]) -> Problem:
    before = f"entry {previous.id}" if previous else "the start of the chain"
    linked = id_of_hash.get(entry.prev_hash)
    if linked is not None and linked != entry.id:
        return Problem(
            entry.id,
            REORDERED,
            f"entry {entry.id} was reordered: it follows entry {linked} in the chain, not {before}",
        )
    if entry.prev_hash == GENESIS:
        message = f"entry {entry.id} starts a new chain: it should follow {before}"
    else:
        message = (
            f"an entry before entry {entry.id} is missing: it follows a hash that no entry has "
            f"(deleted, or rewritten after {before})"
        )
    return Problem(entry.id, DELETED, message)
