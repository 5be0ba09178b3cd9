"""Allocation: one action per account, within capacities, and the price heuristic near the optimum."""

from __future__ import annotations

from itertools import product

import numpy as np
import polars as pl
import pytest

from arrears.batch.allocate import allocate

CHANNELS = ["call", "sms", "visit", "letter"]


def instance(seed: int, accounts: int) -> tuple[pl.DataFrame, dict[str, int]]:
    rng = np.random.default_rng(seed)
    owners = np.repeat(np.arange(accounts), rng.integers(1, 4, accounts))
    frame = pl.DataFrame(
        {
            "account_id": [f"a{owner}" for owner in owners],
            "channel": rng.choice(CHANNELS, len(owners)),
            "value_fen": rng.integers(-500, 5_000, len(owners)),
        }
    ).unique(["account_id", "channel"], keep="first", maintain_order=True)
    capacity = {
        "call": max(1, accounts // 4),
        "visit": max(1, accounts // 20),
        "letter": max(1, accounts // 10),
    }
    return frame, capacity


def feasible(chosen: pl.DataFrame, capacity: dict[str, int]) -> None:
    assert chosen["account_id"].is_unique().all()
    assert (chosen["value_fen"] > 0).all()
    counts = dict(chosen.group_by("channel").len().iter_rows())
    assert all(counts.get(channel, 0) <= limit for channel, limit in capacity.items())


def brute_force(frame: pl.DataFrame, capacity: dict[str, int]) -> int:
    options: dict[str, list[tuple[str, int]]] = {}
    for account, channel, value in frame.iter_rows():
        options.setdefault(account, [("", 0)]).append((channel, value))
    best = 0
    for choice in product(*options.values()):
        used: dict[str, int] = {}
        for channel, _ in choice:
            used[channel] = used.get(channel, 0) + 1
        if all(used.get(channel, 0) <= limit for channel, limit in capacity.items()):
            best = max(best, sum(value for _, value in choice))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_exact_is_the_optimum_of_small_books(seed: int) -> None:
    frame, capacity = instance(seed, 7)
    capacity = {channel: max(1, limit) for channel, limit in {"call": 2, "visit": 1, "letter": 1}.items()}
    chosen = allocate(frame, capacity, method="exact")
    feasible(chosen, capacity)
    assert chosen["value_fen"].sum() == brute_force(frame.filter(pl.col("value_fen") > 0), capacity)


@pytest.mark.parametrize("seed", range(3))
def test_prices_stay_within_a_tenth_of_a_percent_of_the_optimum(seed: int) -> None:
    frame, capacity = instance(seed, 5_000)
    exact = allocate(frame, capacity, method="exact")
    heuristic = allocate(frame, capacity, method="prices")
    feasible(exact, capacity)
    feasible(heuristic, capacity)
    best = exact["value_fen"].sum()
    assert best >= heuristic["value_fen"].sum() >= best * 0.999


def test_nothing_is_worth_doing_at_a_loss() -> None:
    frame = pl.DataFrame({"account_id": ["a", "b"], "channel": ["call", "sms"], "value_fen": [-1, 0]})
    assert allocate(frame, {}).is_empty()
