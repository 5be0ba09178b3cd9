"""A logged call's fields agree with each other; a refusal names the field to change."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from arrears.contacts.calls import CallLog
from arrears.kit.inputs import InvalidField

PROMISE = {"amount_fen": 30_000, "promised_date": date(2030, 1, 2)}


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"outcome": "no_answer", "conversation": True}, "conversation"),
        ({"outcome": "no_answer", "promise": PROMISE}, "outcome"),  # no promise on an unanswered call
        ({"outcome": "busy", "conversation": True, "promise": PROMISE}, "conversation"),
        ({"outcome": "promise"}, "promise"),
        ({"outcome": "busy", "at": "2026-12-05T10:00:00"}, "at"),
    ],
)
def test_a_refusal_names_the_field(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        CallLog.model_validate(fields)
    cause = refused.value.errors()[0]["ctx"]["error"]
    assert isinstance(cause, InvalidField) and cause.field == named
    assert cause.message("zh") != cause.message("en")  # said in both languages


def test_an_answered_call_takes_a_promise() -> None:
    call = CallLog.model_validate({"outcome": "right_party", "conversation": True, "promise": PROMISE})
    assert call.promise is not None and call.promise.amount_fen == 30_000
