"""Pure decisions of user administration: what a username, a display name and a team look like, and
the guards that keep an installation administrable (an admin never deactivates or demotes themselves,
and the last active admin stays one). No database, no clock."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence

from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, shown
from arrears.models.app_user import ROLES

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")  # a sign-in name: 2 to 40 lower-case characters
TEAM_CODE = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
AGENCY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
TEAM_KINDS = ("phone", "field", "legal", "agency", "law_firm")
MAX_NAME = 200  # app_user.display_name, team.name
ONE_TIME_BYTES = 12  # 16 URL-safe characters: above the 12 a password needs


class AdminRefused(ArrearsError):
    """A change to users or teams that the guards refuse; the message says why."""


def username(text: str) -> str:
    """The sign-in name as typed (trimmed, lower-cased); InvalidField unless 2 to 40 of a-z, 0-9, . _ -."""
    value = text.strip().lower()
    if USERNAME.fullmatch(value) is None:
        raise InvalidField(
            "username",
            f"{shown(text)} is not a username: 2 to 40 characters, a-z, 0-9, dot, underscore or hyphen",
            f"{shown(text)} 不是有效的用户名：2 至 40 个字符，可用小写字母、数字、点、下划线或连字符",
        )
    return value


def display_name(text: str, *, field: str = "display_name") -> str:
    """A name as people read it: trimmed, 1 to 200 printable characters."""
    value = text.strip()
    if not value:
        raise InvalidField(field, "a name is required", "请填写名称")
    if len(value) > MAX_NAME:
        raise InvalidField(
            field,
            f"at most {MAX_NAME} characters ({len(value)})",
            f"不能超过 {MAX_NAME} 个字符（现为 {len(value)} 个）",
        )
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise InvalidField(field, "control characters are not allowed", "不能包含控制字符")
    return value


def role(text: str) -> str:
    if text not in ROLES:
        raise InvalidField("role", f"{shown(text)} is not a role", f"{shown(text)} 不是有效的角色")
    return text


def team_code(text: str) -> str:
    value = text.strip().lower()
    if TEAM_CODE.fullmatch(value) is None:
        raise InvalidField(
            "code",
            f"{shown(text)} is not a team code: 1 to 40 characters, a-z, 0-9, dot, underscore or hyphen",
            f"{shown(text)} 不是有效的团队代码：1 至 40 个字符，可用小写字母、数字、点、下划线或连字符",
        )
    return value


def team_kind(text: str) -> str:
    if text not in TEAM_KINDS:
        raise InvalidField(
            "kind", f"{shown(text)} is not a kind of team", f"{shown(text)} 不是有效的团队类型"
        )
    return text


def agency_code(kind: str, text: str) -> str | None:
    """An agency's team names its agency (the code placements carry); no other team does."""
    value = text.strip()
    if kind != "agency":
        if value:
            raise InvalidField(
                "agency_code", "only an agency's team names an agency", "只有委外机构团队才填写机构代码"
            )
        return None
    if AGENCY_CODE.fullmatch(value) is None:
        raise InvalidField(
            "agency_code",
            f"{shown(text)} is not an agency code: 1 to 40 letters, digits, dots, underscores or hyphens",
            f"{shown(text)} 不是有效的机构代码：1 至 40 个字符，可用字母、数字、点、下划线或连字符",
        )
    return value


def role_fits_team(new_role: str, kind: str | None) -> None:
    """An agency user belongs to an agency's team (their scope is its placements), and an agency's team
    holds agency users only; a lawyer belongs to a law firm's team (their scope is its cases), which
    holds lawyers only."""
    if new_role == "agency_user" and kind != "agency":
        raise AdminRefused(
            "an agency user needs an agency's team (their accounts are the agency's placements)",
            "委外机构用户必须属于委外机构团队（其可见账户为该机构的委外账户）",
        )
    if kind == "agency" and new_role != "agency_user":
        raise AdminRefused("an agency's team holds agency users only", "委外机构团队只能包含委外机构用户")
    if new_role == "lawyer" and kind != "law_firm":
        raise AdminRefused(
            "a lawyer needs a law firm's team (their cases are those assigned to the firm)",
            "律师必须属于律师事务所团队（其可见案件为分配给该所的案件）",
        )
    if kind == "law_firm" and new_role != "lawyer":
        raise AdminRefused("a law firm's team holds lawyers only", "律师事务所团队只能包含律师")


def check_not_self(*, actor_id: int, target_id: int, what_en: str, what_zh: str) -> None:
    if actor_id == target_id:
        raise AdminRefused(
            f"you cannot {what_en} yourself: ask another admin",
            f"不能{what_zh}自己的账户：请另一位管理员操作",
        )


def check_keeps_an_admin(*, target_id: int, active_admins: Sequence[int], stays_admin: bool) -> None:
    """Refuses a change that would leave no active admin: ``target_id`` stops being one (deactivated or
    given another role) while no other active admin remains."""
    if stays_admin or target_id not in active_admins:
        return
    if not [one for one in active_admins if one != target_id]:
        raise AdminRefused(
            "this is the last active admin: make another user admin first",
            "这是最后一位启用的管理员：请先指定另一位管理员",
        )


def one_time_password() -> str:
    """A random password the admin passes on once (shown once, stored only as its hash)."""
    return secrets.token_urlsafe(ONE_TIME_BYTES)
