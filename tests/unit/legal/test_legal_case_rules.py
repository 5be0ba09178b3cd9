"""A legal case's stages, steps, deadlines and money (pure rules)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.kit.inputs import InvalidField
from arrears.legal.case_rules import (
    COST_KINDS,
    MAX_COST_FEN,
    NEXT,
    STAGES,
    Deadline,
    Step,
    StepRefused,
    case_money,
    check_cost,
    check_step,
    deadlines_of,
    settled_by,
)

TODAY = date(2026, 12, 4)


def step(to: str, on: date = TODAY, **more: object) -> Step:
    return Step(to, on, **more)  # type: ignore[arg-type]


def test_the_whole_path_forward() -> None:
    stage, last = "review", date(2026, 1, 5)
    path = [
        step("lawyer_letter", date(2026, 1, 10), document="律函〔2026〕001号"),
        step("filing", date(2026, 2, 1), document="(2026)沪0101民初123号"),
        step("hearing", date(2026, 3, 1), hearing_on=date(2026, 4, 15)),
        step("judgment", date(2026, 5, 1), document="判决书 123", perform_by=date(2026, 5, 31)),
        step("enforcement", date(2026, 7, 1), document="(2026)沪0101执456号"),
        step("closed", date(2026, 9, 1), close_reason="paid"),
    ]
    for one in path:
        checked = check_step(one, stage=stage, last_step_on=last, today=TODAY)
        stage, last = checked.to, checked.on
    assert stage == "closed"


def test_the_letter_may_be_skipped_and_any_open_stage_may_close() -> None:
    assert check_step(step("filing", document="案号 1"), stage="review", last_step_on=TODAY, today=TODAY)
    for stage in STAGES[:-1]:
        closed = check_step(
            step("closed", close_reason="settled"), stage=stage, last_step_on=TODAY, today=TODAY
        )
        assert closed.close_reason == "settled"


@pytest.mark.parametrize(
    ("stage", "to"),
    [("filing", "lawyer_letter"), ("judgment", "hearing"), ("review", "judgment"), ("review", "hearing"),
     ("closed", "review"), ("closed", "closed"), ("enforcement", "judgment"), ("hearing", "hearing")],
)  # fmt: skip
def test_a_step_out_of_order_is_refused_with_the_reason(stage: str, to: str) -> None:
    with pytest.raises(StepRefused) as refused:
        check_step(step(to, document="x", close_reason="paid", hearing_on=TODAY, perform_by=TODAY),
                   stage=stage, last_step_on=TODAY, today=TODAY)  # fmt: skip
    assert "cannot move to" in refused.value.message_en and "可进入" in refused.value.message_zh


@pytest.mark.parametrize(
    ("one", "field"),
    [
        (step("nowhere"), "to"),
        (step("lawyer_letter", TODAY - timedelta(days=2)), "on"),  # before the last step
        (step("lawyer_letter", TODAY + timedelta(days=1), document="x"), "on"),  # in the future
        (step("lawyer_letter", date(1, 1, 1), document="x"), "on"),
        (step("lawyer_letter", document="  "), "document"),
        (step("lawyer_letter", document="x" * 201), "document"),
        (step("lawyer_letter", document="a\x00b"), "document"),
        (step("closed"), "close_reason"),
        (step("closed", close_reason="bored"), "close_reason"),
    ],
)
def test_bad_steps_name_their_field(one: Step, field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        check_step(one, stage="review", last_step_on=TODAY - timedelta(days=1), today=TODAY)
    assert refused.value.field == field


def test_a_hearing_needs_its_date_and_a_judgment_its_performance_date() -> None:
    with pytest.raises(InvalidField) as refused:
        check_step(step("hearing"), stage="filing", last_step_on=TODAY, today=TODAY)
    assert refused.value.field == "hearing_on"
    with pytest.raises(InvalidField):
        check_step(step("hearing", hearing_on=TODAY - timedelta(days=1)), stage="filing", last_step_on=TODAY,
                   today=TODAY)  # fmt: skip
    with pytest.raises(InvalidField) as refused:
        check_step(step("judgment", document="j"), stage="hearing", last_step_on=TODAY, today=TODAY)
    assert refused.value.field == "perform_by"
    with pytest.raises(InvalidField):
        check_step(
            step("hearing", hearing_on=date(9999, 12, 31)), stage="filing", last_step_on=TODAY, today=TODAY
        )


def test_deadlines_each_step_starts() -> None:
    assert deadlines_of(step("filing", date(2026, 3, 1))) == [Deadline("filing_decision", date(2026, 3, 8))]
    assert deadlines_of(step("hearing", hearing_on=date(2027, 1, 20))) == [
        Deadline("hearing", date(2027, 1, 20))
    ]
    judged = step("judgment", date(2024, 2, 10), perform_by=date(2024, 2, 29))
    assert deadlines_of(judged) == [
        Deadline("appeal_window", date(2024, 2, 25)),
        Deadline("enforcement_application", date(2026, 2, 28)),  # two years on; no 29 Feb in 2026
    ]
    assert deadlines_of(step("lawyer_letter")) == [] and deadlines_of(step("closed")) == []


def test_later_steps_settle_earlier_deadlines() -> None:
    assert settled_by("hearing") == {"filing_decision"}
    assert "appeal_window" in settled_by("enforcement") and settled_by("lawyer_letter") == frozenset()
    assert settled_by("closed") >= {"filing_decision", "hearing", "appeal_window", "enforcement_application"}


@pytest.mark.parametrize(("kind", "fen"), [("court_fee", 0), ("court_fee", -1), ("lunch", 100),
                                          ("lawyer_fee", MAX_COST_FEN + 1)])  # fmt: skip
def test_bad_costs_are_refused(kind: str, fen: int) -> None:
    with pytest.raises(InvalidField):
        check_cost(kind, fen)


@given(
    costs=st.lists(st.tuples(st.sampled_from(COST_KINDS), st.integers(1, MAX_COST_FEN)), max_size=30),
    recovered=st.lists(st.integers(-(10**9), 10**11), max_size=60),
)
def test_a_cases_money_adds_up_to_the_fen(costs: list[tuple[str, int]], recovered: list[int]) -> None:
    money = case_money(costs, recovered)
    assert money.cost_fen == sum(fen for _, fen in costs) == sum(money.costs.values())
    assert money.net_fen == sum(recovered) - money.cost_fen
    assert 0 <= money.cost_recovered_fen <= money.cost_fen or sum(recovered) < 0
    assert set(money.costs) == set(COST_KINDS)


def test_every_open_stage_can_close_and_closed_is_the_end() -> None:
    assert all("closed" in NEXT[stage] for stage in STAGES[:-1]) and NEXT["closed"] == ()
