"""The pure rules of user administration: names, teams and the guards that keep an admin."""

from __future__ import annotations

import pytest

from arrears.kit.inputs import InvalidField
from arrears.users import admin_rules as rules
from arrears.users.admin_rules import AdminRefused


class TestNames:
    @pytest.mark.parametrize(
        ("typed", "kept"), [(" Zhang.San ", "zhang.san"), ("c2", "c2"), ("a_b-9", "a_b-9")]
    )
    def test_a_username_is_trimmed_and_lower_cased(self, typed: str, kept: str) -> None:
        assert rules.username(typed) == kept

    @pytest.mark.parametrize("typed", ["", "a", "-lead", "张三", "a b", "x" * 41, "x" * 100_000, "a\x00b"])
    def test_anything_else_is_refused_naming_the_field(self, typed: str) -> None:
        with pytest.raises(InvalidField) as refused:
            rules.username(typed)
        assert refused.value.field == "username" and len(refused.value.message_en) < 200

    @pytest.mark.parametrize("typed", ["", "   ", "x" * 201, "tab\there", "bell\x07"])
    def test_a_display_name_is_printable_and_at_most_200_characters(self, typed: str) -> None:
        with pytest.raises(InvalidField):
            rules.display_name(typed)
        assert rules.display_name(" 欧阳 娜娜 ") == "欧阳 娜娜"


class TestTeams:
    def test_only_an_agency_team_names_an_agency(self) -> None:
        assert rules.agency_code("agency", " B-2 ") == "B-2"
        assert rules.agency_code("phone", "  ") is None
        for kind, code in (("phone", "B"), ("agency", ""), ("agency", "with space")):
            with pytest.raises(InvalidField):
                rules.agency_code(kind, code)

    def test_agency_users_and_agency_teams_go_together(self) -> None:
        rules.role_fits_team("agency_user", "agency")
        rules.role_fits_team("collector", "phone")
        rules.role_fits_team("manager", None)
        for role, kind in (("agency_user", None), ("agency_user", "phone"), ("team_lead", "agency")):
            with pytest.raises(AdminRefused):
                rules.role_fits_team(role, kind)

    def test_lawyers_and_law_firms_go_together(self) -> None:
        rules.role_fits_team("lawyer", "law_firm")
        for role, kind in (
            ("lawyer", None),
            ("lawyer", "legal"),
            ("legal", "law_firm"),
            ("collector", "law_firm"),
        ):
            with pytest.raises(AdminRefused):
                rules.role_fits_team(role, kind)
        assert "law_firm" in rules.TEAM_KINDS


class TestTheGuards:
    def test_nobody_acts_on_themselves(self) -> None:
        rules.check_not_self(actor_id=1, target_id=2, what_en="deactivate", what_zh="停用")
        with pytest.raises(AdminRefused, match="yourself"):
            rules.check_not_self(actor_id=1, target_id=1, what_en="deactivate", what_zh="停用")

    @pytest.mark.parametrize(
        ("target", "admins", "stays", "refused"),
        [
            (1, [1], False, True),  # the last admin
            (1, [1, 2], False, False),  # another remains
            (1, [1], True, False),  # stays admin (a team change)
            (3, [1], False, False),  # not an active admin
            (1, [], False, False),  # no admin at all: not this change's doing
        ],
    )
    def test_the_last_active_admin_stays(
        self, target: int, admins: list[int], stays: bool, refused: bool
    ) -> None:
        if refused:
            with pytest.raises(AdminRefused, match="last active admin"):
                rules.check_keeps_an_admin(target_id=target, active_admins=admins, stays_admin=stays)
        else:
            rules.check_keeps_an_admin(target_id=target, active_admins=admins, stays_admin=stays)


def test_one_time_passwords_are_long_enough_and_differ() -> None:
    made = {rules.one_time_password() for _ in range(50)}
    assert len(made) == 50 and all(len(one) >= 12 for one in made)
