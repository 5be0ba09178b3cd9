"""The agencies' league table, pure: a month's figures per agency turned into rates and a ranking.

- **Recovery rate**: what the agency collected in the month (its attributed payments, reversals taken
  off) over the overdue amount, at placement, of the accounts it held in the month.
- **Promise kept rate**: of the promises to pay its users took on its placed accounts that fell due in
  the month and were settled, those kept in full.
- **Complaints** and **compliance blocks per 1,000 accounts**: complaints on its placed accounts while
  placed (service cases of kind complaint, and complaint holds no service case placed) and rulebook
  decisions that blocked its actions, per 1,000 accounts held in the month.

Ranked by recovery rate (best first; an agency without a rate last), then amount recovered, then code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PROMISE_SETTLED = ("kept", "partly_kept", "broken")


@dataclass(frozen=True, slots=True)
class AgencyMonth:
    """One agency's raw figures for a month."""

    agency_code: str
    agency_name: str
    accounts: int  # distinct accounts held some day of the month
    new_placements: int  # placements that started in the month
    overdue_at_placement_fen: int  # of the placements held in the month
    unknown_overdue: int  # placements held whose delinquency at placement is not known
    recovered_fen: int
    payments: int
    promises_settled: int
    promises_kept: int
    complaints: int
    blocks: int


@dataclass(frozen=True, slots=True)
class LeagueRow:
    rank: int
    figures: AgencyMonth
    recovery_rate: Decimal | None  # a fraction, 4 places
    promise_kept_rate: Decimal | None
    complaints_per_1000: Decimal | None  # 1 place
    blocks_per_1000: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (rates as strings, so that nothing is lost to a float)."""
        rates = {
            "recovery_rate": self.recovery_rate,
            "promise_kept_rate": self.promise_kept_rate,
            "complaints_per_1000": self.complaints_per_1000,
            "blocks_per_1000": self.blocks_per_1000,
        }
        shown = {key: None if value is None else str(value) for key, value in rates.items()}
        return {"rank": self.rank, **asdict(self.figures), **shown}


def ratio(part: int, whole: int, *, places: int = 4) -> Decimal | None:
    """``part / whole`` to ``places`` decimals, half up; None without a whole."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def per_thousand(count: int, accounts: int) -> Decimal | None:
    """``count`` per 1,000 accounts, one decimal."""
    return None if accounts <= 0 else ratio(count * 1000, accounts, places=1)


def league(months: Sequence[AgencyMonth]) -> list[LeagueRow]:
    """The ranked table."""
    rows = [
        (
            one,
            ratio(one.recovered_fen, one.overdue_at_placement_fen),
            ratio(one.promises_kept, one.promises_settled),
            per_thousand(one.complaints, one.accounts),
            per_thousand(one.blocks, one.accounts),
        )
        for one in months
    ]
    rows.sort(key=lambda row: (row[1] is None, -(row[1] or 0), -row[0].recovered_fen, row[0].agency_code))
    return [LeagueRow(rank, *row) for rank, row in enumerate(rows, start=1)]


def placed_during(
    events: Iterable[tuple[int, date]], placements: Iterable[tuple[int, str, date, date]]
) -> dict[str, int]:
    """Per agency, the events ``(account_id, day)`` on an account it held that day (placements as
    ``(account_id, agency_code, placed_on, last_day)``)."""
    by_account: dict[int, list[tuple[str, date, date]]] = {}
    for account, code, placed_on, last_day in placements:
        by_account.setdefault(account, []).append((code, placed_on, last_day))
    found: dict[str, int] = {}
    for account, day in events:
        for code, placed_on, last_day in by_account.get(account, ()):
            if placed_on <= day <= last_day:
                found[code] = found.get(code, 0) + 1
    return found
