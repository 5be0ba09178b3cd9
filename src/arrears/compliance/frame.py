"""The compliance check vectorised with Polars: millions of candidate actions decided at once.

Same semantics as ``check.decide`` (a test runs both on the examples and on random scenarios).

``candidates``: one row per action, with the debtor's state repeated on it:
    id, debtor, now (Datetime UTC), channel, party, contact_point, actor, purpose, discloses_debt,
    staff_count, recording, zones (List[String], the home zone first), holds, consents,
    opted_out_points (List[String]), unreachable_since (Datetime UTC), agency_code,
    agency_whitelisted, agency_last_inspection_date (Date), agency_contract_valid_until (Date)
``history``: debtor, at (Datetime UTC), channel, contact_point, party, actor, connected, conversation

Returns id, decision ("allow"/"block"), rules (List[String]) and next_allowed_at (Datetime UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import polars as pl

from arrears.compliance.frame_input import CANDIDATE_SCHEMA, HISTORY_SCHEMA, situations_frames
from arrears.compliance.frame_zones import (
    FIXED_OFFSETS,
    UTC_DATETIME,
    by_zone,
    fixed_offsets,
    instant,
    local_parts,
)
from arrears.compliance.policy import Policy

__all__ = ["CANDIDATE_SCHEMA", "HISTORY_SCHEMA", "decide_frame", "situations_frames"]

MAX_STEPS = 64


def _in_hours(policy: Policy, local_time: pl.Expr) -> pl.Expr:
    rule = policy.hours
    assert rule is not None
    before_end = local_time <= rule.end if rule.end_allowed else local_time < rule.end
    return (local_time >= rule.start) & before_end


def _hours(policy: Policy, rows: pl.DataFrame) -> pl.DataFrame:
    """row, hours_block, hours_retry for the rows (row, at, zones, channel, consents)."""
    rule = policy.hours
    empty = pl.DataFrame(schema={"row": pl.UInt32, "hours_block": pl.Boolean, "hours_retry": UTC_DATETIME})
    if rule is None or rows.is_empty():
        return empty
    exempt = pl.col("channel").is_in(list(rule.exempt_channels))
    if rule.lifted_by_consent:
        exempt = exempt | pl.col("consents").list.contains(rule.lifted_by_consent)
    checked = rows.filter(~exempt).select("row", "at", "zones")
    single = _hours_one_zone(policy, checked.filter(pl.col("zones").list.len() == 1))
    zones = checked.filter(pl.col("zones").list.len() > 1).explode("zones").rename({"zones": "zone"})
    zones = by_zone(zones, "zone", local_parts("at", "local"))
    state = zones.group_by("row").agg(hours_block=(~_in_hours(policy, pl.col("local_time"))).any())
    blocked = state.filter("hours_block").select("row")
    # candidate instants: now, and the start of the hours on the next three local days of every zone
    starts = (
        zones.join(blocked, on="row")
        .select(
            "row",
            "zone",
            pl.concat_list(pl.col("local_date") + pl.duration(days=d) for d in range(3)).alias("day"),
        )
        .explode("day")
    )
    starts = by_zone(starts, "zone", instant(pl.col("day"), rule.start, "candidate"))
    options = pl.concat(
        [
            starts.select("row", "candidate"),
            zones.join(blocked, on="row").select("row", pl.col("at").alias("candidate")),
        ]
    ).unique()
    at = zones.select("row", "at").unique()
    options = options.join(at, on="row").filter(pl.col("candidate") >= pl.col("at")).drop("at")
    per_zone = options.join(zones.select("row", "zone"), on="row")
    per_zone = by_zone(per_zone, "zone", local_parts("candidate", "c"))
    good = per_zone.group_by("row", "candidate").agg(ok=_in_hours(policy, pl.col("c_time")).all())
    retry = good.filter("ok").group_by("row").agg(hours_retry=pl.col("candidate").min())
    several = state.join(retry, on="row", how="left").select("row", "hours_block", "hours_retry")
    return pl.concat([single, several])


def _hours_one_zone(policy: Policy, rows: pl.DataFrame) -> pl.DataFrame:
    """The hours of debtors with one zone: blocked rows wait for today's start of the hours when it
    is still ahead, else tomorrow's."""
    rule = policy.hours
    assert rule is not None
    local = by_zone(
        rows.select("row", "at", pl.col("zones").list.first().alias("zone")),
        "zone",
        local_parts("at", "local"),
    )
    local = local.with_columns(hours_block=~_in_hours(policy, pl.col("local_time")))
    ahead = pl.col("local_time") < rule.start
    day = pl.when(ahead).then(pl.col("local_date")).otherwise(pl.col("local_date") + pl.duration(days=1))
    blocked = local.filter("hours_block").with_columns(day=day)
    retry = by_zone(blocked, "zone", instant(pl.col("day"), rule.start, "hours_retry"))
    return local.select("row", "hours_block").join(retry.select("row", "hours_retry"), on="row", how="left")


