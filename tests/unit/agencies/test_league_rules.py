"""The agencies' league table, pure: rates to four places, counts per 1,000 accounts, the ranking, and
events counted for the agency that held the account that day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arrears.agencies.league_rules import AgencyMonth, league, per_thousand, placed_during, ratio


def month(code: str, *, recovered: int, overdue: int, accounts: int = 10, **more: int) -> AgencyMonth:
    figures = {"new_placements": 0, "unknown_overdue": 0, "payments": 0, "promises_settled": 0,
               "promises_kept": 0, "complaints": 0, "blocks": 0} | more  # fmt: skip
    return AgencyMonth(code, f"机构{code}", accounts, overdue_at_placement_fen=overdue,
                       recovered_fen=recovered, **figures)  # fmt: skip


def test_rates_round_half_up_and_need_a_whole() -> None:
    assert ratio(1, 3) == Decimal("0.3333") and ratio(2, 3) == Decimal("0.6667")
    assert ratio(1, 8) == Decimal("0.1250") and ratio(5, 0) is None and ratio(0, 7) == Decimal("0.0000")
    assert per_thousand(3, 2_000) == Decimal("1.5") and per_thousand(1, 3) == Decimal("333.3")
    assert per_thousand(1, 0) is None


def test_ranked_by_recovery_rate_then_amount_then_code() -> None:
    table = league([
        month("C", recovered=100, overdue=1_000), month("A", recovered=50, overdue=1_000),
        month("B", recovered=200, overdue=2_000), month("D", recovered=0, overdue=0, accounts=0),
        month("E", recovered=300, overdue=1_000, complaints=2, blocks=1, promises_settled=4, promises_kept=3),
    ])  # fmt: skip

    assert [(row.rank, row.figures.agency_code) for row in table] == [
        (1, "E"),
        (2, "B"),
        (3, "C"),
        (4, "A"),
        (5, "D"),
    ]
    best = table[0]
    assert (best.recovery_rate, best.promise_kept_rate) == (Decimal("0.3000"), Decimal("0.7500"))
    assert (best.complaints_per_1000, best.blocks_per_1000) == (Decimal("200.0"), Decimal("100.0"))
    assert table[-1].recovery_rate is None and table[-1].complaints_per_1000 is None
    shown = best.to_dict()
    assert shown["recovery_rate"] == "0.3000" and shown["agency_code"] == "E" and shown["rank"] == 1


def test_events_count_for_the_agency_holding_the_account_that_day() -> None:
    spans = [(1, "A", date(2026, 3, 1), date(2026, 3, 10)), (1, "B", date(2026, 3, 11), date(2026, 4, 30)),
             (2, "A", date(2026, 3, 5), date(2026, 3, 5))]  # fmt: skip
    events = [(1, date(2026, 3, 10)), (1, date(2026, 3, 11)), (1, date(2026, 2, 28)), (2, date(2026, 3, 5)),
              (3, date(2026, 3, 5))]  # fmt: skip

    assert placed_during(events, spans) == {"A": 2, "B": 1}
