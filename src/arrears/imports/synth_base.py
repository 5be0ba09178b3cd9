"""Shared pieces of the synthetic extract (``synth.py``): random draws, the UCI sample, text helpers.

Random numbers are drawn per fixed block of ``BLOCK_ACCOUNTS`` accounts and per stream (one stream
per purpose: names, schedule, transactions, ...) from ``numpy.random.default_rng([seed, stream,
block])``. An account therefore always gets the same numbers, whichever chunk generates it, so
the rows never depend on the chunk size, and adding a draw to one stream leaves the others alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from arrears.imports.uci import bundled_path, read_uci
from arrears.scoring.features import STATUS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateArray = npt.NDArray[np.datetime64]

BLOCK_ACCOUNTS: Final = 4096
KM_PER_DEGREE: Final = 2 * math.pi * 6371.0088 / 360


class Stream(IntEnum):
    UCI_ROW = 1
    JITTER = 2
    SCHEDULE = 3
    ACCOUNT = 4
    NAME = 5
    CONTACT = 6
    HOME = 7
    WORK = 8
    TRADE = 9
    TRADE_AMOUNT = 10
    PAYMENT = 11
    PORTFOLIO = 12
    PORTFOLIO_CONTACTS = 13
    PORTFOLIO_DIGITAL = 14  # e-mail addresses and opt-outs of the e-mail and app channels


@dataclass(frozen=True, slots=True)
class Draws:
    """Random numbers of accounts ``start`` .. ``stop - 1`` (0-based), independent of chunking."""

    seed: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start

    def uniform(self, stream: Stream, width: int) -> FloatArray:
        """An array (accounts, width) of uniform numbers in [0, 1)."""
        parts = []
        for block in range(self.start // BLOCK_ACCOUNTS, (self.stop - 1) // BLOCK_ACCOUNTS + 1):
            values = np.random.default_rng([self.seed, int(stream), block]).random((BLOCK_ACCOUNTS, width))
            first = block * BLOCK_ACCOUNTS
            parts.append(values[max(self.start - first, 0) : min(self.stop - first, BLOCK_ACCOUNTS)])
        return np.concatenate(parts)

    def normal(self, stream: Stream, width: int) -> FloatArray:
        """An array (accounts, width) of standard normal numbers (Box-Muller)."""
        u = self.uniform(stream, 2 * width)
        return np.sqrt(-2.0 * np.log1p(-u[:, :width])) * np.cos(2.0 * np.pi * u[:, width:])


def weighted_pick(u: FloatArray, weights: npt.ArrayLike) -> IntArray:
    """Indexes into ``weights`` drawn with those relative weights, one per uniform of ``u``."""
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    picked = np.searchsorted(cumulative, u * cumulative[-1], side="right")
    result: IntArray = np.minimum(picked, len(cumulative) - 1).astype(np.int64)
    return result


@dataclass(frozen=True, slots=True)
class UciSample:
    """The real UCI accounts to bootstrap from (amounts in whole yuan)."""

    limit: IntArray
    sex: IntArray
    education: IntArray
    marriage: IntArray
    age: IntArray
    status: IntArray  # PAY_0: -2 .. 8, months late in the last month
    statuses: IntArray  # (rows, 6): PAY_0, PAY_2 .. PAY_6 (latest first)
    bills: IntArray  # (rows, 6): BILL_AMT1 (latest) .. BILL_AMT6
    paid: IntArray  # (rows, 6): PAY_AMT1 .. PAY_AMT6
    mean_log_bill: float  # mean and spread of log(yuan) of the positive latest bills
    sd_log_bill: float

    @property
    def rows(self) -> int:
        return len(self.limit)


def load_uci_sample() -> UciSample:
    frame = read_uci(bundled_path())

    def column(name: str) -> IntArray:
        return frame[name].to_numpy().astype(np.int64)

    bills = np.stack([column(f"BILL_AMT{j}") for j in range(1, 7)], axis=1)
    positive = np.log(bills[:, 0][bills[:, 0] > 0].astype(np.float64))
    return UciSample(
        limit=column("LIMIT_BAL"),
        sex=np.where(column("SEX") == 1, 1, 2).astype(np.int64),
        education=np.clip(column("EDUCATION"), 0, 6),
        marriage=np.clip(column("MARRIAGE"), 0, 3),
        age=np.clip(column("AGE"), 18, 99),
        status=np.clip(column("PAY_0"), -2, 8),
        statuses=np.stack([np.clip(column(name), -2, 8) for name in STATUS], axis=1),
        bills=bills,
        paid=np.stack([column(f"PAY_AMT{j}") for j in range(1, 7)], axis=1),
        mean_log_bill=float(positive.mean()),
        sd_log_bill=float(positive.std()),
    )


# --- dates ---------------------------------------------------------------------------------------


def day64(day: date) -> np.datetime64:
    return np.datetime64(day.isoformat(), "D")


def month_start(days: DateArray) -> DateArray:
    """First day of the month of each date."""
    return days.astype("datetime64[M]").astype("datetime64[D]")


def day_of_month(days: DateArray) -> IntArray:
    return (days - month_start(days)).astype(np.int64) + 1


def add_days(days: DateArray | np.datetime64, offset: IntArray | int) -> DateArray:
    result: DateArray = np.asarray(days, dtype="datetime64[D]") + np.asarray(offset, dtype="timedelta64[D]")
    return result


def shift_months(days: DateArray, months: IntArray | int) -> DateArray:
    """Same day of month ``months`` months later (negative: earlier); only for days 1-28."""
    shifted = days.astype("datetime64[M]") + np.asarray(months, dtype=np.int64)
    return add_days(shifted.astype("datetime64[D]"), day_of_month(days) - 1)


# --- text ----------------------------------------------------------------------------------------


def date_text(days: DateArray) -> pl.Series:
    return pl.Series(days.astype("datetime64[D]")).dt.to_string("%Y-%m-%d")


def padded(values: IntArray, width: int) -> pl.Series:
    return pl.Series(values).cast(pl.String).str.pad_start(width, "0")


def prefixed(prefix: str, values: IntArray, width: int) -> pl.Series:
    return (prefix + padded(values, width)).cast(pl.String)


def degrees_text(values: FloatArray) -> pl.Series:
    """Positive degrees with six decimals, exactly (no float formatting on the way)."""
    micro = np.rint(values * 1_000_000).astype(np.int64)
    return pl.Series(micro // 1_000_000).cast(pl.String) + "." + padded(micro % 1_000_000, 6)


def pick_text(options: tuple[str, ...] | list[str], index: IntArray) -> pl.Series:
    return pl.Series(options, dtype=pl.String).gather(pl.Series(index))