@dataclass(frozen=True)
class _Counts:
    """Earlier calls counted per local day of the debtor's home zone (once per decision run)."""

    debtor_days: pl.DataFrame  # debtor, day, n (calls to the debtor), connected, talked
    point_days: pl.DataFrame  # debtor, contact_point, day, n (calls to that point, any party)


def _day_counts(history: pl.DataFrame, homes: pl.DataFrame) -> _Counts:
    calls = history.filter(pl.col("channel") == "call").join(homes, on="debtor")
    calls = by_zone(calls, "home", local_parts("at", "h")).rename({"h_date": "day"})
    debtor_days = (
        calls.filter(pl.col("party") == "debtor")
        .group_by("debtor", "day")
        .agg(n=pl.len(), connected=pl.col("connected").sum(), talked=pl.col("conversation").any())
    )
    point_days = calls.group_by("debtor", "contact_point", "day").agg(n=pl.len())
    return _Counts(debtor_days, point_days)


def _timed(policy: Policy, rows: pl.DataFrame, counts: _Counts) -> pl.DataFrame:
    """For rows (row, debtor, at, home, channel, party, contact_point, consents, zones): whether the
    time-based rules block at ``at``, which ones, and when the last of them lifts (null: never)."""
    rows = (
        by_zone(rows, "home", local_parts("at", "today")).rename({"today_date": "today"}).drop("today_time")
    )
    results = rows.select("row")
    blocks: list[tuple[str, str]] = []  # (flag column, rule id)
    retries: list[str] = []
    hours = _hours(policy, rows)
    if policy.hours is not None:
        results = results.join(hours, on="row", how="left")
        blocks.append(("hours_block", policy.hours.rule))
        retries.append("hours_retry")
    to_debtor = (pl.col("channel") == "call") & (pl.col("party") == "debtor")

    def midnight(flagged: pl.DataFrame, out: str) -> pl.DataFrame:
        """row, ``out``: the start of the next local day, for the flagged rows only."""
        days = rows.select("row", "home", "today").join(flagged.select("row"), on="row")
        after = instant(pl.col("today") + pl.duration(days=1), time(0), out)
        return by_zone(days, "home", after).select("row", out)

    for name, section in (("connected", policy.connected_calls), ("attempts", policy.attempts_per_point)):
        if section is None:
            continue
        applies = (
            to_debtor
            if name == "connected"
            else (pl.col("channel") == "call") & pl.col("contact_point").is_not_null()
        )
        if section.lifted_by_consent:
            applies = applies & ~pl.col("consents").list.contains(section.lifted_by_consent)
        if name == "connected":
            counted = counts.debtor_days.select("debtor", "day", n="connected")
            joined = rows.filter(applies).join(
                counted, left_on=["debtor", "today"], right_on=["debtor", "day"], how="left"
            )
        else:
            joined = rows.filter(applies).join(
                counts.point_days,
                left_on=["debtor", "contact_point", "today"],
                right_on=["debtor", "contact_point", "day"],
                how="left",
            )
        flag = joined.select("row", (pl.col("n").fill_null(0) >= section.max_per_day).alias(f"{name}_block"))
        flag = flag.join(midnight(flag.filter(f"{name}_block"), f"{name}_retry"), on="row", how="left")
        results = results.join(flag, on="row", how="left")
        blocks.append((f"{name}_block", section.rule))
        retries.append(f"{name}_retry")
    per_day = counts.debtor_days
    if policy.rolling_calls is not None:
        rule = policy.rolling_calls
        applicable = rows.filter(to_debtor).select("row", "debtor", "home", "today")
        # each debtor has a handful of call days: join them and count those in the window
        days = applicable.join(per_day.select("debtor", "day", "n"), on="debtor")

        def window(ahead: int) -> pl.Expr:
            end = pl.col("today") + pl.duration(days=ahead)
            inside = (pl.col("day") <= end) & (pl.col("day") > end - pl.duration(days=rule.days))
            return pl.col("n").filter(inside).sum()

        now_count = days.group_by("row").agg(window(0).alias("n"))
        now_count = now_count.select("row", rolling_block=pl.col("n") >= rule.max_attempts)
        blocked_days = days.join(now_count.filter("rolling_block").select("row"), on="row")
        later = blocked_days.group_by("row", "home", "today").agg(
            window(ahead).alias(str(ahead)) for ahead in range(1, rule.days + 1)
        )
        first = pl.min_horizontal(
            pl.when(pl.col(str(ahead)) < rule.max_attempts).then(pl.lit(ahead))
            for ahead in range(1, rule.days + 1)
        )
        later = later.with_columns(day=pl.col("today") + pl.duration(days=first)).filter(
            pl.col("day").is_not_null()
        )
        first_ok = by_zone(later, "home", instant(pl.col("day"), time(0), "rolling_retry")).select(
            "row", "rolling_retry"
        )
        results = results.join(now_count, on="row", how="left").join(first_ok, on="row", how="left")
        blocks.append(("rolling_block", rule.rule))
        retries.append("rolling_retry")
    if policy.conversation_cooldown is not None:
        cooldown = policy.conversation_cooldown
        talks = per_day.filter("talked").select("debtor", pl.col("day").alias("talk_day"))
        recent = rows.filter(to_debtor).select("row", "debtor", "home", "today").join(talks, on="debtor")
        recent = recent.filter(
            (pl.col("talk_day") <= pl.col("today"))
            & (pl.col("talk_day") >= pl.col("today") - pl.duration(days=cooldown.days - 1))
        )
        last = recent.group_by("row", "home").agg(last=pl.col("talk_day").max())
        last = by_zone(
            last,
            "home",
            instant(pl.col("last") + pl.duration(days=cooldown.days), time(0), "conversation_retry"),
        )
        last = last.select("row", pl.lit(True).alias("conversation_block"), "conversation_retry")
        results = results.join(last, on="row", how="left")
        blocks.append(("conversation_block", cooldown.rule))
        retries.append("conversation_retry")
    flags = [pl.col(flag).fill_null(False) for flag, _ in blocks]
    rule_list = (
        pl.concat_list(
            pl.when(flag).then(pl.lit(rule)).otherwise(pl.lit(None, pl.String))
            for flag, (_, rule) in zip(flags, blocks, strict=True)
        ).list.drop_nulls()
        if blocks
        else pl.lit([], pl.List(pl.String))
    )
    never = (
        pl.any_horizontal(flag & pl.col(retry).is_null() for flag, retry in zip(flags, retries, strict=True))
        if blocks
        else pl.lit(False)
    )
    latest = (
        pl.max_horizontal(
            pl.when(flag).then(pl.col(retry)) for flag, retry in zip(flags, retries, strict=True)
        )
        if blocks
        else pl.lit(None, UTC_DATETIME)
    )
    return results.select(
        "row",
        timed_rules=rule_list,
        timed_never=never,
        timed_until=latest,
    )


