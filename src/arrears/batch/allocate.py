"""Allocation: for each account at most one action a day, the one that maximises expected recovery
minus cost over the book, within each channel's daily capacity.

The problem is a transportation problem (each action uses one account and one unit of its channel's
capacity), so its linear relaxation has integral optimal vertices: HiGHS's simplex solves it
exactly (``exact``). For large books ``prices`` finds one price per channel by coordinate ascent on
the dual: an account takes the action with the largest value minus price, and each price rises
until no more accounts than the capacity want its channel; a final greedy pass fills capacity left
over. ``benchmarks/daily_run_bench.py`` measures its gap to the exact optimum.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt
import polars as pl

EXACT_LIMIT = 50_000  # candidates up to which ``allocate`` solves exactly
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def _arrays(candidates: pl.DataFrame, capacity: Mapping[str, int]) -> tuple[Ints, Ints, Floats, Floats]:
    """Account codes (in account id order, so that ties break the same whatever the row order),
    channel codes, values and the capacity of each channel code."""
    channels = sorted(set(candidates.get_column("channel").unique().to_list()))
    codes = {name: index for index, name in enumerate(channels)}
    ids = candidates.get_column("account_id")
    order = ids.arg_sort().to_numpy()
    ordered = ids.gather(order)
    changed = (ordered != ordered.shift(1)).fill_null(True).cast(pl.Int64).cum_sum().to_numpy() - 1
    account = np.empty(len(order), dtype=np.int64)
    account[order] = changed
    frame = candidates.select(
        channel=pl.col("channel").replace_strict(codes, return_dtype=pl.Int64),
        value=pl.col("value_fen").cast(pl.Float64),
    )
    limits = np.array([capacity.get(name, np.inf) for name in channels], dtype=np.float64)
    return account, frame.get_column("channel").to_numpy(), frame.get_column("value").to_numpy(), limits


def allocate(
    candidates: pl.DataFrame, capacity: Mapping[str, int], *, method: str | None = None
) -> pl.DataFrame:
    """The chosen rows of ``candidates`` (account_id, channel, value_fen, ...): positive value only,
    at most one per account, at most ``capacity[channel]`` per channel."""
    useful = candidates.filter(pl.col("value_fen") > 0)
    if useful.is_empty():
        return useful
    chosen_method = method or ("exact" if useful.height <= EXACT_LIMIT else "prices")
    account, channel, value, limits = _arrays(useful, capacity)
    solve = exact if chosen_method == "exact" else prices
    return useful.filter(pl.Series(solve(account, channel, value, limits)))


def exact(account: Ints, channel: Ints, value: Floats, limits: Floats) -> npt.NDArray[np.bool_]:
    """The optimal choice by HiGHS (the LP of a transportation problem has integral vertices)."""
    import highspy

    n, accounts = len(value), int(account.max()) + 1
    limited = np.isfinite(limits)
    channel_row = np.cumsum(limited) - 1 + accounts  # the capacity row of each limited channel
    rows_per_column = 1 + limited[channel].astype(np.int64)
    start = np.concatenate([[0], np.cumsum(rows_per_column)])
    index = np.empty(int(start[-1]), dtype=np.int32)
    index[start[:-1]] = account
    second = start[:-1][limited[channel]] + 1
    index[second] = channel_row[channel[limited[channel]]]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, accounts + int(limited.sum())
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = value, np.zeros(n), np.ones(n)
    lp.row_lower_ = np.zeros(lp.num_row_)
    lp.row_upper_ = np.concatenate([np.ones(accounts), limits[limited]])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = start.astype(np.int32), index
    lp.a_matrix_.value_ = np.ones(len(index))
    with _quiet():  # HiGHS prints its banner to standard output when created
        solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.passModel(lp)
    solver.run()
    return np.asarray(solver.getSolution().col_value) > 0.5


@contextmanager
def _quiet() -> Iterator[None]:
    """Standard output (the file descriptor, written to by C++) silenced for a moment."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _best_other(account: Ints, net: Floats, accounts: int) -> Floats:
    """For each candidate, the best net value of the other candidates of its account (0 at least:
    the account can always take nothing)."""
    best = np.zeros(accounts)
    np.maximum.at(best, account, net)
    top = net == best[account]
    ties = np.bincount(account[top], minlength=accounts)
    second = np.zeros(accounts)
    np.maximum.at(second, account[~top], net[~top])
    second = np.where(ties > 1, best, second)
    return np.maximum(np.where(top, second[account], best[account]), 0.0)


