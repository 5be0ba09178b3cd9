"""A synthetic delinquent book in the portfolio format of file mode (``portfolio.py``).

Each account bootstraps a delinquent row of the real UCI data (``PAY_0`` of 1 or more): its limit,
profile, six statuses, bills and payments, with amounts jittered by a few percent. Days past due
follow the status (k months late: 30(k-1)+1 to 30k days, a longer tail past 180); the balance is the
latest bill. Holds, consents, opt-outs (of the phone, the e-mail address and app notices), a second
zone and broken promises come at small fixed rates, and 4 accounts in 5 have an e-mail address; the
last week's contacts follow the stage (reminder SMS early, calls from 16 DPD).

Deterministic: the same (accounts, seed, as_of) give the same rows; random numbers are drawn per
block of accounts (``synth_base.Draws``), so the rows do not depend on the chunk size.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from arrears.batch.portfolio import CONTACT, PORTFOLIO_SCHEMA
from arrears.imports.synth_base import Draws, IntArray, Stream, UciSample, load_uci_sample, prefixed
from arrears.kit.errors import ArrearsError
from arrears.scoring.features import BILLS, PAID, STATUS

HOLDS: list[list[str]] = [[], ["dispute"], ["complaint"], ["hardship"]]
PRODUCTS = ("standard", "gold", "platinum")
ZONES = [["Asia/Shanghai"], ["Asia/Urumqi", "Asia/Shanghai"]]
CHUNK = 1_000_000
MAX_CONTACTS = 6


def _pick(options: list[list[str]], index: IntArray) -> pl.Series:
    return pl.Series(options, dtype=pl.List(pl.String)).gather(pl.Series(index))


def _opted_out(*flags: npt.NDArray[np.bool_]) -> pl.Series:
    """The opted-out points of each account: the phone ``m1``, the e-mail ``e1``, app notices ``push``."""
    points = [
        pl.when(pl.lit(pl.Series(flag))).then(pl.lit([name])).otherwise(pl.lit([], pl.List(pl.String)))
        for name, flag in zip(("m1", "e1", "push"), flags, strict=True)
    ]
    return pl.select(pl.concat_list(points)).to_series()


def _cured_before(statuses: IntArray) -> npt.NDArray[np.bool_]:
    """Late in some earlier month (PAY_3 .. PAY_6) and current in a month after it."""
    found = np.zeros(len(statuses), dtype=bool)
    for late in range(2, statuses.shape[1]):
        cured = (statuses[:, 1:late] <= 0).any(axis=1)
        found |= (statuses[:, late] >= 1) & cured
    return found


def _contacts(draws: Draws, dpd: IntArray, as_of: date) -> pl.Series:
    """The last 7 days' contacts: 0-2 reminder SMS up to 15 DPD, 0-5 calls and 0-1 SMS after."""
    u = draws.uniform(Stream.PORTFOLIO_CONTACTS, 2 + 4 * MAX_CONTACTS)
    early = dpd <= 15
    count = np.where(early, (u[:, 0] * 3).astype(np.int64), (u[:, 0] * 7).astype(np.int64))
    owner = np.repeat(np.arange(len(dpd)), count)
    position = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    pick = u[owner]
    each = np.arange(len(owner))

    def draw(slot: int) -> npt.NDArray[np.float64]:
        drawn: npt.NDArray[np.float64] = pick[each, slot + 4 * position]
        return drawn

    start = int(datetime.combine(as_of, datetime.min.time(), UTC).timestamp()) * 1_000_000
    # 00:00-13:00 UTC (08:00-21:00 in Beijing) on one of the 7 days before as_of
    day = (draw(2) * 7).astype(np.int64) + 1
    second = (draw(3) * 13 * 3600).astype(np.int64)
    at = start - day * 86_400_000_000 + second * 1_000_000
    call = ~early[owner] & ((position > 0) | (pick[:, 1] < 0.5))
    connected = draw(4) < 0.4
    flat = pa.StructArray.from_arrays(
        [
            pa.array(at, pa.timestamp("us", "UTC")),
            pa.array(np.where(call, "call", "sms")),
            pa.array(np.full(len(owner), "m1")),
            pa.array(np.full(len(owner), "debtor")),
            pa.array(call & connected),
            pa.array(call & connected & (draw(5) < 0.6)),
        ],
        names=list(CONTACT.to_schema()),
    )
    offsets = np.concatenate([[0], np.cumsum(count)]).astype(np.int32)
    series = pl.from_arrow(pa.ListArray.from_arrays(pa.array(offsets), flat))
    assert isinstance(series, pl.Series)
    return series.cast(pl.List(CONTACT))


