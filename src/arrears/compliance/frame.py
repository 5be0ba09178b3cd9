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

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from arrears.compliance.policy import Policy
from arrears.compliance.situation import Situation

UTC_DATETIME = pl.Datetime("us", "UTC")
CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "debtor": pl.String(),
    "now": UTC_DATETIME,
    "channel": pl.String(),
    "party": pl.String(),
    "contact_point": pl.String(),
    "actor": pl.String(),
    "purpose": pl.String(),
    "discloses_debt": pl.Boolean(),
    "staff_count": pl.Int64(),
    "recording": pl.Boolean(),
    "zones": pl.List(pl.String()),
    "holds": pl.List(pl.String()),
    "consents": pl.List(pl.String()),
    "opted_out_points": pl.List(pl.String()),
    "unreachable_since": UTC_DATETIME,
    "agency_code": pl.String(),
    "agency_whitelisted": pl.Boolean(),
    "agency_last_inspection_date": pl.Date(),
    "agency_contract_valid_until": pl.Date(),
}
HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "debtor": pl.String(),
    "at": UTC_DATETIME,
    "channel": pl.String(),
    "contact_point": pl.String(),
    "party": pl.String(),
    "actor": pl.String(),
    "connected": pl.Boolean(),
    "conversation": pl.Boolean(),
}
MAX_STEPS = 64


# Zones whose UTC offset does not change over the dates a decision looks at (set by decide_frame):
# their rows are converted with plain arithmetic instead of one partition per zone.
_FIXED: ContextVar[dict[str, int] | None] = ContextVar("fixed_offsets", default=None)
Zone = str | pl.Expr | None  # a zone name, or an expression giving each row's UTC offset in seconds


def fixed_offsets(zones: Iterable[str], start: datetime, end: datetime) -> dict[str, int]:
    """The zones among ``zones`` whose offset is the same at every hour from ``start`` to ``end``."""
    fixed = {}
    for name in zones:
        zone = ZoneInfo(name)
        offsets: set[int] = set()
        moment = start
        while moment <= end and len(offsets) < 2:
            offset = moment.astimezone(zone).utcoffset()
            offsets.add(int(offset.total_seconds()) if offset is not None else 0)
            moment += timedelta(hours=1)
        if len(offsets) == 1:
            fixed[name] = offsets.pop()
    return fixed


def _by_zone(frame: pl.DataFrame, zone: str, build: object) -> pl.DataFrame:
    """Applies ``build(zone) -> list[Expr]`` to the rows of each zone. Zones with a fixed offset are
    done at once with an offset column; the others one partition each (Polars converts time zones
    per column, not per row). Row order is not kept; callers join on keys."""
    if frame.is_empty():
        return frame.with_columns(build(None))  # type: ignore[operator]
    fixed = _FIXED.get() or {}
    known = pl.col(zone).is_in(list(fixed))
    parts = []
    simple = frame.filter(known) if fixed else frame.clear()
    if not simple.is_empty():
        offset = pl.col(zone).replace_strict(fixed, return_dtype=pl.Int64)
        parts.append(simple.with_columns(build(offset)))  # type: ignore[operator]
    rest = frame.filter(~known) if fixed else frame
    parts += [
        part.with_columns(build(name))  # type: ignore[operator]
        for (name,), part in rest.partition_by(zone, as_dict=True).items()
    ]
    return pl.concat(parts) if parts else frame.with_columns(build(None))  # type: ignore[operator]


def _local(moment: str, prefix: str) -> object:
    def build(zone: Zone) -> list[pl.Expr]:
        if isinstance(zone, pl.Expr):
            local = pl.col(moment) + pl.duration(seconds=zone)  # still marked UTC: its wall clock is local
        else:
            local = pl.col(moment).dt.convert_time_zone(zone or "UTC")
        return [local.dt.date().alias(f"{prefix}_date"), local.dt.time().alias(f"{prefix}_time")]

    return build