def _static(policy: Policy) -> list[tuple[str, pl.Expr]]:
    """(rule id, block expression) of the rules that waiting does not lift, in report order."""
    found: list[tuple[str, pl.Expr]] = []
    if (rule := policy.third_party) is not None:
        reasons = ~pl.col("purpose").is_in(list(rule.allowed_purposes))
        if not rule.may_disclose_debt:
            reasons = reasons | pl.col("discloses_debt").fill_null(False)
        if rule.min_unreachable_days is not None:
            too_soon = pl.col("now") - pl.col("unreachable_since") < pl.duration(
                days=rule.min_unreachable_days
            )
            reasons = reasons | pl.col("unreachable_since").is_null() | too_soon.fill_null(True)
        if rule.once_per_contact:
            reasons = reasons | pl.col("third_party_contacted").fill_null(False)
        found.append((rule.rule, (pl.col("party") == "third_party") & reasons))
    if (rule_o := policy.opt_out) is not None:
        opted = pl.col("opted_out_points").list.contains(pl.col("contact_point")).fill_null(False)
        found.append((rule_o.rule, pl.col("channel").is_in(list(rule_o.channels)) & opted))
    if (rule_h := policy.holds) is not None:
        held = (
            pl.col("holds").list.eval(pl.element().is_in(list(rule_h.blocking))).list.any().fill_null(False)
        )
        found.append((rule_h.rule, held))
    if (rule_v := policy.visit) is not None:
        short = pl.col("staff_count").fill_null(0) < rule_v.min_staff
        if rule_v.recording_required:
            short = short | ~pl.col("recording").fill_null(False)
        found.append((rule_v.rule, (pl.col("channel") == "visit") & short))
    if (rule_a := policy.agency) is not None:
        code = pl.col("actor").str.strip_prefix("agency:")
        unknown = pl.col("agency_whitelisted").is_null() | (
            pl.col("agency_code").is_not_null() & (pl.col("agency_code") != code)
        )
        bad = unknown
        if rule_a.require_whitelist:
            bad = bad | ~pl.col("agency_whitelisted").fill_null(False)
        if rule_a.max_days_since_inspection is not None:
            age = (pl.col("today") - pl.col("agency_last_inspection_date")).dt.total_days()
            bad = bad | (age > rule_a.max_days_since_inspection).fill_null(True)
        if rule_a.require_valid_contract:
            bad = bad | (pl.col("agency_contract_valid_until") < pl.col("today")).fill_null(True)
        found.append((rule_a.rule, pl.col("actor").str.starts_with("agency:") & bad))
    return found


