"""Earlier calls counted for the time-based rules of ``decide_frame``.

Each row (a call about to be made, checked at some instant) is joined once with its debtor's calls;
every count is an aggregate over those pairs, per row. Days are local days of the debtor's home zone,
and ``rel`` is an earlier call's day minus the day the row is checked on.
"""

from __future__ import annotations

import polars as pl

from arrears.compliance.frame_zones import DAY, offsets
from arrears.compliance.policy import Policy

COUNTED = ("connected", "attempts", "rolling", "talked")  # the columns ``counts`` may give


def calls_of(history: pl.DataFrame) -> pl.LazyFrame:
    """The calls of ``history``, as the counts below read them."""
    return (
        history.lazy()
        .filter(pl.col("channel") == "call")
        .select(
            "debtor",
            "contact_point",
            at=pl.col("at").dt.epoch("us"),
            to_debtor=pl.col("party") == "debtor",
            connected=pl.col("connected").fill_null(False),
            conversation=pl.col("conversation").fill_null(False),
        )
    )


def look_back(policy: Policy) -> int:
    """How many local days, the checked one included, the counts look at."""
    windows = [section.days for section in (policy.rolling_calls, policy.conversation_cooldown) if section]
    return max([1, *windows])


def _pairs(rows: pl.DataFrame, calls: pl.LazyFrame, back: int, ahead: int) -> pl.LazyFrame:
    """Each row with each call of its debtor made from ``back - 1`` days before the row's ``day`` to
    ``ahead`` days after it, and that call's ``rel``."""
    first: int = rows.get_column("day").min() or 0  # type: ignore[assignment]
    last: int = rows.get_column("day").max() or 0  # type: ignore[assignment]
    # a day's instants lie within a day of its start in UTC, whatever the zone
    near = pl.col("at").is_between((first - back) * DAY, (last + ahead + 2) * DAY, closed="left")
    left = rows.lazy().select("row", "debtor", "z0", "k0", "day", point="contact_point")
    pairs = left.join(calls.filter(near), on="debtor")
    if rows.get_column("k0").null_count() == 0:  # every home zone has a fixed offset
        return pairs.with_columns(rel=((pl.col("at") + pl.col("k0")) // DAY - pl.col("day")).cast(pl.Int32))
    eager = pairs.collect()
    local = eager.get_column("at") + offsets(eager, "at", "z0", "k0")
    return eager.lazy().with_columns(rel=(local // DAY - eager.get_column("day")).cast(pl.Int32))


def _per_row(rows: pl.DataFrame, aggregates: pl.LazyFrame, zeros: list[str]) -> pl.DataFrame:
    found = rows.lazy().select("row").join(aggregates, on="row", how="left", maintain_order="left")
    return found.with_columns(pl.col(zeros).fill_null(0)).collect(engine="streaming")


def counts(policy: Policy, rows: pl.DataFrame, calls: pl.LazyFrame) -> pl.DataFrame:
    """For rows (row, debtor, contact_point, z0, k0, day), in their order: ``connected`` calls with the
    debtor that day, call ``attempts`` to the row's number that day, debtor calls in the ``rolling``
    window ending that day, and ``talked``: the ``rel`` of the latest day with a conversation inside
    the cool-down (null if none)."""
    rel = pl.col("rel")
    today = rel == 0
    wanted: list[pl.Expr] = []
    if policy.connected_calls is not None:
        wanted.append((pl.col("to_debtor") & pl.col("connected") & today).sum().alias("connected"))
    if policy.attempts_per_point is not None:
        same = (pl.col("contact_point") == pl.col("point")).fill_null(False)
        wanted.append((same & today).sum().alias("attempts"))
    if (rolling := policy.rolling_calls) is not None:
        inside = (rel > -rolling.days) & (rel <= 0)
        wanted.append((pl.col("to_debtor") & inside).sum().alias("rolling"))
    if (cooldown := policy.conversation_cooldown) is not None:
        recent = pl.col("to_debtor") & pl.col("conversation") & (rel > -cooldown.days) & (rel <= 0)
        wanted.append(rel.filter(recent).max().alias("talked"))
    if not wanted:
        return rows.select("row")
    aggregates = _pairs(rows, calls, look_back(policy), 0).group_by("row").agg(wanted)
    sums = [name for e in wanted if (name := e.meta.output_name()) != "talked"]
    return _per_row(rows, aggregates, sums)


def rolling_ahead(policy: Policy, rows: pl.DataFrame, calls: pl.LazyFrame) -> pl.DataFrame:
    """For rows (as in ``counts``): the debtor calls in the rolling window ending 1, 2, ... ``days``
    days after the row's day, as columns ``1``, ``2``, ..."""
    rule = policy.rolling_calls
    assert rule is not None
    rel = pl.col("rel")
    wanted = [
        (pl.col("to_debtor") & (rel > ahead - rule.days) & (rel <= ahead)).sum().alias(str(ahead))
        for ahead in range(1, rule.days + 1)
    ]
    aggregates = _pairs(rows, calls, rule.days, rule.days).group_by("row").agg(wanted)
    return _per_row(rows, aggregates, [str(ahead) for ahead in range(1, rule.days + 1)])