def _instant(day: pl.Expr, clock: time, out: str) -> object:
    """The UTC instant of ``clock`` on local ``day`` in the row's zone (earliest when ambiguous)."""

    def build(zone: Zone) -> list[pl.Expr]:
        naive = day.dt.combine(clock)
        if isinstance(zone, pl.Expr):
            return [(naive.dt.replace_time_zone("UTC") - pl.duration(seconds=zone)).alias(out)]
        local = naive.dt.replace_time_zone(zone or "UTC", ambiguous="earliest", non_existent="null")
        return [local.dt.convert_time_zone("UTC").alias(out)]

    return build


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
    zones = _by_zone(zones, "zone", _local("at", "local"))
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
    starts = _by_zone(starts, "zone", _instant(pl.col("day"), rule.start, "candidate"))
    options = pl.concat(
        [
            starts.select("row", "candidate"),
            zones.join(blocked, on="row").select("row", pl.col("at").alias("candidate")),
        ]
    ).unique()
    at = zones.select("row", "at").unique()
    options = options.join(at, on="row").filter(pl.col("candidate") >= pl.col("at")).drop("at")
    per_zone = options.join(zones.select("row", "zone"), on="row")
    per_zone = _by_zone(per_zone, "zone", _local("candidate", "c"))
    good = per_zone.group_by("row", "candidate").agg(ok=_in_hours(policy, pl.col("c_time")).all())
    retry = good.filter("ok").group_by("row").agg(hours_retry=pl.col("candidate").min())
    several = state.join(retry, on="row", how="left").select("row", "hours_block", "hours_retry")
    return pl.concat([single, several])


def _hours_one_zone(policy: Policy, rows: pl.DataFrame) -> pl.DataFrame:
    """The hours of debtors with one zone: blocked rows wait for today's start of the hours when it
    is still ahead, else tomorrow's."""
    rule = policy.hours
    assert rule is not None
    local = _by_zone(
        rows.select("row", "at", pl.col("zones").list.first().alias("zone")), "zone", _local("at", "local")
    )
    local = local.with_columns(hours_block=~_in_hours(policy, pl.col("local_time")))
    ahead = pl.col("local_time") < rule.start
    day = pl.when(ahead).then(pl.col("local_date")).otherwise(pl.col("local_date") + pl.duration(days=1))
    blocked = local.filter("hours_block").with_columns(day=day)
    retry = _by_zone(blocked, "zone", _instant(pl.col("day"), rule.start, "hours_retry"))
    return local.select("row", "hours_block").join(retry.select("row", "hours_retry"), on="row", how="left")


def _day_counts(policy: Policy, history: pl.DataFrame, homes: pl.DataFrame) -> pl.DataFrame:
    """Per debtor and local day (home zone): calls to the debtor, connected ones, conversations."""
    calls = history.filter(pl.col("channel") == "call").join(homes, on="debtor")
    calls = _by_zone(calls, "home", _local("at", "h"))
    return calls.rename({"h_date": "day"})


