"""Segmentation: which segment, arm and treatment each account gets. Pure: the same in-process or in
a Spark task.

``accounts`` columns: account_id, dpd, balance_fen; and, when the strategy's conditions use them,
score, ability (the score's ability component), risk_tier, product, hold (bool), was_late_before
(bool); promise_broken (bool) when a segment escalates on a broken promise.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np
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
    for name in ("score", "ability"):
        if (bounds := getattr(when, name)) is not None:
            test = test & _within(pl.col(name), bounds)
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
    found = accounts.select(sorted(needed_columns(strategy))).with_columns(segment=segment_of)
    segments = found.get_column("segment")
    arm = segments.replace_strict(
        {one.id: one.arms_or_one()[0].id for one in strategy.segments}, default=None
    )
    for one in strategy.segments:
        if len(one.arms) > 1:
            arm = _split(found, strategy, one, arm)
    plain = {f"{one.id}|{a.id}": a.treatment for one in strategy.segments for a in one.arms_or_one()}
    escalation = {one.id: one.on_broken_promise for one in strategy.segments if one.on_broken_promise}
    escalates = pl.col("segment").is_in(list(escalation)) & pl.col("promise_broken").fill_null(False)
    labels = found.with_columns(arm=arm).select(
        "segment",
        "arm",
        treatment=pl.when(escalates)
        .then(pl.col("segment").replace_strict(escalation, default=None))
        .otherwise((pl.col("segment") + "|" + pl.col("arm")).replace_strict(plain, default=None)),
        escalated=escalates,
    )
    return accounts.with_columns(labels)


def _split(accounts: pl.DataFrame, strategy: Strategy, one: Segment, arm: pl.Series) -> pl.Series:
    """``arm`` with the accounts of a segment with several arms put in theirs by stable slot."""
    rows = accounts.select(pl.arg_where(pl.col("segment") == one.id)).to_series()
    if rows.is_empty():
        return arm
    slots = stable_slots(
        accounts.get_column("account_id").gather(rows), f"{strategy.name}:{one.id}"
    ).to_numpy()
    edges = np.cumsum([a.share for a in one.arms]) * SLOTS // 100
    names = np.array([a.id for a in one.arms])
    return arm.scatter(rows, pl.Series(names[np.searchsorted(edges, slots, side="right")]))
