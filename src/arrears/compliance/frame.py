"""The compliance check vectorised with Polars: millions of candidate actions decided at once.

Same semantics as ``check.decide`` (a test runs both on the examples and on random scenarios).

``candidates``: one row per action, with the debtor's state repeated on it:
    id, debtor, now (Datetime UTC), channel, party, contact_point, actor, purpose, discloses_debt,
    staff_count, recording, zones (List[String], the home zone first), holds, consents,
    opted_out_points (List[String]), unreachable_since (Datetime UTC), agency_code,
    agency_whitelisted, agency_last_inspection_date (Date), agency_contract_valid_until (Date)
``history``: debtor, at (Datetime UTC), channel, contact_point, party, actor, connected, conversation

Returns id, decision ("allow"/"block"), rules (List[String]) and next_allowed_at (Datetime UTC).

Each rule sets one bit of a row's mask, in the order ``check`` reports rules; instants are integer
microseconds (see ``frame_zones``). The time-based rules are evaluated at ``now``, then again at the
instant their blocks lift, for the rows still waiting, until none is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from arrears.compliance.check import MAX_STEPS, SECTIONS
from arrears.compliance.frame_counts import COUNTED, calls_of, counts, look_back, rolling_ahead
from arrears.compliance.frame_input import CANDIDATE_SCHEMA, HISTORY_SCHEMA, situations_frames
from arrears.compliance.frame_zones import (
    DAY,
    FIXED_OFFSETS,
    UTC_DATETIME,
    clock,
    fixed_offsets,
    known_offset,
    offsets,
    to_utc,
)
from arrears.compliance.policy import Policy

__all__ = ["CANDIDATE_SCHEMA", "HISTORY_SCHEMA", "decide_frame", "situations_frames"]

BIT = {section: 1 << index for index, section in enumerate(SECTIONS)}
_TIMED = ("hours", "connected_calls", "attempts_per_point", "rolling_calls", "conversation_cooldown")


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
    ahead = timedelta(days=3 * (look_back(policy) + 3))
    zones = candidates["zones"].explode().drop_nulls().unique().to_list()
    return fixed_offsets(zones, first - timedelta(days=10), last + ahead)


def _decide(policy: Policy, candidates: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    longest = candidates.get_column("zones").list.len().max()
    width = max(1, int(longest) if isinstance(longest, int) else 1)
    consents = pl.col("consents")

    def lifted(section: str) -> pl.Expr:
        consent = getattr(getattr(policy, section), "lifted_by_consent", None)
        return consents.list.contains(consent).fill_null(False) if consent else pl.lit(False)

    rows = candidates.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
        "debtor",
        "channel",
        "party",
        "contact_point",
        pl.col("now").dt.epoch("us").alias("at"),
        *[pl.col("zones").list.get(k, null_on_oob=True).alias(f"z{k}") for k in range(width)],
        hours_exempt=lifted("hours")
        | pl.col("channel").is_in(list(policy.hours.exempt_channels) if policy.hours else []),
        connected_lifted=lifted("connected_calls"),
        attempts_lifted=lifted("attempts_per_point"),
    ).with_columns(known_offset(f"z{k}").alias(f"k{k}") for k in range(width))
    today = (rows.get_column("at") + offsets(rows, "at", "z0", "k0")) // DAY
    static = _static_mask(policy, candidates, history, today)
    calls = calls_of(history)
    first = _timed(policy, rows, calls)
    mask = first.get_column("mask")
    # next_allowed_at: wait for the time-based blocks to lift, re-checking at each step (the
    # counts of earlier calls are kept for the rows that are still on the same day)
    later = _nulls(rows.height)
    waiting = (static == 0) & (mask != 0) & ~first.get_column("never")
    pending = _waiting(rows, first, waiting)
    for _ in range(MAX_STEPS):
        if pending.is_empty():
            break
        step = _timed(policy, pending, calls)
        free = step.get_column("mask") == 0
        later = later.scatter(pending.get_column("row").filter(free), pending.get_column("at").filter(free))
        pending = _waiting(pending, step, ~free & ~step.get_column("never"))
    full = mask | static
    return pl.DataFrame(
        {"id": candidates.get_column("id"), "mask": full, "later": later, "now": rows.get_column("at")}
    ).select(
        "id",
        decision=pl.when(pl.col("mask") != 0).then(pl.lit("block")).otherwise(pl.lit("allow")),
        rules=pl.col("mask").replace_strict(_rule_lists(policy, full), return_dtype=pl.List(pl.String)),
        next_allowed_at=pl.when(pl.col("mask") != 0)
        .then(pl.col("later"))
        .otherwise(pl.col("now"))
        .cast(UTC_DATETIME),
    )


def _waiting(rows: pl.DataFrame, step: pl.DataFrame, going: pl.Series) -> pl.DataFrame:
    """The rows still blocked, to be checked again when their blocks lift, with the counts kept."""
    kept = step.select(pl.col("until").alias("at"), pl.exclude("mask", "never", "until"))
    return rows.with_columns(kept).filter(going)


def _nulls(length: int) -> pl.Series:
    return pl.repeat(None, length, dtype=pl.Int64, eager=True)


def _rule_lists(policy: Policy, masks: pl.Series) -> dict[int, list[str]]:
    """The rule ids of each mask that occurs, in report order."""
    ids = [(bit, getattr(policy, section).rule) for section, bit in BIT.items() if getattr(policy, section)]
    return {mask: [rule for bit, rule in ids if mask & bit] for mask in masks.unique().to_list()}


def _bits(flags: list[tuple[str, pl.Expr]]) -> pl.Expr:
    mask = pl.lit(0, pl.UInt16)
    for section, flag in flags:
        mask = mask | pl.when(flag.fill_null(False)).then(pl.lit(BIT[section], pl.UInt16)).otherwise(0)
    return mask


def _static_mask(
    policy: Policy, candidates: pl.DataFrame, history: pl.DataFrame, today: pl.Series
) -> pl.Series:
    """The bits of the rules that waiting does not lift."""
    frame = candidates.with_columns(today=today.cast(pl.Int32).cast(pl.Date))
    flags: list[tuple[str, pl.Expr]] = []
    if (rule := policy.third_party) is not None:
        reasons = ~pl.col("purpose").is_in(list(rule.allowed_purposes))
        if not rule.may_disclose_debt:
            reasons = reasons | pl.col("discloses_debt").fill_null(False)
        if rule.min_unreachable_days is not None:
            too_soon = pl.col("now") - pl.col("unreachable_since") < pl.duration(
                days=rule.min_unreachable_days
            )
            reasons = reasons | too_soon.fill_null(True)
        if rule.once_per_contact:
            contacted = history.filter(pl.col("party") == "third_party").select("debtor", "contact_point")
            seen = frame.select("debtor", "contact_point").join(
                contacted.unique().with_columns(seen=pl.lit(True)),
                on=["debtor", "contact_point"],
                how="left",
                maintain_order="left",
            )
            frame = frame.with_columns(seen.get_column("seen").fill_null(False))
            reasons = reasons | pl.col("seen")
        flags.append(("third_party", (pl.col("party") == "third_party") & reasons))
    if (rule_o := policy.opt_out) is not None:
        opted = pl.col("opted_out_points").list.contains(pl.col("contact_point"))
        flags.append(("opt_out", pl.col("channel").is_in(list(rule_o.channels)) & opted))
    if (rule_h := policy.holds) is not None:
        held = pl.any_horizontal(pl.col("holds").list.contains(kind) for kind in rule_h.blocking)
        flags.append(("holds", held))
    if (rule_v := policy.visit) is not None:
        short = pl.col("staff_count").fill_null(0) < rule_v.min_staff
        if rule_v.recording_required:
            short = short | ~pl.col("recording").fill_null(False)
        flags.append(("visit", (pl.col("channel") == "visit") & short))
    if (rule_a := policy.agency) is not None:
        code = pl.col("actor").str.strip_prefix("agency:")
        bad = pl.col("agency_whitelisted").is_null() | (
            pl.col("agency_code").is_not_null() & (pl.col("agency_code") != code)
        )
        if rule_a.require_whitelist:
            bad = bad | ~pl.col("agency_whitelisted").fill_null(False)
        if rule_a.max_days_since_inspection is not None:
            age = (pl.col("today") - pl.col("agency_last_inspection_date")).dt.total_days()
            bad = bad | (age > rule_a.max_days_since_inspection).fill_null(True)
        if rule_a.require_valid_contract:
            bad = bad | (pl.col("agency_contract_valid_until") < pl.col("today")).fill_null(True)
        flags.append(("agency", pl.col("actor").str.starts_with("agency:") & bad))
    return frame.select(_bits(flags)).to_series()


def _timed(policy: Policy, rows: pl.DataFrame, calls: pl.LazyFrame) -> pl.DataFrame:
    """For rows checked at their ``at``, in their order: the bits of the time-based rules that block
    (``mask``), whether one of them never lifts, when the last of them lifts (``until``, microseconds;
    null when none blocks), and the counts of earlier calls with the day they were counted for."""
    rows = rows.with_columns(day=(pl.col("at") + offsets(rows, "at", "z0", "k0")) // DAY)
    found = rows.select("row", "at")
    if policy.hours is not None:
        flag, retry = _hours(policy, rows)
        found = found.with_columns(hours=flag, hours_retry=retry)
    if any(getattr(policy, section) is not None for section in _TIMED[1:]):
        found = found.join(_calls(policy, rows, calls), on="row", how="left", maintain_order="left")
    present = [section for section in _TIMED if section in found.columns]
    flags = [pl.col(section).fill_null(False) for section in present]
    retries = [pl.col(f"{section}_retry") for section in present]
    result = found.select(
        mask=_bits([(section, pl.col(section)) for section in present]),
        never=pl.any_horizontal(flag & retry.is_null() for flag, retry in zip(flags, retries, strict=True))
        if present
        else pl.lit(False),
        until=pl.max_horizontal(pl.when(flag).then(retry) for flag, retry in zip(flags, retries, strict=True))
        if present
        else pl.lit(None, pl.Int64),
    )
    carried = [name for name in (*COUNTED, "counted_day") if name in found.columns]
    return result.with_columns(found.select(carried))


def _in_hours(policy: Policy, local: pl.Expr) -> pl.Expr:
    """Whether the local wall-clock instant ``local`` falls inside the hours."""
    rule = policy.hours
    assert rule is not None
    of_day = local % DAY
    end = clock(rule.end)
    before_end = of_day <= end if rule.end_allowed else of_day < end
    return (of_day >= clock(rule.start)) & before_end


def _zone_columns(rows: pl.DataFrame) -> list[tuple[str, str]]:
    return [(name, f"k{name[1:]}") for name in rows.columns if name[0] == "z" and name[1:].isdigit()]


def _hours(policy: Policy, rows: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Whether the hours block each row (its ``at`` is outside them in one of the debtor's zones),
    and the earliest instant from ``at`` on that is inside them in every zone (null: never)."""
    rule = policy.hours
    assert rule is not None
    zones = _zone_columns(rows)
    columns = ["at", "hours_exempt", *(name for pair in zones for name in pair)]
    frame = rows.select(columns).with_columns(
        offsets(rows, "at", zone, known).alias(f"o{zone}") for zone, known in zones
    )
    outside = [pl.col(zone).is_not_null() & ~_in_hours(policy, pl.col("at") + pl.col(f"o{zone}"))
               for zone, _ in zones]  # fmt: skip
    flag = frame.select(~pl.col("hours_exempt") & pl.any_horizontal(outside)).to_series()
    retry = _nulls(rows.height)
    blocked = frame.with_row_index("_p").filter(flag)
    if blocked.is_empty():
        return flag, retry
    # candidate instants: ``at``, and the start of the hours on the next three local days of every zone
    options = ["at"]
    start = clock(rule.start)
    for zone, known in zones:
        for ahead in range(3):
            local = ((pl.col("at") + pl.col(f"o{zone}")) // DAY + ahead) * DAY + start
            name = f"{zone}+{ahead}"
            blocked = blocked.with_columns(local.alias("local"))
            blocked = blocked.with_columns(to_utc(blocked, "local", zone, known).alias(name))
            options.append(name)
    good = []
    for option in options:
        inside = [pl.col(option) >= pl.col("at")]
        for zone, known in zones:
            offset = offsets(blocked, option, zone, known)
            inside.append(pl.col(zone).is_null() | _in_hours(policy, pl.col(option) + offset))
        good.append(pl.when(pl.all_horizontal(inside)).then(pl.col(option)))
    earliest = blocked.select(pl.min_horizontal(good)).to_series()
    return flag, retry.scatter(blocked.get_column("_p"), earliest)


def _midnight(rows: pl.DataFrame, day: pl.Expr) -> pl.Series:
    """The instant the local ``day`` starts in each row's home zone."""
    return to_utc(rows.with_columns((day * DAY).alias("local")), "local", "z0", "k0")


def _calls(policy: Policy, rows: pl.DataFrame, calls: pl.LazyFrame) -> pl.DataFrame:
    """row, and for each call-count rule its flag and retry, for the rows that are calls."""
    rows = rows.filter(pl.col("channel") == "call")
    kept = [name for name in COUNTED if name in rows.columns]
    if kept:  # checked before: count again only for the rows now on another day
        same = pl.col("day") == pl.col("counted_day")
        again = rows.filter(~same).drop(kept)
        again = again.with_columns(counts(policy, again, calls).drop("row")).select(rows.columns)
        rows = pl.concat([rows.filter(same), again])
    else:
        rows = rows.with_columns(counts(policy, rows, calls).drop("row"))
    rows = rows.with_columns(counted_day=pl.col("day"))
    to_debtor = pl.col("party") == "debtor"
    out = rows.select("row", *(name for name in COUNTED if name in rows.columns), "counted_day")
    tomorrow = _midnight(rows, pl.col("day") + 1)
    if (rule := policy.connected_calls) is not None:
        flag = to_debtor & ~pl.col("connected_lifted") & (pl.col("connected") >= rule.max_per_day)
        out = out.with_columns(connected_calls=rows.select(flag).to_series(), connected_calls_retry=tomorrow)
    if (rule := policy.attempts_per_point) is not None:
        cap = pl.col("contact_point").is_not_null() & ~pl.col("attempts_lifted")
        flag = cap & (pl.col("attempts") >= rule.max_per_day)
        out = out.with_columns(
            attempts_per_point=rows.select(flag).to_series(), attempts_per_point_retry=tomorrow
        )
    if (rolling := policy.rolling_calls) is not None:
        over = rows.select(to_debtor & (pl.col("rolling") >= rolling.max_attempts)).to_series()
        blocked = rows.filter(over)
        ahead = rolling_ahead(policy, blocked, calls)
        first = pl.min_horizontal(
            pl.when(pl.col(str(k)) < rolling.max_attempts).then(pl.lit(k)) for k in range(1, rolling.days + 1)
        )
        blocked = blocked.with_columns(ahead.select(first.alias("ahead")))
        retry = _midnight(blocked, pl.col("day") + pl.col("ahead"))
        out = out.with_columns(rolling_calls=over).join(
            blocked.select("row", rolling_calls_retry=retry), on="row", how="left", maintain_order="left"
        )
    if (cooldown := policy.conversation_cooldown) is not None:
        flag = to_debtor & pl.col("talked").is_not_null()
        retry = _midnight(rows, pl.col("day") + pl.col("talked") + cooldown.days)
        out = out.with_columns(
            conversation_cooldown=rows.select(flag).to_series(), conversation_cooldown_retry=retry
        )
    return out
