"""Placement batches, pure: the day's hand-overs shared among the eligible agencies.

The problem is a transportation problem: each account goes to at most one agency, each agency takes at
most its spare capacity (its capacity less the accounts it holds), and only the accounts of the regions
it works (no territories: anywhere). The value of placing an account with an agency is the expected
recovery, the account's overdue times the agency's recovery rate on its past placements. An agency with
no finished placement yet is credited with the median rate of the others (``prior``), and is owed a fair
share of the batch in proportion to its spare capacity (``fair_shares``); the share is a soft constraint
whose shortfall costs more than any account is worth, so it is met wherever its territory allows.

For scale the accounts are first gathered into classes (region x bucket x balance band): the LP has one
variable per class and agency that may take it, a few thousand at most whatever the batch size. Its
matrix (an incidence matrix with a row repeated and slack columns) is totally unimodular, so HiGHS's
simplex returns integral counts. The accounts of each class are then handed out in a fixed order: the
largest debts first, to the agencies with the best rate first (code order breaks ties), so the same
batch in any order is shared the same way.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

BANDS_FEN = (1_000_00, 5_000_00, 20_000_00, 100_000_00)  # yuan 1k, 5k, 20k, 100k: bands b1 ... b5
DEFAULT_PRIOR = 1.0  # the rate of every agency when none has a history: they are then equal
MIN_RATE = 0.001  # an agency that recovered nothing yet still takes what no other agency can
EMPTY_WEIGHT = 0.001  # an account with nothing overdue is still worth placing
TIE = 1e-6  # the relative difference that breaks ties between agencies of equal rates
NO_AGENCY, NO_TERRITORY, NO_CAPACITY = "no_agency", "no_territory", "no_capacity"
LEFT_REASONS = (NO_AGENCY, NO_TERRITORY, NO_CAPACITY)  # why an account of a batch was not placed
PLACED, EMPTY = "placed", "empty"  # a batch that placed accounts, or none (every agency refused or full)
BATCH_STATUSES = (PLACED, EMPTY)
SKIPPED = ("placed", "recalled", "sold")  # why a hand-over was left out before sharing
# a hand-over file read back: as recorded, or missing or changed (then written again)
OK, MISSING, FAILED = "ok", "missing", "checksum_failed"
FILE_STATES = (OK, MISSING, FAILED)


@dataclass(frozen=True, slots=True)
class Account:
    """An account to place: its overdue amount (fen), bucket and the holder's region (None: unknown)."""

    account_id: int
    overdue_fen: int
    bucket: str
    region: str | None


