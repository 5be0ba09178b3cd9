"""Agency commissions a month at once: the rules of ``commission_rules`` (attribution, the rate at
placement, per-payment rounding, the statement's figures) applied to every line of a month as Polars
frames, DataFrame in, DataFrame out, pure. Hypothesis tests hold each to its line-by-line rule:
``attribute_frame`` to ``attribute``, ``rate_frame`` to ``price``, ``commission_expr`` to
``commission_fen``, ``tally_of`` to ``Tally.add``, ``amount_band_expr`` to ``RateBand.amount_band``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from arrears.agencies.commission_rules import BP, REVERSAL, Group, Placement, Priced, Schedule, Tally

LINES = {"agency_code": pl.String, "paid_date": pl.Date, "payment_id": pl.Int64, "payment_ref": pl.String,
         "amount_fen": pl.Int64, "source": pl.String, "placement_id": pl.Int64}  # fmt: skip
RATES = {"placement_id": pl.Int64, "account_tail": pl.String, "placed_on": pl.Date, "dpd": pl.Int64,
         "bucket": pl.String, "overdue_fen": pl.Int64, "age_band": pl.String, "min_dpd": pl.Int64,
         "max_dpd": pl.Int64, "min_overdue_fen": pl.Int64, "max_overdue_fen": pl.Int64, "rate_bp": pl.Int64,
         "unrated": pl.String}  # fmt: skip


PAYMENTS = {"payment_id": pl.Int64, "payment_ref": pl.String, "account_id": pl.Int64, "paid_date": pl.Date,
            "amount_fen": pl.Int64, "source": pl.String, "reverses_id": pl.Int64}  # fmt: skip
SPANS = {"placement_id": pl.Int64, "account_id": pl.Int64, "agency_code": pl.String, "placed_on": pl.Date,
         "last_day": pl.Date}  # fmt: skip
DAYS = {"payment_id": pl.Int64, "paid_date": pl.Date}


def attribute_frame(payments: pl.DataFrame, spans: pl.DataFrame, paid_dates: pl.DataFrame) -> pl.DataFrame:
    """:func:`attribute` of a month's payments at once: the attributed ones as ``LINES``, by agency, date
    and payment. ``spans`` holds every placement that may cover them (``SPANS``), ``paid_dates`` the date
    of every payment a reversal may name (``DAYS``)."""
    named = paid_dates.rename({"payment_id": "reverses_id", "paid_date": "named_date"})
    days = payments.join(named, on="reverses_id", how="left").with_columns(
        day=pl.when((pl.col("source") == REVERSAL) & pl.col("named_date").is_not_null())
        .then(pl.col("named_date"))
        .otherwise(pl.col("paid_date"))
    )  # fmt: skip
    covered = days.join(spans.unique("placement_id"), on="account_id", how="inner").filter(
        (pl.col("placed_on") <= pl.col("day")) & (pl.col("day") <= pl.col("last_day"))
    )
    return covered.select(list(LINES)).sort("agency_code", "paid_date", "payment_id")


HELD = {"placement_id": pl.Int64, "account_id": pl.Int64, "agency_code": pl.String, "placed_on": pl.Date,
        "last_day": pl.Date, "dpd": pl.Int64, "overdue_fen": pl.Int64, "bucket": pl.String,
        "account_tail": pl.String}  # fmt: skip
BANDS = {"agency_code": pl.String, "effective_from": pl.Date, "band_no": pl.Int64, "age_band": pl.String,
         "min_dpd": pl.Int64, "max_dpd": pl.Int64, "min_overdue_fen": pl.Int64, "max_overdue_fen": pl.Int64,
         "rate_bp": pl.Int64}  # fmt: skip


def bands_frame(schedules: Iterable[Schedule]) -> pl.DataFrame:
    """Every band of the schedules (``BANDS``), numbered in their schedule's order."""
    rows = [(one.agency_code, one.effective_from, number, band.age_band, band.min_dpd, band.max_dpd,
             band.min_overdue_fen, band.max_overdue_fen, band.rate_bp)
            for one in schedules for number, band in enumerate(one.bands)]  # fmt: skip
    return pl.DataFrame(rows, schema=BANDS, orient="row")