def portfolio_chunk(draws: Draws, sample: UciSample, as_of: date, delinquent: IntArray) -> pl.DataFrame:
    u = draws.uniform(Stream.PORTFOLIO, 10)
    rows = delinquent[np.minimum((u[:, 0] * len(delinquent)).astype(np.int64), len(delinquent) - 1)]
    jitter = np.exp(draws.normal(Stream.JITTER, 1)[:, 0] * 0.05)
    status = sample.status[rows]
    tail = np.minimum((-np.log1p(-u[:, 2]) * 180).astype(np.int64), 900)
    dpd = np.where(status >= 7, 181 + tail, 30 * (status - 1) + 1 + (u[:, 1] * 30).astype(np.int64))
    bills = np.rint(sample.bills[rows] * jitter[:, None])
    limit = np.rint(sample.limit[rows] * jitter).astype(np.int64)
    ids = np.arange(draws.start, draws.stop)
    held = np.where(u[:, 3] < 0.03, 1 + (u[:, 4] * 3).astype(np.int64), 0)
    digital = draws.uniform(Stream.PORTFOLIO_DIGITAL, 3)  # a stream of its own: the other draws stay
    email = digital[:, 0] < 0.8
    columns: dict[str, object] = {
        "account_id": prefixed("P", ids, 10),
        "customer_id": prefixed("C", ids, 10),
        "product": pl.Series(PRODUCTS).gather(
            pl.Series((limit >= 150_000).astype(np.int64) + (limit >= 300_000))
        ),
        "dpd": dpd,
        "balance_fen": np.maximum(bills[:, 0], 100).astype(np.int64) * 100,
        "holds": _pick(HOLDS, held),
        "was_late_before": _cured_before(sample.statuses[rows]),
        "promise_broken": u[:, 5] < 0.06,
        "zones": _pick(ZONES, (u[:, 6] < 0.04).astype(np.int64)),
        "contact_point": pl.select(pl.when(pl.lit(pl.Series(u[:, 7] < 0.95))).then(pl.lit("m1"))).to_series(),
        "consents": _pick([[], ["extra_calls"]], (u[:, 8] < 0.02).astype(np.int64)),
        "email_point": pl.select(pl.when(pl.lit(pl.Series(email))).then(pl.lit("e1"))).to_series(),
        "opted_out_points": _opted_out(u[:, 9] < 0.01, email & (digital[:, 1] < 0.01), digital[:, 2] < 0.01),
        "recent_contacts": _contacts(draws, dpd, as_of),
        "LIMIT_BAL": limit,
        "AGE": sample.age[rows],
        "EDUCATION": sample.education[rows],
        "SEX": sample.sex[rows],
        "MARRIAGE": sample.marriage[rows],
    }
    for j, name in enumerate(BILLS):
        columns[name] = bills[:, j]
    for j, name in enumerate(PAID):
        columns[name] = np.rint(sample.paid[rows, j] * jitter)
    for j, name in enumerate(STATUS):
        columns[name] = sample.statuses[rows, j]
    frame = pl.DataFrame(columns)
    return frame.select(pl.col(name).cast(dtype) for name, dtype in PORTFOLIO_SCHEMA.items())


def synth_portfolio(out: Path, *, accounts: int, seed: int, as_of: date, chunk_rows: int = CHUNK) -> int:
    """Writes ``accounts`` synthetic delinquent accounts to the Parquet file ``out``; returns the count."""
    if accounts < 1:
        raise ArrearsError("--accounts must be at least 1", "账户数至少为 1")
    sample = load_uci_sample()
    delinquent = np.flatnonzero(sample.status >= 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, accounts, chunk_rows):
            chunk = portfolio_chunk(
                Draws(seed, start, min(start + chunk_rows, accounts)), sample, as_of, delinquent
            )
            table = chunk.to_arrow()
            writer = writer or pq.ParquetWriter(partial, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    partial.replace(out)
    return accounts