@dataclass(frozen=True, slots=True)
class Taker:
    """An eligible agency: its spare capacity, the regions it works (empty: anywhere) and its recovery
    rate on past placements (None: a new agency)."""

    code: str
    spare: int
    territories: tuple[str, ...]
    performance: float | None

    def covers(self, region: str | None) -> bool:
        return not self.territories or (region is not None and region in self.territories)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Who takes which account (``assigned``), the accounts left and why (``LEFT_REASONS``), the rate each
    agency was credited with and the fair share owed to the new ones."""

    assigned: dict[int, str]
    left: dict[int, str]
    rates: dict[str, float] = field(default_factory=dict)
    owed: dict[str, int] = field(default_factory=dict)
    classes: int = 0

    def counts(self) -> dict[str, int]:
        """Accounts per agency (only those that take some), in code order."""
        tally: dict[str, int] = defaultdict(int)
        for code in self.assigned.values():
            tally[code] += 1
        return dict(sorted(tally.items()))


def balance_band(overdue_fen: int) -> str:
    """``b1`` (under 1,000 yuan) ... ``b5`` (100,000 yuan or more)."""
    return f"b{1 + sum(overdue_fen >= edge for edge in BANDS_FEN)}"


def recovery_rate(*, recovered_fen: int, placed_fen: int) -> float | None:
    """What an agency recovered over what was overdue when the accounts were placed (None: no history)."""
    return recovered_fen / placed_fen if placed_fen > 0 else None


def prior(rates: Sequence[float]) -> float:
    """The rate a new agency is credited with: the median of the others (``DEFAULT_PRIOR`` if none)."""
    return float(statistics.median(rates)) if rates else DEFAULT_PRIOR


def credited_rates(takers: Sequence[Taker]) -> dict[str, float]:
    middle = prior([t.performance for t in takers if t.performance is not None])
    return {t.code: t.performance if t.performance is not None else middle for t in takers}


def fair_shares(takers: Sequence[Taker], *, batch: int) -> dict[str, int]:
    """The accounts owed each new agency: the batch times its share of the spare capacity (rounded
    down), at most its spare capacity. Agencies with a history are owed nothing."""
    total = sum(max(t.spare, 0) for t in takers)
    owed = {t.code: min(t.spare, batch * t.spare // total) for t in takers if t.performance is None and total}
    return {code: count for code, count in owed.items() if count > 0}


ClassKey = tuple[str, str, str, str]  # region ("" unknown), flag "0" unknown / "1" known, bucket, band


def _check(accounts: Sequence[Account], takers: Sequence[Taker]) -> None:
    seen: set[int] = set()
    for account in accounts:
        if account.account_id in seen:
            raise ValueError(f"account {account.account_id} is twice in the batch")
        seen.add(account.account_id)
    codes = [t.code for t in takers]
    if len(set(codes)) != len(codes):
        raise ValueError(f"an agency is twice among the takers: {sorted(codes)}")
    for taker in takers:
        if taker.spare < 0:
            raise ValueError(f"agency {taker.code}: spare capacity {taker.spare} is negative")


def _classes(accounts: Sequence[Account]) -> dict[ClassKey, list[Account]]:
    """The accounts by class, each class's accounts in hand-out order (largest debt, then id)."""
    classes: dict[ClassKey, list[Account]] = defaultdict(list)
    for account in accounts:
        region = account.region or ""
        key = (
            region,
            "1" if account.region is not None else "0",
            account.bucket,
            balance_band(account.overdue_fen),
        )
        classes[key].append(account)
    ordered = {key: classes[key] for key in sorted(classes)}
    for members in ordered.values():
        members.sort(key=lambda a: (-a.overdue_fen, a.account_id))
    return ordered


def allocate(accounts: Sequence[Account], takers: Sequence[Taker]) -> Allocation:
    """Shares ``accounts`` among ``takers`` (see the module's description)."""
    _check(accounts, takers)
    agencies = sorted(takers, key=lambda t: t.code)
    rates = credited_rates(agencies)
    owed = fair_shares(agencies, batch=len(accounts))
    classes = _classes(accounts)
    keys = list(classes)
    regions = [None if key[1] == "0" else key[0] for key in keys]
    # the agencies of each class, best rate first: the order the class's accounts are handed out in
    order = {
        index: sorted(
            (t for t, taker in enumerate(agencies) if taker.covers(regions[index]) and taker.spare > 0),
            key=lambda t: (-rates[agencies[t].code], agencies[t].performance is None, agencies[t].code),
        )
        for index in range(len(keys))
    }
    sizes = [len(classes[key]) for key in keys]
    means = [sum(a.overdue_fen for a in classes[key]) / len(classes[key]) for key in keys]
    counts = _solve(sizes, means, agencies, rates, owed, order)
    assigned: dict[int, str] = {}
    left: dict[int, str] = {}
    for index, key in enumerate(keys):
        members, start = classes[key], 0
        for t in order[index]:
            take = counts.get((index, t), 0)
            for account in members[start : start + take]:
                assigned[account.account_id] = agencies[t].code
            start += take
        reason = _reason(agencies, regions[index])
        for account in members[start:]:
            left[account.account_id] = reason
    return Allocation(assigned=assigned, left=left, rates=rates, owed=owed, classes=len(keys))


def _reason(agencies: Sequence[Taker], region: str | None) -> str:
    if not agencies:
        return NO_AGENCY
    return NO_CAPACITY if any(t.covers(region) for t in agencies) else NO_TERRITORY