def decide_frame(policy: Policy, candidates: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """Decisions for every candidate action (see the module docstring for the columns)."""
    token = FIXED_OFFSETS.set(_fixed_for(policy, candidates, history))
    try:
        return _decide(policy, candidates, history)
    finally:
        FIXED_OFFSETS.reset(token)


def _fixed_for(policy: Policy, candidates: pl.DataFrame, history: pl.DataFrame) -> dict[str, int]:
    """Zones with a fixed offset over every date a decision may look at: from the earliest contact
    (or 10 days before the earliest ``now``) to well after the latest ``now`` (waiting for blocks)."""
    if candidates.is_empty():
        return {}
    nows = candidates["now"]
    first: datetime = nows.min()  # type: ignore[assignment]
    last: datetime = nows.max()  # type: ignore[assignment]
    if history.height:
        first = min(first, history["at"].min())  # type: ignore[type-var,assignment]
    windows = [section.days for section in (policy.rolling_calls, policy.conversation_cooldown) if section]
    ahead = timedelta(days=3 * (sum(windows) + 3))
    zones = candidates["zones"].explode().drop_nulls().unique().to_list()
    return fixed_offsets(zones, first - timedelta(days=10), last + ahead)


def _decide(policy: Policy, candidates: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    frame = candidates.with_row_index("row").with_columns(home=pl.col("zones").list.first())
    homes = frame.select("debtor", "home").unique(subset="debtor")
    counts = _day_counts(history, homes)
    contacted = history.filter(pl.col("party") == "third_party").select("debtor", "contact_point").unique()
    frame = frame.join(
        contacted.with_columns(third_party_contacted=pl.lit(True)), on=["debtor", "contact_point"], how="left"
    )
    frame = (
        by_zone(frame, "home", local_parts("now", "today")).rename({"today_date": "today"}).drop("today_time")
    )
    static = _static(policy)
    static_rules = (
        pl.concat_list(
            pl.when(expr).then(pl.lit(rule)).otherwise(pl.lit(None, pl.String)) for rule, expr in static
        ).list.drop_nulls()
        if static
        else pl.lit([], pl.List(pl.String))
    )
    frame = frame.with_columns(static_rules=static_rules)
    timed_columns = ["row", "debtor", "home", "channel", "party", "contact_point", "consents", "zones"]
    first = _timed(policy, frame.select(*timed_columns, at=pl.col("now")), counts)
    frame = frame.join(first, on="row", how="left").with_columns(
        rules=pl.concat_list(pl.col("timed_rules").fill_null([]), "static_rules")
    )
    # next_allowed_at: wait for the time-based blocks to lift, re-checking at each step
    pending = frame.filter(
        (pl.col("static_rules").list.len() == 0)
        & (pl.col("timed_rules").list.len() > 0)
        & ~pl.col("timed_never")
    ).select(*timed_columns, at=pl.col("timed_until"))
    settled: list[pl.DataFrame] = []
    for _ in range(MAX_STEPS):
        if pending.is_empty():
            break
        step = _timed(policy, pending, counts)
        pending = pending.join(step, on="row")
        settled.append(
            pending.filter(pl.col("timed_rules").list.len() == 0).select("row", later=pl.col("at"))
        )
        pending = pending.filter((pl.col("timed_rules").list.len() > 0) & ~pl.col("timed_never"))
        pending = pending.select(*timed_columns, at=pl.col("timed_until"))
    later = pl.concat(settled) if settled else pl.DataFrame(schema={"row": pl.UInt32, "later": UTC_DATETIME})
    frame = frame.join(later, on="row", how="left")
    blocked = pl.col("rules").list.len() > 0
    return frame.sort("row").select(
        "id",
        decision=pl.when(blocked).then(pl.lit("block")).otherwise(pl.lit("allow")),
        rules="rules",
        next_allowed_at=pl.when(blocked).then(pl.col("later")).otherwise(pl.col("now")),
    )
