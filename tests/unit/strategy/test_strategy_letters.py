"""A strategy's letter steps name governed letter templates, as its SMS, e-mail and notice steps do."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from arrears.strategy.schema import Step


def test_a_letter_step_names_a_shipped_letter_template() -> None:
    assert Step(channel="letter", within=5, template="final_demand").template == "final_demand"


@pytest.mark.parametrize("template", ["demand_letter_v9", "overdue"])  # unknown, and an SMS template
def test_a_letter_step_with_another_template_is_refused(template: str) -> None:
    with pytest.raises(ValidationError, match="governed letter"):
        Step(channel="letter", within=5, template=template)
