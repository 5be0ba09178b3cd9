"""Where each contact goes: the contact point of a due action, and the actions that have none.

Calls and SMS go to the account's phone (``contact_point``), e-mails to its e-mail address
(``email_point``), app and WeChat notices (``push``) to the customer's own account at the bank, which
every customer has: its point is :data:`PUSH_POINT`, so a portfolio row whose ``opted_out_points``
holds ``push`` turned these notices off. Visits, letters and the tasks name no point.

A call, SMS or e-mail without a point to go to is skipped before compliance and counted by reason
(``no_phone``, ``no_email``) for the run report.
"""

from __future__ import annotations

import polars as pl

PUSH_POINT = "push"
PHONE_CHANNELS = ("call", "sms")
# channel -> (the portfolio column holding its point, the reason it is skipped without one)
NEEDS = {"call": ("contact_point", "no_phone"), "sms": ("contact_point", "no_phone"),
         "email": ("email_point", "no_email")}  # fmt: skip
SKIPPED_SCHEMA = {"channel": pl.String, "rule": pl.String, "actions": pl.Int64}


def point_of(channel: pl.Expr) -> pl.Expr:
    """The contact point an action of ``channel`` goes to (null: none, or a channel without one), over
    rows carrying the portfolio's ``contact_point`` and ``email_point``."""
    return (
        pl.when(channel.is_in(PHONE_CHANNELS))
        .then(pl.col("contact_point"))
        .when(channel == "email")
        .then(pl.col("email_point"))
        .when(channel == "push")
        .then(pl.lit(PUSH_POINT))
        .otherwise(pl.lit(None, pl.String))
    )


def reachable(candidates: pl.DataFrame, accounts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The candidates (account_id, channel, ...) that have a point to go to, in their order, and the
    others counted as (channel, rule: the reason, actions)."""
    points = accounts.select("account_id", "contact_point", "email_point")
    rows = candidates.join(points, on="account_id", how="left", maintain_order="left")
    needs_point = pl.col("channel").is_in(list(NEEDS))
    missing = needs_point & point_of(pl.col("channel")).is_null()
    reasons = {channel: reason for channel, (_, reason) in NEEDS.items()}
    skipped = (
        rows.filter(missing)
        .group_by("channel")
        .agg(actions=pl.len())
        .with_columns(rule=pl.col("channel").replace_strict(reasons, return_dtype=pl.String))
        .select([pl.col(name).cast(dtype) for name, dtype in SKIPPED_SCHEMA.items()])
    )
    return candidates.filter(~rows.select(missing).to_series()), skipped
