"""The permission matrix: sensible for each role, and documented as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrears.models.app_user import ROLES
from arrears.users.passwords import WeakPassword, hash_password, verify_password
from arrears.users.permissions import PERMISSIONS, ROLE_PERMISSIONS, allowed

DOC = Path(__file__).parents[3] / "docs" / "permissions.md"


def test_every_role_has_permissions_and_only_known_ones() -> None:
    assert set(ROLE_PERMISSIONS) == set(ROLES)
    for role in ROLES:
        assert ROLE_PERMISSIONS[role] and ROLE_PERMISSIONS[role] <= set(PERMISSIONS)


def test_separation_of_duties() -> None:
    assert not allowed("collector", "pii:reveal") and not allowed("collector", "plan:approve")
    assert allowed("team_lead", "plan:approve") and allowed("manager", "plan:approve")
    assert [role for role in ROLES if allowed(role, "user:admin")] == ["admin"]
    assert [role for role in ROLES if allowed(role, "compliance:override")] == ["compliance"]
    assert [role for role in ROLES if allowed(role, "agency:work")] == ["agency_user"]
    assert not allowed("agency_user", "queue:work") and not allowed("unknown", "account:read")


def test_the_documented_table_is_the_code() -> None:
    rows = [line for line in DOC.read_text("utf-8").splitlines() if line.startswith("| `")]
    header = next(line for line in DOC.read_text("utf-8").splitlines() if line.startswith("| permission"))
    roles = [cell.strip() for cell in header.strip("|").split("|")[2:]]
    assert roles == list(ROLE_PERMISSIONS)
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        documented[cells[0].strip("`")] = {
            role for role, mark in zip(roles, cells[2:], strict=True) if mark == "yes"
        }
    assert documented == {name: {r for r in roles if name in ROLE_PERMISSIONS[r]} for name in PERMISSIONS}


def test_passwords_are_hashed_and_checked() -> None:
    stored = hash_password("a long enough secret")
    assert stored.startswith("$argon2id$") and "secret" not in stored
    assert verify_password(stored, "a long enough secret")
    assert not verify_password(stored, "another long secret") and not verify_password(None, "x" * 12)


def test_short_passwords_are_refused() -> None:
    with pytest.raises(WeakPassword, match="at least 12 characters"):
        hash_password("short")