def rate_frame(placements: pl.DataFrame, bands: pl.DataFrame) -> pl.DataFrame:
    """:func:`price` of every placement (``HELD``) at once: its ``RATES`` row (the band of the schedule in
    force on its placement day holding its age and amount at placement; unrated with the reason)."""
    starts = bands.select("agency_code", "effective_from").unique()
    in_force = (
        placements.select("placement_id", "agency_code", "placed_on")
        .join(starts, on="agency_code", how="inner")
        .filter(pl.col("effective_from") <= pl.col("placed_on"))
        .group_by("placement_id")
        .agg(pl.col("effective_from").max())
    )
    dpd, overdue = pl.col("dpd"), pl.col("overdue_fen")
    matched = (
        placements.select("placement_id", "agency_code", "dpd", "overdue_fen")
        .join(in_force, on="placement_id", how="inner")
        .join(bands, on=["agency_code", "effective_from"], how="inner")
        .filter((pl.col("min_dpd") <= dpd) & (pl.col("max_dpd").is_null() | (dpd <= pl.col("max_dpd")))
                & (pl.col("min_overdue_fen") <= overdue)
                & (pl.col("max_overdue_fen").is_null() | (overdue < pl.col("max_overdue_fen"))))
        .filter(pl.col("band_no") == pl.col("band_no").min().over("placement_id"))  # the first that holds
        .select("placement_id", "age_band", "min_dpd", "max_dpd", "min_overdue_fen", "max_overdue_fen",
                "rate_bp")
    )  # fmt: skip
    unrated = (
        pl.when(pl.col("rate_bp").is_not_null()).then(pl.lit(None, pl.String))
        .when(pl.col("has_schedule").is_null()).then(pl.lit("no_schedule"))
        .when(dpd.is_null() | overdue.is_null()).then(pl.lit("no_delinquency"))
        .otherwise(pl.lit("no_band"))
    )  # fmt: skip
    return (
        placements.join(
            in_force.select("placement_id", has_schedule=pl.lit(True)), on="placement_id", how="left"
        )
        .join(matched, on="placement_id", how="left")
        .with_columns(unrated=unrated, rate_bp=pl.col("rate_bp").fill_null(0))
        .select(list(RATES))
    )


def rate_row(placement: Placement, tail: str | None, priced: Priced) -> tuple[Any, ...]:
    """A placement's row of the ``RATES`` frame."""
    band = priced.band
    return (placement.id, tail, placement.placed_on, placement.dpd, placement.bucket, placement.overdue_fen,
            band.age_band if band else None, band.min_dpd if band else None, band.max_dpd if band else None,
            band.min_overdue_fen if band else None, band.max_overdue_fen if band else None, priced.rate_bp,
            priced.unrated)  # fmt: skip


def commission_expr(amount: pl.Expr, rate_bp: pl.Expr) -> pl.Expr:
    """:func:`commission_fen` of every line at once (half away from zero, to the fen)."""
    magnitude = (amount.abs() * rate_bp * 2 + BP) // (2 * BP)
    return pl.when(amount < 0).then(-magnitude).otherwise(magnitude)


def price_lines(lines: pl.DataFrame, rates: pl.DataFrame) -> pl.DataFrame:
    """Each line (``LINES``) with its placement's rate (``RATES``; every placement of the lines) and its
    ``commission_fen``, by agency, date and payment."""
    joined = lines.join(rates, on="placement_id", how="left")
    priced = joined.with_columns(commission_fen=commission_expr(pl.col("amount_fen"), pl.col("rate_bp")))
    return priced.sort("agency_code", "paid_date", "payment_id")


