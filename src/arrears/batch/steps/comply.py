"""Compliance step: every due action passes the rulebook (the vectorised check of issue 4).

Contacts (calls, SMS, e-mails, app and WeChat notices, visits, letters) are checked at the time they
are planned on the day, in the debtor's home zone, each with the contact point it goes to
(``reach.point_of``); an action blocked only until later that day is kept for that later time. Tasks
(legal review, agency placement) are people's work, not contacts: an active hold that the policy
says blocks contact blocks them too. Contacts are consolidated per customer: one call, one SMS, one
e-mail, one notice and one visit at most per customer and day, for the account where it is worth most.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from arrears.batch.steps.reach import PUSH_POINT, point_of
from arrears.compliance.frame import CANDIDATE_SCHEMA, HISTORY_SCHEMA, decide_frame
from arrears.compliance.policy import Policy

UTC_DATETIME = pl.Datetime("us", "UTC")
PLANNED = {"call": time(9), "sms": time(10), "visit": time(10), "letter": time(9), "email": time(9),
           "push": time(10)}  # fmt: skip
TASKS = ("legal_review", "agency_placement")
CONSOLIDATED = ("call", "sms", "email", "push", "visit")
HOLD_RULE = "HOLD"


def _planned_at(frame: pl.DataFrame, as_of: date) -> pl.Series:
    """The UTC instant each row's action is planned for: its channel's local time in the home zone."""
    key = pl.col("zones").list.first() + "|" + pl.col("channel")
    keys = frame.select(key.unique()).to_series().to_list()
    instants = {}
    for pair in keys:
        zone, channel = pair.split("|")
        local = datetime.combine(as_of, PLANNED[channel], ZoneInfo(zone))
        instants[pair] = int(local.timestamp()) * 1_000_000
    return frame.select(key.replace_strict(instants, return_dtype=pl.Int64).cast(UTC_DATETIME)).to_series()


def situation_of(account: dict[str, Any], channel: str, now: datetime) -> dict[str, Any]:
    """The check contract's situation of one planned contact of a portfolio row, as ``comply`` lays it
    out for the vectorised check: for the scalar check (benchmarks, tests)."""
    return {
        "now": now.isoformat(),
        "action": {
            "channel": channel,
            "contact_point": _point(account, channel),
            "staff_count": 2 if channel == "visit" else None,
            "recording": True,
        },
        "debtor": {
            "timezones": account["zones"],
            "holds": account["holds"],
            "consents": account["consents"],
            "opted_out_points": account["opted_out_points"],
        },
        "history": [{**c, "at": c["at"].isoformat()} for c in account["recent_contacts"]],
    }


def _point(account: dict[str, Any], channel: str) -> str | None:
    """The contact point of ``channel`` on a portfolio row, as ``reach.point_of`` picks it."""
    columns = {"call": "contact_point", "sms": "contact_point", "email": "email_point"}
    point: str | None = account[columns[channel]] if channel in columns else None
    return PUSH_POINT if channel == "push" else point


def _history(accounts: pl.DataFrame) -> pl.DataFrame:
    """The recent contacts of every customer, each once."""
    contacts = (
        accounts.select(pl.col("customer_id").alias("debtor"), "recent_contacts")
        .explode("recent_contacts")
        .drop_nulls("recent_contacts")
        .unnest("recent_contacts")
        .unique()
    )
    return contacts.with_columns(
        actor=pl.lit("bank"), connected=pl.col("connected"), conversation=pl.col("conversation")
    ).select([pl.col(name).cast(dtype) for name, dtype in HISTORY_SCHEMA.items()])


def comply(candidates: pl.DataFrame, accounts: pl.DataFrame, *, policy: Policy, as_of: date) -> pl.DataFrame:
    """The candidates with decision (allow or block), rules and scheduled_at (null when blocked)."""
    people = accounts.select(
        "account_id",
        "customer_id",
        "zones",
        "holds",
        "consents",
        "opted_out_points",
        "contact_point",
        "email_point",
    )
    rows = candidates.join(people, on="account_id", how="left", maintain_order="left")
    contacts = rows.filter(~pl.col("channel").is_in(TASKS))
    tasks = rows.filter(pl.col("channel").is_in(TASKS))
    checked = _contacts(contacts, accounts, policy, as_of)
    blocking = list(policy.holds.blocking) if policy.holds else []
    held = (
        pl.any_horizontal(pl.col("holds").list.contains(kind) for kind in blocking)
        if blocking
        else pl.lit(False)
    )
    rule = policy.holds.rule if policy.holds else HOLD_RULE
    tasks = tasks.with_columns(
        decision=pl.when(held).then(pl.lit("block")).otherwise(pl.lit("allow")),
        rules=pl.when(held).then(pl.lit([rule])).otherwise(pl.lit([], pl.List(pl.String))),
        scheduled_at=pl.when(held)
        .then(pl.lit(None, UTC_DATETIME))
        .otherwise(pl.lit(datetime.combine(as_of, time(0))).dt.replace_time_zone("UTC")),
    )
    columns = [*candidates.columns, "customer_id", "decision", "rules", "scheduled_at"]
    return pl.concat([checked.select(columns), tasks.select(columns)])


def _contacts(rows: pl.DataFrame, accounts: pl.DataFrame, policy: Policy, as_of: date) -> pl.DataFrame:
    rows = rows.with_columns(now=_planned_at(rows, as_of))
    frame = (
        rows.with_row_index("id")
        .select(
            pl.col("id").cast(pl.String),
            pl.col("customer_id").alias("debtor"),
            "now",
            "channel",
            party=pl.lit("debtor"),
            contact_point=point_of(pl.col("channel")),
            actor=pl.lit("bank"),
            purpose=pl.lit("collect"),
            discloses_debt=pl.lit(False),
            staff_count=pl.when(pl.col("channel") == "visit").then(pl.lit(2)),  # visits are planned in pairs
            recording=pl.lit(True),
            zones="zones",
            holds="holds",
            consents="consents",
            opted_out_points="opted_out_points",
        )
        .with_columns(
            *(
                pl.lit(None, dtype).alias(name)
                for name, dtype in CANDIDATE_SCHEMA.items()
                if name.startswith(("agency", "unreachable"))
            )
        )
        .select([pl.col(name).cast(dtype) for name, dtype in CANDIDATE_SCHEMA.items()])
    )
    decided = decide_frame(policy, frame, _history(accounts))
    blocked = decided.get_column("decision") == "block"
    later_today = decided.get_column("next_allowed_at").dt.date() == rows.get_column("now").dt.date()
    later = blocked & later_today.fill_null(False)  # e.g. an SMS planned before the hours start
    return rows.with_columns(
        decision=pl.when(later).then(pl.lit("allow")).otherwise(decided.get_column("decision")),
        rules=pl.when(later).then(pl.lit([], pl.List(pl.String))).otherwise(decided.get_column("rules")),
        scheduled_at=pl.when(~blocked)
        .then(pl.col("now"))
        .when(later)
        .then(decided.get_column("next_allowed_at")),
    )


def consolidate(checked: pl.DataFrame, shared: pl.Series) -> pl.DataFrame:
    """The allowed actions, with at most one call, SMS and visit per customer, where worth most.
    ``shared``: the customers with more than one account (the others need no look)."""
    allowed = checked.filter(pl.col("decision") == "allow")
    if shared.is_empty():
        return allowed
    mine = pl.col("customer_id").is_in(shared.implode()) & pl.col("channel").is_in(CONSOLIDATED)
    several = allowed.filter(mine)
    best = several.sort("value_fen", "account_id", descending=[True, False]).unique(
        ["customer_id", "channel"], keep="first", maintain_order=True
    )
    return pl.concat([allowed.filter(~mine), best])
