"""The store's rows in the model layout, on hand-made accounts."""

from __future__ import annotations

from datetime import date

import polars as pl

from arrears.scoring.layout import layout_frame, month_ends

AS_OF = date(2026, 3, 31)


def test_month_ends_step_back_a_month_at_a_time() -> None:
    assert month_ends(AS_OF) == [
        date(2026, 3, 31),
        date(2026, 2, 28),
        date(2026, 1, 31),
        date(2025, 12, 31),
        date(2025, 11, 30),
        date(2025, 10, 31),
    ]


def frames() -> dict[str, pl.DataFrame]:
    """Account 1 owes 100 yuan due 2026-02-25 and pays nothing: 34 DPD on 2026-03-31.
    Account 2 pays its February bill in full in March. Account 3 has no balance and no payments."""
    accounts = pl.DataFrame(
        {
            "account_id": [1, 2, 3],
            "account_no": ["A1", "A2", "A3"],
            "credit_limit_fen": [1_000_000, 2_000_000, 500_000],
            "birth_date": [date(1990, 4, 1), date(1980, 3, 31), None],
            "sex": [1, 2, None],
            "education": [2, 1, None],
            "marital_status": [1, 2, None],
        }
    )
    statements = pl.DataFrame(
        {
            "account_id": [1, 1, 2, 2, 3],
            "statement_date": [
                date(2026, 2, 5),
                date(2026, 3, 5),
                date(2026, 2, 5),
                date(2026, 3, 5),
                date(2026, 3, 5),
            ],
            "balance_fen": [100_000, 120_000, 300_000, 50_000, 0],
        }
    )
    payments = pl.DataFrame(
        {"account_id": [2], "paid_date": [date(2026, 3, 20)], "amount_fen": [300_000]},
        schema={"account_id": pl.Int64, "paid_date": pl.Date, "amount_fen": pl.Int64},
    )
    installments = pl.DataFrame(
        {
            "account_id": [1, 1, 2, 2],
            "due_date": [date(2026, 2, 25), date(2026, 3, 25), date(2026, 2, 25), date(2026, 3, 25)],
            "minimum_fen": [10_000, 12_000, 30_000, 5_000],
        }
    )
    return {
        "accounts": accounts,
        "statements": statements,
        "payments": payments,
        "installments": installments,
        "settling": payments,
    }


def test_amounts_statuses_and_profile() -> None:
    layout = layout_frame(**frames(), as_of=AS_OF).sort("ID")
    one, two, three = layout.iter_rows(named=True)
    assert (one["BILL_AMT1"], one["BILL_AMT2"], one["BILL_AMT3"]) == (1200.0, 1000.0, 0.0)
    assert one["PAY_0"] == 2.0  # 34 days past due on 31 March: into the second month
    assert one["PAY_2"] == 1.0  # 3 days past due on 28 February
    assert (two["PAY_AMT1"], two["PAY_AMT2"]) == (3000.0, 0.0)
    assert two["PAY_0"] == -1.0  # March's payment covered February's statement
    assert three["PAY_0"] == -2.0  # nothing owed, nothing paid
    assert (one["LIMIT_BAL"], one["AGE"], two["AGE"], three["AGE"]) == (10000.0, 35.0, 46.0, 0.0)
    assert (three["SEX"], three["EDUCATION"], three["MARRIAGE"]) == (0.0, 0.0, 0.0)
