"""Segmentation: which segment, arm and treatment each account gets. Pure: the same in-process or in
a Spark task.

``accounts`` columns: account_id, dpd, balance_fen; and, when the strategy's conditions use them,
score, risk_tier, product, hold (bool), was_late_before (bool); promise_broken (bool) when a segment
escalates on a broken promise.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import polars as pl

from arrears.kit.errors import ArrearsError
from arrears.strategy.arms import SLOTS, stable_slots
from arrears.strategy.overlap import dpd_spans
from arrears.strategy.schema import Conditions, Range, Segment, Strategy

_COLUMNS = {"balance": "balance_fen", "bucket": "dpd"}  # condition -> the column it reads


class SegmentationError(ArrearsError):
    """The accounts lack a column the strategy needs."""


def _fen(value: Decimal, rounding: str) -> int:
    return int((value * 100).to_integral_value(rounding=rounding))


def _within(column: pl.Expr, bounds: Range, scale: int = 1) -> pl.Expr:
    test = pl.lit(True)
    if bounds.min is not None:
        low = _fen(bounds.min, ROUND_CEILING) if scale == 100 else bounds.min
        test = test & (column >= low)
    if bounds.max is not None:
        high = _fen(bounds.max, ROUND_FLOOR) if scale == 100 else bounds.max
        test = test & (column <= high)
    return test


def condition(when: Conditions) -> pl.Expr:
    """True for the accounts that meet every condition of a segment."""
    dpd = pl.col("dpd")
    spans = [_within(dpd, Range(min=low, max=high)) for low, high in dpd_spans(when)]
    test = pl.any_horizontal(spans) if spans else pl.lit(False)
    if when.balance is not None:
        test = test & _within(pl.col("balance_fen"), when.balance, scale=100)
    if when.score is not None:
        test = test & _within(pl.col("score"), when.score)
    for name in ("risk_tier", "product"):
        if (allowed := getattr(when, name)) is not None:
            test = test & pl.col(name).cast(pl.String).is_in(list(allowed))
    for name in ("hold", "was_late_before"):
        if (wanted := getattr(when, name)) is not None:
            test = test & (pl.col(name) == wanted)
    return test.fill_null(False)


def needed_columns(strategy: Strategy) -> set[str]:
    needed = {"account_id", "dpd"}
    for segment in strategy.segments:
        used = segment.when.model_dump(exclude_none=True)
        needed |= {_COLUMNS.get(name, name) for name in used}
        if segment.on_broken_promise:
            needed.add("promise_broken")
    return needed


def segment(accounts: pl.DataFrame, *, strategy: Strategy) -> pl.DataFrame:
    """Adds segment, arm, treatment and escalated to every account (null segment: none applies)."""
    missing = sorted(needed_columns(strategy) - set(accounts.columns))
    if missing:
        raise SegmentationError(
            f"strategy {strategy.name} needs the account columns {', '.join(missing)}",
            f"策略 {strategy.name} 需要账户字段 {'、'.join(missing)}",
        )
    segment_of = pl.lit(None, pl.String)
    for one in reversed(strategy.segments):
        segment_of = pl.when(condition(one.when)).then(pl.lit(one.id)).otherwise(segment_of)
    found = accounts.with_columns(segment=segment_of)
    arm = pl.lit(None, pl.String)
    treatment = pl.lit(None, pl.String)
    escalated = pl.lit(False)
    for one in strategy.segments:
        inside = pl.col("segment") == one.id
        chosen = _arm(found, strategy, one)
        arm = pl.when(inside).then(chosen.struct.field("arm")).otherwise(arm)
        plain = chosen.struct.field("treatment")
        if one.on_broken_promise:
            broken = pl.col("promise_broken").fill_null(False)
            plain = pl.when(broken).then(pl.lit(one.on_broken_promise)).otherwise(plain)
            escalated = pl.when(inside).then(broken).otherwise(escalated)
        treatment = pl.when(inside).then(plain).otherwise(treatment)
    return found.with_columns(arm=arm, treatment=treatment, escalated=escalated)


def _arm(accounts: pl.DataFrame, strategy: Strategy, one: Segment) -> pl.Expr:
    """A struct (arm, treatment) for the segment's arms, by each account's stable slot."""
    arms = one.arms_or_one()
    if len(arms) == 1:
        return pl.struct(arm=pl.lit(arms[0].id), treatment=pl.lit(arms[0].treatment))
    slot = pl.lit(stable_slots(accounts.get_column("account_id"), f"{strategy.name}:{one.id}"))
    chosen = pl.struct(arm=pl.lit(arms[-1].id), treatment=pl.lit(arms[-1].treatment))
    upper = [sum(arm.share for arm in arms[: index + 1]) * SLOTS // 100 for index in range(len(arms))]
    for arm, edge in reversed(list(zip(arms[:-1], upper[:-1], strict=True))):
        pick = pl.struct(arm=pl.lit(arm.id), treatment=pl.lit(arm.treatment))
        chosen = pl.when(slot < edge).then(pick).otherwise(chosen)
    return chosen
