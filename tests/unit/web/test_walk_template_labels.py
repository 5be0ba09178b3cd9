"""The shipped templates' names (shown on the outbox and the case timeline) and descriptions (shown in
the template library) are marked for the catalog, so that the Chinese pages say them in Chinese."""

from __future__ import annotations

from arrears.messaging.templates.shipped import shipped
from arrears.web.labels import LABELS


def test_every_shipped_template_has_a_label_and_a_described_label() -> None:
    templates = shipped().templates
    assert set(templates) <= set(LABELS)
    assert {draft.description for draft in templates.values() if draft.description} <= set(LABELS)
