"""The audit hash chain: hashes, and what verify reports for edited, deleted and reordered entries."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from arrears.audit.chain import (
    DELETED,
    EDITED,
    GAP,
    GENESIS,
    REORDERED,
    AuditEntry,
    canonical_json,
    canonical_time,
    content_hash,
    entry_hash,
    verify,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FIELDS: dict[str, Any] = {
    "prev_hash": GENESIS,
    "at": T0,
    "actor": "collector-7",
    "action": "plan.proposed",
    "subject_type": "account",
    "subject_id": "A-1001",
    "details": {"months": 6, "note": "分期"},
}


def chain(length: int = 5) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for number in range(1, length + 1):
        details = canonical_json({"n": number, "amount_fen": 100 * number})
        at = T0 + timedelta(minutes=number)
        hash_ = entry_hash(prev, at, f"user-{number}", "contact.logged", "account", f"A-{number}", details)
        entries.append(
            AuditEntry(
                number, at, f"user-{number}", "contact.logged", "account", f"A-{number}", details, prev, hash_
            )
        )
        prev = hash_
    return entries


def kinds(problems: list[Any]) -> set[tuple[int, str]]:
    return {(problem.entry_id, problem.kind) for problem in problems}


class TestEntryHash:
    def test_is_deterministic_sha256_hex(self) -> None:
        first = entry_hash(**FIELDS)
        assert first == entry_hash(**FIELDS)
        assert len(first) == 64
        assert int(first, 16) >= 0

    def test_is_the_sha256_of_the_canonical_json(self) -> None:
        payload = (
            '{"action":"plan.proposed","actor":"collector-7","at":"2026-11-24T09:00:00.000000Z",'
            '"details":{"months":6,"note":"分期"},"prev_hash":"' + GENESIS + '",'
            '"subject_id":"A-1001","subject_type":"account"}'
        )
        assert entry_hash(**FIELDS) == hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("prev_hash", "f" * 64),
            ("at", T0 + timedelta(microseconds=1)),
            ("actor", "collector-8"),
            ("action", "plan.approved"),
            ("subject_type", "customer"),
            ("subject_id", "A-1002"),
            ("subject_id", None),
            ("details", {"months": 7, "note": "分期"}),
            ("details", {"months": 6, "note": "分期", "extra": None}),
        ],
    )
    def test_changes_with_any_field(self, field: str, value: object) -> None:
        assert entry_hash(**{**FIELDS, field: value}) != entry_hash(**FIELDS)

    def test_details_as_text_or_mapping_in_any_key_order_hash_alike(self) -> None:
        as_text = json.dumps({"note": "分期", "months": 6}, indent=2)
        assert entry_hash(**{**FIELDS, "details": as_text}) == entry_hash(**FIELDS)

    def test_the_same_instant_in_any_time_zone_hashes_alike(self) -> None:
        beijing = T0.astimezone(timezone(timedelta(hours=8)))
        assert entry_hash(**{**FIELDS, "at": beijing}) == entry_hash(**FIELDS)

    def test_time_is_utc_iso_with_microseconds_and_z(self) -> None:
        assert canonical_time(T0.astimezone(timezone(timedelta(hours=8)))) == "2026-11-24T09:00:00.000000Z"

    def test_refuses_a_naive_time(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            entry_hash(**{**FIELDS, "at": datetime(2026, 11, 24, 9, 0)})

    def test_canonical_json_sorts_keys_everywhere_and_keeps_chinese(self) -> None:
        assert canonical_json({"b": [{"z": 1, "a": 2}], "a": "催收"}) == '{"a":"催收","b":[{"a":2,"z":1}]}'


class TestVerify:
    def test_an_intact_chain_has_no_problems(self) -> None:
        entries = chain()
        assert entries[0].prev_hash == GENESIS
        assert all(content_hash(entry) == entry.hash for entry in entries)
        assert verify(entries) == []

    def test_an_empty_chain_is_intact(self) -> None:
        assert verify([]) == []

    def test_entries_are_taken_in_id_order(self) -> None:
        assert verify(list(reversed(chain()))) == []

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("actor", "someone-else"),
            ("details", '{"amount_fen":1,"n":3}'),
            ("at", T0),
            ("subject_id", None),
        ],
    )
    def test_an_edited_entry_is_named(self, field: str, value: Any) -> None:
        entries = chain()
        entries[2] = dataclasses.replace(entries[2], **{field: value})

        problems = verify(entries)

        assert kinds(problems) == {(3, EDITED)}
        assert "entry 3" in problems[0].message

    def test_an_edited_entry_with_a_recomputed_hash_breaks_the_next_link(self) -> None:
        entries = chain()
        edited = dataclasses.replace(entries[2], actor="someone-else")
        entries[2] = dataclasses.replace(edited, hash=content_hash(edited))

        assert kinds(verify(entries)) == {(4, DELETED)}

    def test_a_deleted_entry_is_named_by_the_entry_after_it(self) -> None:
        entries = chain()
        del entries[2]

        problems = verify(entries)

        assert kinds(problems) == {(4, DELETED), (4, GAP)}
        assert all("entry 4" in problem.message for problem in problems)
        gap = next(problem for problem in problems if problem.kind == GAP)
        assert "id 3 missing" in gap.message

    def test_a_deleted_first_entry_is_noticed(self) -> None:
        assert kinds(verify(chain()[1:])) == {(2, DELETED), (2, GAP)}

    def test_a_deleted_last_entry_cannot_be_seen_from_the_chain_alone(self) -> None:
        assert verify(chain()[:-1]) == []

    def test_swapped_entries_are_reported_as_reordered(self) -> None:
        entries = chain()
        second, third = entries[1], entries[2]
        entries[1] = dataclasses.replace(third, id=2)
        entries[2] = dataclasses.replace(second, id=3)

        problems = verify(entries)

        assert kinds(problems) == {(2, REORDERED), (3, REORDERED), (4, REORDERED)}
        assert not any(problem.kind == EDITED for problem in problems)
        by_id = {problem.entry_id: problem.message for problem in problems}
        assert "follows entry 3" in by_id[2]
        assert "follows entry 1" in by_id[3]

    def test_a_chain_that_does_not_start_at_genesis_is_broken(self) -> None:
        entries = chain()
        first = dataclasses.replace(entries[0], prev_hash="a" * 64)
        entries[0] = dataclasses.replace(first, hash=content_hash(first))

        assert (1, DELETED) in kinds(verify(entries))

    def test_details_that_are_not_json_count_as_edited(self) -> None:
        entries = chain()
        entries[1] = dataclasses.replace(entries[1], details="not json")

        assert kinds(verify(entries)) == {(2, EDITED)}

    def test_messages_never_carry_entry_content(self) -> None:
        entries = chain()
        entries[2] = dataclasses.replace(entries[2], actor="张三 13800138000")
        del entries[3]

        for problem in verify(entries):
            assert "张三" not in problem.message
            assert "A-3" not in problem.message