def _timed(policy: Policy, rows: pl.DataFrame, calls: pl.DataFrame) -> pl.DataFrame:
    """For rows (row, debtor, at, home, channel, party, contact_point, consents, zones): whether the
    time-based rules block at ``at``, which ones, and when the last of them lifts (null: never)."""
    rows = _by_zone(rows, "home", _local("at", "today")).rename({"today_date": "today"}).drop("today_time")
    results = rows.select("row")
    blocks: list[tuple[str, str]] = []  # (flag column, rule id)
    retries: list[str] = []
    hours = _hours(policy, rows)
    if policy.hours is not None:
        results = results.join(hours, on="row", how="left")
        blocks.append(("hours_block", policy.hours.rule))
        retries.append("hours_retry")
    to_debtor = (pl.col("channel") == "call") & (pl.col("party") == "debtor")
    day_calls = calls.filter(pl.col("party") == "debtor")

    def midnight(flagged: pl.DataFrame, out: str) -> pl.DataFrame:
        """row, ``out``: the start of the next local day, for the flagged rows only."""
        days = rows.select("row", "home", "today").join(flagged.select("row"), on="row")
        after = _instant(pl.col("today") + pl.duration(days=1), time(0), out)
        return _by_zone(days, "home", after).select("row", out)

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
            counted = day_calls.filter("connected").group_by("debtor", "day").agg(n=pl.len())
            keys = ["debtor", "today"]
            joined = rows.filter(applies).join(counted, left_on=keys, right_on=["debtor", "day"], how="left")
        else:
            counted = calls.group_by("debtor", "contact_point", "day").agg(n=pl.len())
            keys = ["debtor", "contact_point", "today"]
            joined = rows.filter(applies).join(
                counted, left_on=keys, right_on=["debtor", "contact_point", "day"], how="left"
            )
        flag = joined.select("row", (pl.col("n").fill_null(0) >= section.max_per_day).alias(f"{name}_block"))
        flag = flag.join(midnight(flag.filter(f"{name}_block"), f"{name}_retry"), on="row", how="left")
        results = results.join(flag, on="row", how="left")
        blocks.append((f"{name}_block", section.rule))
        retries.append(f"{name}_retry")
    per_day = day_calls.group_by("debtor", "day").agg(n=pl.len(), talked=pl.col("conversation").any())
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
        first_ok = _by_zone(later, "home", _instant(pl.col("day"), time(0), "rolling_retry")).select(
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
        last = _by_zone(
            last,
            "home",
            _instant(pl.col("last") + pl.duration(days=rule.days), time(0), "conversation_retry"),
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


def _static(policy: Policy, frame: pl.DataFrame, history: pl.DataFrame) -> list[tuple[str, pl.Expr]]:
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
    token = _FIXED.set(_fixed_for(policy, candidates, history))
    try:
        return _decide(policy, candidates, history)
    finally:
        _FIXED.reset(token)


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
    calls = _day_counts(policy, history, homes)
    contacted = history.filter(pl.col("party") == "third_party").select("debtor", "contact_point").unique()
    frame = frame.join(
        contacted.with_columns(third_party_contacted=pl.lit(True)), on=["debtor", "contact_point"], how="left"
    )
    frame = _by_zone(frame, "home", _local("now", "today")).rename({"today_date": "today"}).drop("today_time")
    static = _static(policy, frame, history)
    static_rules = (
        pl.concat_list(
            pl.when(expr).then(pl.lit(rule)).otherwise(pl.lit(None, pl.String)) for rule, expr in static
        ).list.drop_nulls()
        if static
        else pl.lit([], pl.List(pl.String))
    )
    frame = frame.with_columns(static_rules=static_rules)
    timed_columns = ["row", "debtor", "home", "channel", "party", "contact_point", "consents", "zones"]
    first = _timed(policy, frame.select(*timed_columns, at=pl.col("now")), calls)
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
        step = _timed(policy, pending, calls)
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


def situations_frames(situations: list[Situation]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parsed situations as the (candidates, history) frames of ``decide_frame`` (one debtor each)."""
    candidates, history = [], []
    for index, s in enumerate(situations):
        debtor = f"d{index}"
        a, agency = s.action, s.agency
        candidates.append(
            {
                "id": str(s.id),
                "debtor": debtor,
                "now": s.now,
                "channel": a.channel,
                "party": a.party,
                "contact_point": a.contact_point,
                "actor": a.actor,
                "purpose": a.purpose,
                "discloses_debt": a.discloses_debt,
                "staff_count": a.staff_count,
                "recording": a.recording,
                "zones": [zone.key for zone in s.zones],
                "holds": list(s.holds),
                "consents": list(s.consents),
                "opted_out_points": list(s.opted_out_points),
                "unreachable_since": s.unreachable_since,
                "agency_code": agency.code if agency else None,
                "agency_whitelisted": agency.whitelisted if agency else None,
                "agency_last_inspection_date": agency.last_inspection_date if agency else None,
                "agency_contract_valid_until": agency.contract_valid_until if agency else None,
            }
        )
        history += [
            {
                "debtor": debtor,
                "at": c.at,
                "channel": c.channel,
                "contact_point": c.contact_point,
                "party": c.party,
                "actor": c.actor,
                "connected": c.connected,
                "conversation": c.conversation,
            }
            for c in s.history
        ]
    return (
        pl.DataFrame(candidates, schema=CANDIDATE_SCHEMA),
        pl.DataFrame(history, schema=HISTORY_SCHEMA),
    )
