"""The preview of a template being typed names an unknown variable as unknown, as saving does, rather
than as a fact the sample account lacks."""

from __future__ import annotations

from datetime import date

from arrears.messaging.templates.preview import preview
from arrears.messaging.templates.shipped import Draft


def test_an_unknown_variable_is_named_as_unknown_in_the_preview() -> None:
    draft = Draft(name="reminder", channel="sms", kind="collection", body_zh="{name}您好{foo}",
                  body_en="Dear {name} {foo}")  # fmt: skip

    shown = preview(draft, today=date(2026, 12, 5))

    assert [(p.error_en, p.error_zh) for p in shown] == [("unknown variable {foo}", "未知变量 {foo}")] * 2
    assert all(p.length is not None for p in shown)  # still measured as typed
