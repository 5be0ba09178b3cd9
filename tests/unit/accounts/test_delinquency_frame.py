"""The vectorised delinquency maths agrees with the scalar rules and checks its input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.accounts.delinquency_frame import delinquency_frame, roll_rate_frame, with_bands
from arrears.accounts.rules import (
    DEFAULT_BUCKETS,
    DEFAULT_CLASSES,
    Band,
    BandTable,
    DelinquencyInputError,
    Installment,
    Payment,
    bucket_of,
    delinquency_state,
    regulatory_class_of,
    roll_rate_matrix,
)

SEP_25, OCT_25, NOV_1, NOV_2 = date(2026, 9, 25), date(2026, 10, 25), date(2026, 11, 1), date(2026, 11, 2)
OUTPUT_SCHEMA = {
    "account_id": pl.String,
    "dpd": pl.Int64,
    "overdue_fen": pl.Int64,
    "oldest_unpaid_due_date": pl.Date,
}

Book = Mapping[str, tuple[Sequence[Installment], Sequence[Payment]]]


def installments_frame(book: Book) -> pl.DataFrame:
    rows = [
        (account, item.due_date, item.minimum_fen) for account, (items, _) in book.items() for item in items
    ]
    return pl.DataFrame(
        rows, schema={"account_id": pl.String, "due_date": pl.Date, "minimum_fen": pl.Int64}, orient="row"
    )


def payments_frame(book: Book) -> pl.DataFrame:
    rows = [(account, pay.paid_date, pay.amount_fen) for account, (_, pays) in book.items() for pay in pays]
    return pl.DataFrame(
        rows, schema={"account_id": pl.String, "paid_date": pl.Date, "amount_fen": pl.Int64}, orient="row"
    )


def frame_of(book: Book, *, as_of: date) -> pl.DataFrame:
    return delinquency_frame(
        installments=installments_frame(book), payments=payments_frame(book), as_of=as_of
    )


EXAMPLE_BOOK: Book = {
    "C3": ([Installment(SEP_25, 500_00), Installment(OCT_25, 500_00)], [Payment(OCT_25, 500_00)]),
    "A1": ([Installment(SEP_25, 500_00), Installment(OCT_25, 500_00)], []),
    "B2": ([Installment(SEP_25, 500_00), Installment(OCT_25, 500_00)], [Payment(NOV_2, 1000_00)]),
    "D4": ([Installment(NOV_1, 500_00)], []),
    "E5": ([Installment(SEP_25, 500_00), Installment(OCT_25, 500_00)], [Payment(OCT_25, 300_00)]),
    "F6": ([Installment(SEP_25, 500_00), Installment(OCT_25, 500_00)], [Payment(NOV_1, 1000_00)]),
}


class TestDelinquencyFrame:
    def test_hand_computed_book(self) -> None:
        book = {**EXAMPLE_BOOK, "Z9": ([], [Payment(SEP_25, 100_00)])}

        result = frame_of(book, as_of=NOV_1)

        assert result.schema == pl.Schema(OUTPUT_SCHEMA)
        assert result.rows() == [
            ("A1", 37, 1000_00, SEP_25),
            ("B2", 37, 1000_00, SEP_25),
            ("C3", 7, 500_00, OCT_25),
            ("D4", 0, 0, None),
            ("E5", 37, 700_00, SEP_25),
            ("F6", 0, 0, None),
        ]

    def test_an_overpayment_settles_installments_not_yet_due(self) -> None:
        items = [
            Installment(SEP_25, 500_00),
            Installment(OCT_25, 500_00),
            Installment(date(2026, 11, 25), 500_00),
        ]
        book = {"A": (items, [Payment(NOV_1, 1200_00)])}

        assert frame_of(book, as_of=date(2026, 12, 1)).rows() == [("A", 6, 300_00, date(2026, 11, 25))]

    def test_no_installments_gives_an_empty_frame(self) -> None:
        result = frame_of({"A": ([], [Payment(SEP_25, 1)])}, as_of=NOV_1)

        assert result.height == 0
        assert result.schema == pl.Schema(OUTPUT_SCHEMA)

    def test_integer_account_ids_and_narrow_amounts(self) -> None:
        installments = pl.DataFrame(
            {"account_id": [7, 7, 3], "due_date": [SEP_25, OCT_25, OCT_25], "minimum_fen": [100, 100, 50]},
            schema_overrides={"minimum_fen": pl.Int32},
        )
        payments = pl.DataFrame(
            {"account_id": [7], "paid_date": [SEP_25], "amount_fen": [100]},
            schema_overrides={"amount_fen": pl.UInt16},
        )

        result = delinquency_frame(installments=installments, payments=payments, as_of=NOV_1)

        assert result.rows() == [(3, 7, 50, OCT_25), (7, 7, 100, OCT_25)]
        assert result.schema["overdue_fen"] == pl.Int64

    @pytest.mark.parametrize(
        ("column", "values", "message"),
        [
            (
                "minimum_fen",
                [500_00, -1],
                r"installments, column minimum_fen: 1 negative amount\(s\), first for account A1",
            ),
            ("minimum_fen", [500.0, 1.0], "installments, column minimum_fen: expected integer fen"),
            ("due_date", ["2026-09-25", "2026-10-25"], "installments, column due_date: expected Date"),
            ("due_date", [SEP_25, None], r"installments: 1 null value\(s\)"),
            ("account_id", ["A1", None], r"installments: 1 null value\(s\)"),
        ],
    )
    def test_bad_installments_are_refused(self, column: str, values: list[object], message: str) -> None:
        installments = installments_frame({"A1": EXAMPLE_BOOK["A1"]}).with_columns(pl.Series(column, values))

        with pytest.raises(DelinquencyInputError, match=message):
            delinquency_frame(installments=installments, payments=payments_frame({}), as_of=NOV_1)

    def test_missing_columns_are_named(self) -> None:
        with pytest.raises(ValueError, match="payments: missing column"):
            delinquency_frame(
                installments=installments_frame(EXAMPLE_BOOK),
                payments=payments_frame(EXAMPLE_BOOK).drop("paid_date"),
                as_of=NOV_1,
            )

    def test_a_negative_payment_is_refused(self) -> None:
        payments = pl.DataFrame({"account_id": ["B2"], "paid_date": [NOV_2], "amount_fen": [-5]})

        with pytest.raises(
            ValueError, match=r"payments, column amount_fen: 1 negative amount\(s\), first for account B2"
        ):
            delinquency_frame(installments=installments_frame(EXAMPLE_BOOK), payments=payments, as_of=NOV_1)


DAY_0 = date(2026, 1, 1)
# A short span, so payment, due and as_of dates often coincide.
dates = st.integers(0, 120).map(lambda n: DAY_0 + timedelta(days=n))
amounts = st.one_of(st.integers(0, 4).map(lambda n: n * 100_00), st.integers(0, 500_00))
books = st.dictionaries(
    keys=st.text(alphabet="ABCDEFGH", min_size=1, max_size=3),
    values=st.tuples(
        st.lists(st.builds(Installment, due_date=dates, minimum_fen=amounts), max_size=6),
        st.lists(st.builds(Payment, paid_date=dates, amount_fen=amounts), max_size=5),
    ),
    max_size=8,
)


@st.composite
def band_tables(draw: st.DrawFn) -> BandTable:
    """Any valid table: contiguous bands from 0, the last open-ended."""
    widths = draw(st.lists(st.integers(1, 60), min_size=0, max_size=8))
    bands, low = [], 0
    for number, width in enumerate(widths):
        bands.append(Band(f"B{number}", low, low + width - 1, f"档{number}", f"band {number}"))
        low += width
    bands.append(Band("last", low, None, "末档", "last band"))
    return BandTable(bands=tuple(bands))


class TestAgreesWithTheScalarRules:
    @settings(deadline=None, max_examples=150)
    @given(book=books, as_of=dates)
    def test_every_account_matches_delinquency_state(self, book: Book, as_of: date) -> None:
        result = frame_of(book, as_of=as_of)

        expected = []
        for account in sorted(account for account, (items, _) in book.items() if items):
            items, pays = book[account]
            state = delinquency_state(installments=items, payments=pays, as_of=as_of)
            expected.append((account, state.dpd, state.overdue_fen, state.oldest_unpaid_due_date))
        assert result.rows() == expected

    @settings(deadline=None)
    @given(dpds=st.lists(st.integers(0, 800), max_size=30), buckets=band_tables(), classes=band_tables())
    def test_with_bands_matches_the_scalar_tables(
        self, dpds: list[int], buckets: BandTable, classes: BandTable
    ) -> None:
        frame = pl.DataFrame({"days": dpds}, schema={"days": pl.Int64})

        result = with_bands(frame, dpd_col="days", buckets=buckets, classes=classes)

        assert result["bucket"].to_list() == [bucket_of(dpd, table=buckets) for dpd in dpds]
        assert result["regulatory_class"].to_list() == [
            regulatory_class_of(dpd, table=classes) for dpd in dpds
        ]


class TestWithBands:
    def test_default_tables(self) -> None:
        frame = pl.DataFrame({"dpd": [0, 1, 30, 31, 91, 121, 181, None, -1]})

        result = with_bands(frame)

        assert result.schema["bucket"] == pl.String
        assert result["bucket"].to_list() == ["M0", "M1", "M1", "M2", "M4", "M5", "M7+", None, None]
        assert result["regulatory_class"].to_list() == [
            *("normal", "special_mention", "special_mention", "special_mention"),
            *("substandard", "doubtful", "loss", None, None),
        ]

    def test_a_lazy_frame_stays_lazy(self) -> None:
        lazy = pl.LazyFrame({"dpd": [0, 45]})

        result = with_bands(lazy)

        assert isinstance(result, pl.LazyFrame)
        assert result.collect()["bucket"].to_list() == ["M0", "M2"]

    def test_a_one_band_table(self) -> None:
        table = BandTable(bands=(Band("all", 0, None, "全部", "all"),))

        result = with_bands(pl.DataFrame({"dpd": [0, 999]}), buckets=table, classes=table)

        assert result["bucket"].to_list() == ["all", "all"]


ROLL_PAIRS = [
    ("M0", "M0"),
    ("M0", "M0"),
    ("M0", "M1"),
    ("M1", "M0"),
    ("M1", "M2"),
    ("M1", "M1"),
    ("M1", "M2"),
]


def _snapshots(pairs: list[tuple[str, str]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = [f"A{number}" for number in range(len(pairs))]
    before = pl.DataFrame({"account_id": [*ids, "gone"], "bucket": [b for b, _ in pairs] + ["M3"]})
    after = pl.DataFrame({"account_id": ["new", *ids[::-1]], "bucket": ["M1"] + [a for _, a in pairs[::-1]]})
    return before, after


class TestRollRateFrame:
    def test_hand_example(self) -> None:
        result = roll_rate_frame(*_snapshots(ROLL_PAIRS))

        assert result.columns == ["from_bucket", "to_bucket", "accounts", "share"]
        assert result.height == len(DEFAULT_BUCKETS.codes) ** 2
        assert result.filter(pl.col("accounts") > 0).rows() == [
            ("M0", "M0", 2, pytest.approx(2 / 3)),
            ("M0", "M1", 1, pytest.approx(1 / 3)),
            ("M1", "M0", 1, 0.25),
            ("M1", "M1", 1, 0.25),
            ("M1", "M2", 2, 0.5),
        ]
        assert result.filter(pl.col("from_bucket") == "M3")["share"].to_list() == [0.0] * 8

    def test_matches_the_scalar_matrix(self) -> None:
        result = roll_rate_frame(*_snapshots(ROLL_PAIRS))

        matrix = roll_rate_matrix(ROLL_PAIRS)
        assert {(row, column): share for row, column, _, share in result.rows()} == {
            (row, column): share for row, cells in matrix.items() for column, share in cells.items()
        }

    def test_another_table(self) -> None:
        before = pl.DataFrame({"account_id": [1, 2], "bucket": ["loss", "normal"]})
        after = pl.DataFrame({"account_id": [1, 2], "bucket": ["loss", "doubtful"]})

        result = roll_rate_frame(before, after, table=DEFAULT_CLASSES)

        assert result.filter(pl.col("accounts") > 0).select("from_bucket", "to_bucket").rows() == [
            ("normal", "doubtful"),
            ("loss", "loss"),
        ]

    def test_an_unknown_bucket_is_refused(self) -> None:
        before, after = _snapshots([("M0", "M9")])

        with pytest.raises(ValueError, match="to_bucket: 'M9' is not a band"):
            roll_rate_frame(before, after)