def tally_of(priced: pl.DataFrame) -> Tally:
    """One agency's priced lines summed as :class:`Tally` would sum them one by one."""
    tally = Tally()
    if priced.is_empty():
        return tally
    reversal = pl.col("source") == REVERSAL
    sums = priced.select(
        pl.len().alias("payments"), pl.col("amount_fen").sum().alias("collected"),
        pl.col("commission_fen").sum().alias("commission"),
        pl.col("commission_fen").filter(reversal).sum().alias("clawback"), reversal.sum().alias("reversals"),
        pl.col("unrated").is_not_null().sum().alias("unrated"),
        pl.col("amount_fen").filter(pl.col("unrated").is_not_null()).sum().alias("unrated_fen"),
    ).row(0, named=True)  # fmt: skip
    tally.payments, tally.collected_fen, tally.commission_fen = (
        sums["payments"],
        sums["collected"],
        sums["commission"],
    )
    tally.clawback_fen, tally.reversals = sums["clawback"], sums["reversals"]
    tally.unrated_payments, tally.unrated_fen = sums["unrated"], sums["unrated_fen"]
    keys = ["unrated", "age_band", "min_dpd", "max_dpd", "min_overdue_fen", "max_overdue_fen", "rate_bp"]
    grouped = priced.group_by(keys).agg(pl.len().alias("n"), pl.col("amount_fen").sum().alias("collected"),
                                        pl.col("commission_fen").sum().alias("commission"))  # fmt: skip
    for row in grouped.iter_rows(named=True):
        if row["unrated"] is not None:
            key: tuple[Any, ...] = ("unrated", row["unrated"])
        else:
            key = ("band", row["age_band"], row["min_dpd"], row["max_dpd"], row["min_overdue_fen"],
                   row["max_overdue_fen"], row["rate_bp"])  # fmt: skip
        tally.groups[key] = Group(row["n"], row["collected"], row["commission"])
    return tally


def yuan_expr(fen: pl.Expr) -> pl.Expr:
    """Fen as plain yuan text (``-123.45``), every line at once."""
    whole, cents = (fen.abs() // 100).cast(pl.String), (fen.abs() % 100).cast(pl.String).str.zfill(2)
    return pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit("")) + whole + pl.lit(".") + cents


def amount_band_expr() -> pl.Expr:
    """:meth:`RateBand.amount_band` of every line's band at once (empty when unrated)."""
    low = pl.col("min_overdue_fen")
    high = pl.col("max_overdue_fen")
    return (
        pl.when(low.is_null()).then(pl.lit(""))
        .when(high.is_null()).then(_grouped_yuan(low) + pl.lit("+"))
        .otherwise(_grouped_yuan(low) + pl.lit("-") + _grouped_yuan(high))
    )  # fmt: skip


def _grouped_yuan(fen: pl.Expr) -> pl.Expr:
    """``format_fen`` (yuan with thousands separators) of non-negative amounts."""
    whole = (fen // 100).cast(pl.String)
    grouped = whole.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.reverse().str.strip_chars_start(",")
    return grouped + pl.lit(".") + (fen % 100).cast(pl.String).str.zfill(2)


def text_cell_expr(value: pl.Expr) -> pl.Expr:
    """:func:`arrears.messaging.letters.rules.as_text_cell` over a column: a text from the bank's data (a
    payment's reference) that a spreadsheet would run as a formula (= + - @, a tab or a return first)
    kept as text by a leading apostrophe."""
    risky = value.str.contains(r"^[=+\-@\t\r]")
    return pl.when(risky).then(pl.lit("'") + value).otherwise(value).alias(value.meta.output_name())


def csv_frame(priced: pl.DataFrame) -> pl.DataFrame:
    """The statement's CSV lines (``commission_files.CSV_HEADER``), the account masked to its last four."""
    text = pl.String
    return priced.select(
        text_cell_expr(pl.col("payment_ref")),
        (pl.lit("****") + pl.col("account_tail").fill_null("")).alias("account"),
        pl.col("paid_date").cast(text),
        yuan_expr(pl.col("amount_fen")).alias("amount_yuan"),
        pl.col("source"),
        pl.col("placed_on").cast(text),
        pl.col("dpd").cast(text).fill_null("").alias("dpd_at_placement"),
        pl.col("bucket").fill_null("").alias("bucket_at_placement"),
        pl.when(pl.col("overdue_fen").is_null()).then(pl.lit("")).otherwise(yuan_expr(pl.col("overdue_fen")))
        .alias("overdue_at_placement_yuan"),
        pl.col("age_band").fill_null(""),
        amount_band_expr().alias("amount_band"),
        pl.col("rate_bp").cast(text),
        yuan_expr(pl.col("commission_fen")).alias("commission_yuan"),
        pl.col("unrated").fill_null(""),
    )  # fmt: skip
