"""Who may place and lift each kind of hold: the pure rule, and docs/permissions.md showing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrears.contacts.hold_rules import AUTHORITY, liftable_kinds, may_lift, may_place, placeable_kinds
from arrears.models.app_user import ROLES
from arrears.models.hold import HOLD_KINDS
from arrears.users.permissions import allowed

DOC = Path(__file__).parents[3] / "docs" / "permissions.md"
LEGAL_KINDS = ("deceased", "bankruptcy", "litigation")


def test_only_legal_lifts_a_legal_hold() -> None:
    for kind in LEGAL_KINDS:
        assert [role for role in ROLES if may_lift(role=role, kind=kind)] == ["legal"]


def test_a_collector_lifts_no_hold_and_places_no_legal_or_regulated_one() -> None:
    assert liftable_kinds("collector") == ()
    assert not may_place(role="collector", kind="bankruptcy") and not may_place(
        role="collector", kind="litigation"
    )
    assert not may_place(role="collector", kind="cease_contact")
    assert may_place(role="collector", kind="dispute") and may_place(role="collector", kind="deceased")


def test_regulated_holds_are_lifted_by_compliance_and_case_holds_by_their_owners() -> None:
    for kind in ("cease_contact", "breathing_space"):
        assert [role for role in ROLES if may_lift(role=role, kind=kind)] == ["compliance"]
    for kind in ("dispute", "complaint"):
        assert {role for role in ROLES if may_lift(role=role, kind=kind)} == {
            "customer_service",
            "compliance",
        }


def test_managers_lift_operational_holds_only() -> None:
    assert liftable_kinds("manager") == ("hardship",) and liftable_kinds("team_lead") == ("hardship",)


def test_only_roles_that_manage_holds_place_or_lift_them() -> None:
    for role in ROLES:
        if not allowed(role, "hold:manage"):
            assert placeable_kinds(role) == () and liftable_kinds(role) == (), role
    for kind in HOLD_KINDS:
        assert AUTHORITY[kind].lift <= AUTHORITY[kind].place  # whoever may lift may place
        assert all(allowed(role, "hold:manage") for role in AUTHORITY[kind].place | AUTHORITY[kind].lift)


@pytest.mark.parametrize("kind", ["holiday", "", "DISPUTE"])
def test_unknown_kinds_are_nobody_s(kind: str) -> None:
    assert not any(may_place(role=role, kind=kind) or may_lift(role=role, kind=kind) for role in ROLES)


def test_the_documented_hold_table_is_the_code() -> None:
    lines = DOC.read_text("utf-8").splitlines()
    start = lines.index("| hold kind | group | who may place | who may lift |")
    documented = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        kind, group, place, lift = (cell.strip() for cell in line.strip("|").split("|"))
        documented[kind] = (group, set(place.split(", ")), set(lift.split(" (")[0].split(", ")))
    assert documented == {
        kind: (found.group, set(found.place), set(found.lift)) for kind, found in AUTHORITY.items()
    }
