"""Due actions: which steps of each account's treatment fall due on the day, and what each is worth.

The day of the treatment is counted from the day the account entered its segment: days past due
minus the lowest days past due of the segment's range that holds the account, plus one (so it needs
no state, and the store and file modes agree). A step is due:

- ``days``: on those days of the treatment;
- ``within`` W: every day until the channel was used since the account entered the segment (the
  deadline is day W);
- ``every`` N: when the channel was last used N or more days ago (or not since entry).

Value of an action, in fen: balance x lift x (1 - p_default) x (1 - commission) - cost.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from arrears.strategy.overlap import dpd_spans
from arrears.strategy.schema import Channel, Step, Strategy, Treatment

CANDIDATE_SCHEMA = {
    "account_id": pl.String,
    "channel": pl.String,
    "template": pl.String,
    "deadline_day": pl.Int32,
    "value_fen": pl.Int64,
}


def _entry_dpd(strategy: Strategy) -> pl.Expr:
    """The lowest days past due of the span of its segment that holds each account."""
    entry = pl.lit(None, pl.Int64)
    for segment in strategy.segments:
        for low, high in dpd_spans(segment.when):
            inside = (pl.col("segment") == segment.id) & (pl.col("dpd") >= (low or 0))
            if high is not None:
                inside = inside & (pl.col("dpd") <= high)
            entry = pl.when(inside).then(pl.lit(int(low or 0))).otherwise(entry)
    return entry


def _last_use(accounts: pl.DataFrame, channels: list[str], as_of: date) -> pl.DataFrame:
    """For each account, days since each channel was last used (null: not in the recent contacts),
    as columns ``since_<channel>``, in the accounts' order."""
    used = (
        accounts.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"), "recent_contacts")
        .explode("recent_contacts")
        .select(
            "_row",
            pl.col("recent_contacts").struct.field("channel"),
            pl.col("recent_contacts").struct.field("at"),
        )
        .filter(pl.col("channel").is_in(channels))
        .group_by("_row", "channel")
        .agg(last=pl.col("at").max())
    )
    since = (pl.lit(as_of) - pl.col("last").dt.date()).dt.total_days()
    columns = [
        since.filter(pl.col("channel") == channel).first().alias(f"since_{channel}") for channel in channels
    ]
    wide = used.group_by("_row").agg(columns)
    rows = pl.DataFrame({"_row": pl.int_range(accounts.height, dtype=pl.UInt32, eager=True)})
    return rows.join(wide, on="_row", how="left", maintain_order="left").drop("_row")


def _steps_by_channel(treatment: Treatment) -> dict[Channel, list[Step]]:
    found: dict[Channel, list[Step]] = {}
    for step in treatment.steps:
        found.setdefault(step.channel, []).append(step)
    return found


def _due(step: Step) -> tuple[pl.Expr, pl.Expr]:
    """Whether the step is due, and its deadline day."""
    since = pl.col(f"since_{step.channel}")
    fresh = since.is_null() | (since >= pl.col("day"))  # not used since entering the segment
    due = pl.col("day").is_in(list(step.days)) if step.days else pl.lit(False)
    if step.within is not None:
        due = due | fresh
    if step.every is not None:
        due = due | fresh | (since >= step.every)
    return due, pl.lit(step.within, pl.Int32)


def due_actions(segmented: pl.DataFrame, *, strategy: Strategy, as_of: date) -> pl.DataFrame:
    """One row per account and due channel: account_id, channel, template, deadline_day, value_fen.
    Two steps of one channel that are due the same day give one action (the first step's template)."""
    channels = sorted({str(step.channel) for t in strategy.treatments.values() for step in t.steps})
    treated = segmented.filter(pl.col("treatment").is_not_null())
    narrow = treated.select(
        "account_id", "treatment", "balance_fen", "p_default", day=pl.col("dpd") - _entry_dpd(strategy) + 1
    )
    frame = pl.concat([narrow, _last_use(treated, channels, as_of)], how="horizontal")
    parts = []
    for name, treatment in strategy.treatments.items():
        mine = frame.filter(pl.col("treatment") == name)
        if mine.is_empty():
            continue
        for channel, steps in _steps_by_channel(treatment).items():
            due = pl.lit(False)
            template = pl.lit(None, pl.String)
            deadline = pl.lit(None, pl.Int32)
            for step in reversed(steps):
                step_due, step_deadline = _due(step)
                due = due | step_due
                template = pl.when(step_due).then(pl.lit(step.template, pl.String)).otherwise(template)
                deadline = pl.when(step_due).then(step_deadline).otherwise(deadline)
            economics = strategy.economics[channel]
            worth = (
                pl.col("balance_fen")
                * economics.lift
                * (1 - pl.col("p_default"))
                * (1 - economics.commission)
            )
            parts.append(
                mine.filter(due).select(
                    "account_id",
                    channel=pl.lit(channel),
                    template=template,
                    deadline_day=deadline,
                    value_fen=(worth - int(economics.cost * 100)).round().cast(pl.Int64),
                )
            )
    if not parts:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    return pl.concat(parts)