def prices(
    account: Ints, channel: Ints, value: Floats, limits: Floats, *, rounds: int = 30
) -> npt.NDArray[np.bool_]:
    """Dual prices per channel by coordinate ascent, then each account's best action, cut to the
    capacities, then a greedy pass over the capacity left."""
    accounts, channels = int(account.max()) + 1, len(limits)
    # only accounts with several candidates have another option to weigh
    several = np.flatnonzero(np.bincount(account, minlength=accounts)[account] > 1)
    _, compact = np.unique(account[several], return_inverse=True)
    size = int(compact.max()) + 1 if len(compact) else 0
    rows_of = [np.flatnonzero(channel == code) for code in range(channels)]
    other = np.zeros(len(value))
    price = np.zeros(channels)
    for _ in range(rounds):
        before = price.copy()
        if size:  # each account's best other option at the prices of this round (a Jacobi step)
            other[several] = _best_other(compact, (value - price[channel])[several], size)
        for code in range(channels):
            if not np.isfinite(limits[code]):
                continue
            bids = value[rows_of[code]] - other[rows_of[code]]
            bids = bids[bids > 0]
            cap = int(limits[code])
            price[code] = (
                np.partition(bids, len(bids) - cap - 1)[len(bids) - cap - 1] if len(bids) > cap else 0.0
            )
        if np.allclose(price, before):
            break
    net = value - price[channel]
    chosen = (net > _best_other(account, net, accounts) - 1e-9) & (net > 0)
    chosen = _one_per_account(account, channel, chosen, net)
    chosen = _within(account, channel, chosen, net, limits)
    return _fill(account, channel, value, limits, chosen)


def _one_per_account(
    account: Ints, channel: Ints, chosen: npt.NDArray[np.bool_], net: Floats
) -> npt.NDArray[np.bool_]:
    """Ties: keep one chosen candidate per account (the best, then the first channel)."""
    picked = np.flatnonzero(chosen)
    order = np.lexsort((channel[picked], -net[picked], account[picked]))
    picked = picked[order]
    first = np.concatenate([[True], account[picked][1:] != account[picked][:-1]])
    keep = np.zeros_like(chosen)
    keep[picked[first]] = True
    return keep


def _within(
    account: Ints, channel: Ints, chosen: npt.NDArray[np.bool_], net: Floats, limits: Floats
) -> npt.NDArray[np.bool_]:
    """At most the capacity per channel, the best net values first."""
    keep = chosen.copy()
    for code, limit in enumerate(limits):
        mine = np.flatnonzero(chosen & (channel == code))
        if np.isfinite(limit) and len(mine) > limit:
            ranked = mine[np.lexsort((channel[mine], account[mine], -net[mine]))]
            keep[ranked[int(limit) :]] = False
    return keep


def _fill(
    account: Ints, channel: Ints, value: Floats, limits: Floats, chosen: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Greedy by value: accounts still without an action take one where capacity is left."""
    used = np.bincount(channel[chosen], minlength=len(limits)).astype(np.float64)
    served = np.zeros(int(account.max()) + 1, dtype=bool)
    served[account[chosen]] = True
    open_ = np.flatnonzero(~served[account] & (used[channel] < limits[channel]) & (value > 0))
    for index in open_[np.lexsort((channel[open_], account[open_], -value[open_]))]:
        if served[account[index]] or used[channel[index]] >= limits[channel[index]]:
            continue
        chosen[index] = True
        served[account[index]] = True
        used[channel[index]] += 1
    return chosen