def _solve(
    sizes: Sequence[int],
    means: Sequence[float],
    agencies: Sequence[Taker],
    rates: Mapping[str, float],
    owed: Mapping[str, int],
    order: Mapping[int, Sequence[int]],
) -> dict[tuple[int, int], int]:
    """The number of accounts of each class each agency takes (LP, then a check that repairs rounding
    and fills any capacity left where an account could still go)."""
    pairs = [(c, t) for c in range(len(sizes)) for t in order[c]]
    if not pairs:
        return {}
    scale = max(max(means), 1.0)
    # equal rates (a new agency credited with the one proven agency's rate) are split the same way every
    # time: a proven agency first, then code order, by a difference far below any real one
    proven_first = sorted(range(len(agencies)), key=lambda t: (agencies[t].performance is None, t))
    rank = {t: r for r, t in enumerate(proven_first)}
    weight = [max(rates[taker.code], MIN_RATE) * (1 - TIE * rank[t]) for t, taker in enumerate(agencies)]
    value = np.array([(means[c] / scale + EMPTY_WEIGHT) * weight[t] for c, t in pairs])
    counts = _lp(pairs, value, sizes, agencies, owed)
    return _repair(counts, pairs, sizes, agencies, order)


def _lp(
    pairs: Sequence[tuple[int, int]],
    value: np.ndarray,
    sizes: Sequence[int],
    agencies: Sequence[Taker],
    owed: Mapping[str, int],
) -> dict[tuple[int, int], int]:
    import highspy

    from arrears.batch.allocate import _quiet

    classes, count = len(sizes), len(agencies)
    shares = [t for t, taker in enumerate(agencies) if owed.get(taker.code, 0) > 0]
    share_row = {t: classes + count + i for i, t in enumerate(shares)}
    starts, index = [0], []
    for c, t in pairs:
        index += [c, classes + t] + ([share_row[t]] if t in share_row else [])
        starts.append(len(index))
    for t in shares:  # a slack per share: the shortfall, at a price no account is worth
        index.append(share_row[t])
        starts.append(len(index))
    penalty = 2.0 * float(value.max()) + 1.0
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(pairs) + len(shares), classes + count + len(shares)
    lp.col_cost_ = np.concatenate([value, np.full(len(shares), -penalty)])
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.array(
        [float(min(sizes[c], agencies[t].spare)) for c, t in pairs]
        + [float(owed[agencies[t].code]) for t in shares]
    )
    lp.row_lower_ = np.array([0.0] * (classes + count) + [float(owed[agencies[t].code]) for t in shares])
    lp.row_upper_ = np.array(
        [float(s) for s in sizes] + [float(t.spare) for t in agencies] + [float(sum(sizes))] * len(shares)
    )
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(len(index))
    with _quiet():  # HiGHS prints its banner to standard output when created
        solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("solver", "simplex")  # a vertex: integral counts
    solver.passModel(lp)
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return {}  # never expected (nothing placed is feasible); the repair below then places greedily
    solution = np.rint(np.asarray(solver.getSolution().col_value[: len(pairs)])).astype(np.int64)
    return {pair: int(n) for pair, n in zip(pairs, solution, strict=True) if n > 0}


def _repair(
    counts: dict[tuple[int, int], int],
    pairs: Sequence[tuple[int, int]],
    sizes: Sequence[int],
    agencies: Sequence[Taker],
    order: Mapping[int, Sequence[int]],
) -> dict[tuple[int, int], int]:
    """Capacities and class sizes held whatever the solver returned, then what is left of a class given
    to the agencies that may take it, best first, while they have room."""
    used = [0] * len(agencies)
    room = list(sizes)
    fixed: dict[tuple[int, int], int] = {}
    for c, t in pairs:
        take = max(0, min(counts.get((c, t), 0), room[c], agencies[t].spare - used[t]))
        if take:
            fixed[(c, t)] = take
            used[t] += take
            room[c] -= take
    for c in range(len(sizes)):
        for t in order[c]:
            take = min(room[c], agencies[t].spare - used[t])
            if take > 0:
                fixed[(c, t)] = fixed.get((c, t), 0) + take
                used[t] += take
                room[c] -= take
    return fixed
