"""The daily run over a portfolio: per partition, then over the whole book.

``prepare`` is the per-partition function (the same in-process or in a Spark task): score, segment,
due actions, compliance and consolidation per customer (a partition holds whole customers). It
returns the actions worth doing (``kind`` action) and counts for the report (``kind`` segment:
accounts per segment and arm; ``checked``: due actions per channel and decision; ``blocked``:
blocked actions per rule; ``skipped``: due actions per channel without a contact point to go to,
the reason in ``rule``). ``prepare_scored`` is the same after scoring: store mode scores the book
itself, with the reasons it keeps per account. ``finish`` allocates capacity over the whole book and
lays out the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from arrears.batch.allocate import allocate
from arrears.batch.steps.actions import due_actions
from arrears.batch.steps.comply import comply, consolidate
from arrears.batch.steps.reach import reachable
from arrears.batch.steps.score import score
from arrears.compliance.policy import Policy
from arrears.scoring.model import ScoringModel
from arrears.strategy.schema import Strategy
from arrears.strategy.segment import needed_columns, segment

PREPARED_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "account_id": pl.String(),
    "customer_id": pl.String(),
    "segment": pl.String(),
    "arm": pl.String(),
    "treatment": pl.String(),
    "channel": pl.String(),
    "template": pl.String(),
    "deadline_day": pl.Int32(),
    "value_fen": pl.Int64(),
    "scheduled_at": pl.Datetime("us", "UTC"),
    "decision": pl.String(),
    "rule": pl.String(),
    "accounts": pl.Int64(),
    "balance_fen": pl.Int64(),
    "escalated": pl.Int64(),
    "actions": pl.Int64(),
}
OUTPUT_FILES = {
    "sms": "sms_outbox",
    "call": "call_queue",
    "visit": "visit_candidates",
    "letter": "letters",
    "legal_review": "legal_tasks",
    "agency_placement": "agency_tasks",
    "email": "email_outbox",
    "push": "push_outbox",
}
OUTPUT_COLUMNS = ("account_id", "customer_id", "segment", "arm", "treatment", "template", "value_fen",
                  "deadline_day", "scheduled_at")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Day:
    """What a run needs besides the accounts."""

    strategy: Strategy
    model: ScoringModel
    policy: Policy
    as_of: date


def _laid_out(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    present = set(frame.columns)
    return frame.select(
        (pl.col(name) if name in present else pl.lit(kind if name == "kind" else None))
        .cast(dtype)
        .alias(name)
        for name, dtype in PREPARED_SCHEMA.items()
    )


def prepare(accounts: pl.DataFrame, day: Day) -> pl.DataFrame:
    """Score, segment, due actions, compliance and consolidation for a partition of whole customers."""
    ability = "ability" in needed_columns(day.strategy)  # the sub-score costs a little: only when used
    return prepare_scored(score(accounts, model=day.model, ability=ability), day)


def prepare_scored(scored: pl.DataFrame, day: Day) -> pl.DataFrame:
    """``prepare`` for a partition already scored (p_default, score and risk_tier added; ability when
    the strategy's segments use it)."""
    segmented = segment(scored.with_columns(hold=pl.col("holds").list.len() > 0), strategy=day.strategy)
    due = due_actions(segmented, strategy=day.strategy, as_of=day.as_of)
    candidates, skipped = reachable(due, segmented)
    checked = comply(candidates, segmented, policy=day.policy, as_of=day.as_of)
    shared = segmented.filter(pl.col("customer_id").is_duplicated()).get_column("customer_id").unique()
    labels = segmented.select("account_id", "segment", "arm", "treatment")
    worth = consolidate(checked, shared).filter(pl.col("value_fen") > 0)
    actions = worth.join(labels, on="account_id", how="left", maintain_order="left")
    segments = segmented.group_by("segment", "arm", "treatment").agg(
        accounts=pl.len(), balance_fen=pl.col("balance_fen").sum(), escalated=pl.col("escalated").sum()
    )
    decisions = checked.group_by("channel", "decision").agg(actions=pl.len())
    blocked = (
        checked.select(pl.col("rules").explode().drop_nulls().alias("rule"))
        .group_by("rule")
        .agg(actions=pl.len())
    )
    return pl.concat(
        [
            _laid_out(actions, "action"),
            _laid_out(segments, "segment"),
            _laid_out(decisions, "checked"),
            _laid_out(blocked, "blocked"),
            _laid_out(skipped, "skipped"),
        ]
    )


@dataclass(frozen=True, slots=True)
class Outputs:
    frames: dict[str, pl.DataFrame]  # file stem -> rows
    report: dict[str, Any]


def finish(prepared: pl.DataFrame, day: Day) -> Outputs:
    """Allocation over the whole book, the output files and the run report."""
    actions = prepared.filter(pl.col("kind") == "action")
    chosen = allocate(actions, day.strategy.limits())
    frames = {}
    for channel, stem in OUTPUT_FILES.items():
        rows = chosen.filter(pl.col("channel") == channel).sort("account_id")
        if channel == "call":
            ranked = rows.select(
                pl.col("value_fen").rank("ordinal", descending=True).cast(pl.Int64).alias("priority")
            )
            rows = rows.with_columns(ranked)
        frames[stem] = rows.select(*OUTPUT_COLUMNS, *(["priority"] if channel == "call" else []))
    return Outputs(frames, report(prepared, chosen, day))


def _sums(prepared: pl.DataFrame, kind: str, keys: list[str], values: list[str]) -> pl.DataFrame:
    rows = prepared.filter(pl.col("kind") == kind).group_by(keys).agg(pl.col(values).sum())
    return rows.sort(keys, nulls_last=True)


def report(prepared: pl.DataFrame, chosen: pl.DataFrame, day: Day) -> dict[str, Any]:
    segments = _sums(
        prepared, "segment", ["segment", "arm", "treatment"], ["accounts", "balance_fen", "escalated"]
    )
    checked = _sums(prepared, "checked", ["channel", "decision"], ["actions"])
    blocked = _sums(prepared, "blocked", ["rule"], ["actions"])
    skipped = _sums(prepared, "skipped", ["rule"], ["actions"])
    by_channel = chosen.group_by("channel").agg(
        actions=pl.len(), expected_value_fen=pl.col("value_fen").sum()
    )
    allowed = int(checked.filter(pl.col("decision") == "allow").get_column("actions").sum())
    candidates = int(checked.get_column("actions").sum())
    return {
        "as_of": day.as_of.isoformat(),
        "strategy": {"name": day.strategy.name, "version": day.strategy.version},
        "policy": day.policy.name,
        "accounts": int(segments.get_column("accounts").sum()),
        "segments": segments.to_dicts(),
        "candidates": candidates,
        "allowed": allowed,
        "blocked": candidates - allowed,
        "blocked_by_rule": {row["rule"]: row["actions"] for row in blocked.iter_rows(named=True)},
        "skipped": int(skipped.get_column("actions").sum()),
        "skipped_by_reason": {row["rule"]: row["actions"] for row in skipped.iter_rows(named=True)},
        "worth_doing": int((prepared.get_column("kind") == "action").sum()),
        "chosen": {
            row["channel"]: {"actions": row["actions"], "expected_value_fen": row["expected_value_fen"]}
            for row in by_channel.sort("channel").iter_rows(named=True)
        },
        "expected_value_fen": int(chosen.get_column("value_fen").sum() or 0),
        "capacity": day.strategy.limits(),
    }
