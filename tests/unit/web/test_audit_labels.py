"""Every action the code appends to the audit chain has a label on the compliance page, in both
languages; an unknown one is shown by its area's label and its last part in words."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import arrears
from arrears.web.audit_labels import ACTION_LABELS, AREA_LABELS, SUBJECT_LABELS, action_label
from arrears.web.i18n import translations

SOURCES = Path(arrears.__file__).parent
ACTION = re.compile(r"[a-z_]+\.[a-z_]+")
# the service desk appends f"service_case.{action}" with these (arrears.servicedesk.work)
SERVICE_STEPS = ("acknowledged", "assigned", "note", "resolved", "closed")


def written_actions() -> set[str]:
    """The actions the code appends: ``action=`` arguments, the second-but-one argument of the
    ``_audit`` helpers, and the module constants that name an action (``OPENED = "service_case.opened"``)."""
    found: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values += [keyword.value for keyword in node.keywords if keyword.arg == "action"]
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "_audit":
                    values += node.args
            elif isinstance(node, ast.Assign) and all(
                isinstance(target, ast.Name) and target.id.isupper() for target in node.targets
            ):
                values.append(node.value)
            found |= {
                value.value
                for value in values
                if isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and ACTION.fullmatch(value.value)
            }
    return found | {f"service_case.{step}" for step in SERVICE_STEPS} | {"plan.approved", "plan.rejected"}


NOT_ACTIONS = {"manifest.json", "report.json"}  # file names held in upper-case constants


def test_every_action_the_code_writes_has_a_label() -> None:
    missing = sorted(written_actions() - NOT_ACTIONS - set(ACTION_LABELS))
    assert missing == []


def test_the_labels_have_chinese_translations() -> None:
    catalog = translations("zh_CN")
    for label in [*ACTION_LABELS.values(), *AREA_LABELS.values(), *SUBJECT_LABELS.values()]:
        assert catalog.gettext(label) != label, label


def test_an_unknown_action_is_named_by_its_area() -> None:
    assert action_label("plan.proposed") == ("plan proposed", None)
    assert action_label("hold.moved_elsewhere") == ("hold", "moved elsewhere")
    assert action_label("something") == ("other", "something")
