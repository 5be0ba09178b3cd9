"""Delinquency rules: DPD, bands, band tables from config, movement and roll rates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.accounts.rules import (
    DEFAULT_BUCKETS,
    DEFAULT_CLASSES,
    Band,
    BandTable,
    DelinquencyInputError,
    DelinquencyState,
    Installment,
    Movement,
    Payment,
    band_table_from_mapping,
    bucket_of,
    days_past_due,
    delinquency_state,
    movement,
    regulatory_class_of,
    roll_count_matrix,
    roll_rate_matrix,
)

SEP_25, OCT_25, NOV_1, NOV_25, DEC_1 = (
    date(2026, 9, 25),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 11, 25),
    date(2026, 12, 1),
)
TWO_UNPAID = [Installment(SEP_25, 500_00), Installment(OCT_25, 500_00)]

DAY_0 = date(2026, 1, 1)
dates = st.integers(0, 400).map(lambda n: DAY_0 + timedelta(days=n))
amounts = st.one_of(st.integers(0, 5).map(lambda n: n * 100_00), st.integers(0, 600_00))
installment_lists = st.lists(st.builds(Installment, due_date=dates, minimum_fen=amounts), max_size=8)
payment_lists = st.lists(st.builds(Payment, paid_date=dates, amount_fen=amounts), max_size=6)


@st.composite
def band_tables(draw: st.DrawFn) -> BandTable:
    """Any valid table: contiguous bands from 0, the last open-ended."""
    widths = draw(st.lists(st.integers(1, 60), max_size=8))
    bands, low = [], 0
    for number, width in enumerate(widths):
        bands.append(Band(f"B{number}", low, low + width - 1, f"档{number}", f"band {number}"))
        low += width
    bands.append(Band("last", low, None, "末档", "last band"))
    return BandTable(bands=tuple(bands))


class TestDelinquencyState:
    def test_counts_from_the_oldest_unpaid_minimum(self) -> None:
        state = delinquency_state(installments=TWO_UNPAID, payments=[], as_of=NOV_1)

        assert state == DelinquencyState(dpd=37, overdue_fen=1000_00, oldest_unpaid_due_date=SEP_25)

    def test_a_partial_payment_leaves_the_oldest_installment_overdue(self) -> None:
        state = delinquency_state(installments=TWO_UNPAID, payments=[Payment(OCT_25, 300_00)], as_of=NOV_1)

        assert state == DelinquencyState(dpd=37, overdue_fen=700_00, oldest_unpaid_due_date=SEP_25)

    def test_paying_the_oldest_minimum_moves_dpd_to_the_next_installment(self) -> None:
        state = delinquency_state(installments=TWO_UNPAID, payments=[Payment(OCT_25, 500_00)], as_of=NOV_1)

        assert state == DelinquencyState(dpd=7, overdue_fen=500_00, oldest_unpaid_due_date=OCT_25)

    def test_a_payment_after_as_of_is_ignored(self) -> None:
        payments = [Payment(date(2026, 11, 2), 1000_00)]

        assert days_past_due(installments=TWO_UNPAID, payments=payments, as_of=NOV_1) == 37

    def test_a_payment_on_as_of_counts(self) -> None:
        payments = [Payment(NOV_1, 1000_00)]

        assert delinquency_state(installments=TWO_UNPAID, payments=payments, as_of=NOV_1) == DelinquencyState(
            dpd=0, overdue_fen=0, oldest_unpaid_due_date=None
        )

    def test_an_installment_due_on_as_of_is_not_overdue_yet(self) -> None:
        installments = [Installment(NOV_1, 500_00)]

        assert days_past_due(installments=installments, payments=[], as_of=NOV_1) == 0
        assert days_past_due(installments=installments, payments=[], as_of=date(2026, 11, 2)) == 1

    def test_an_overpayment_settles_installments_not_yet_due(self) -> None:
        installments = [*TWO_UNPAID, Installment(NOV_25, 500_00)]
        payments = [Payment(NOV_1, 1200_00)]

        state = delinquency_state(installments=installments, payments=payments, as_of=DEC_1)

        assert state == DelinquencyState(dpd=6, overdue_fen=300_00, oldest_unpaid_due_date=NOV_25)

    def test_a_zero_minimum_is_never_overdue(self) -> None:
        installments = [Installment(SEP_25, 0), Installment(OCT_25, 500_00)]

        assert days_past_due(installments=installments, payments=[], as_of=NOV_1) == 7
        assert days_past_due(installments=installments[:1], payments=[], as_of=NOV_1) == 0

    def test_installments_due_the_same_day_share_the_payment(self) -> None:
        installments = [Installment(SEP_25, 300_00), Installment(SEP_25, 200_00), Installment(OCT_25, 100_00)]

        state = delinquency_state(installments=installments, payments=[Payment(SEP_25, 400_00)], as_of=NOV_1)

        assert state == DelinquencyState(dpd=37, overdue_fen=200_00, oldest_unpaid_due_date=SEP_25)

    def test_input_order_does_not_matter(self) -> None:
        forward = delinquency_state(installments=TWO_UNPAID, payments=[Payment(OCT_25, 600_00)], as_of=NOV_1)
        backward = delinquency_state(
            installments=TWO_UNPAID[::-1], payments=[Payment(OCT_25, 600_00)], as_of=NOV_1
        )

        assert (
            forward == backward == DelinquencyState(dpd=7, overdue_fen=400_00, oldest_unpaid_due_date=OCT_25)
        )

    def test_no_installments_is_current(self) -> None:
        state = delinquency_state(installments=[], payments=[Payment(SEP_25, 100)], as_of=NOV_1)

        assert state == DelinquencyState(dpd=0, overdue_fen=0, oldest_unpaid_due_date=None)

    def test_a_negative_minimum_is_refused(self) -> None:
        with pytest.raises(ValueError, match="minimum_fen -1 is negative") as caught:
            delinquency_state(installments=[Installment(SEP_25, -1)], payments=[], as_of=NOV_1)

        assert isinstance(caught.value, DelinquencyInputError)
        assert "负数" in caught.value.message_zh

    def test_a_negative_payment_is_refused_even_after_as_of(self) -> None:
        with pytest.raises(ValueError, match="amount_fen -500 is negative"):
            days_past_due(installments=TWO_UNPAID, payments=[Payment(DEC_1, -500)], as_of=NOV_1)


class TestDelinquencyProperties:
    @given(installments=installment_lists, payments=payment_lists, as_of=dates)
    def test_the_state_is_consistent(
        self, installments: list[Installment], payments: list[Payment], as_of: date
    ) -> None:
        state = delinquency_state(installments=installments, payments=payments, as_of=as_of)

        assert (state.dpd > 0) == (state.overdue_fen > 0) == (state.oldest_unpaid_due_date is not None)
        if state.oldest_unpaid_due_date is not None:
            assert state.dpd == (as_of - state.oldest_unpaid_due_date).days

    @given(installments=installment_lists, payments=payment_lists, as_of=dates)
    def test_paying_the_overdue_amount_cures(
        self, installments: list[Installment], payments: list[Payment], as_of: date
    ) -> None:
        state = delinquency_state(installments=installments, payments=payments, as_of=as_of)
        with_payment = [*payments, Payment(as_of, state.overdue_fen)]

        cured = delinquency_state(installments=installments, payments=with_payment, as_of=as_of)

        assert cured == DelinquencyState(dpd=0, overdue_fen=0, oldest_unpaid_due_date=None)

    @given(installments=installment_lists, payments=payment_lists, as_of=dates, elapsed=st.integers(0, 200))
    def test_dpd_never_falls_without_a_payment(
        self, installments: list[Installment], payments: list[Payment], as_of: date, elapsed: int
    ) -> None:
        later = as_of + timedelta(days=elapsed)
        quiet = [payment for payment in payments if not as_of < payment.paid_date <= later]
        now = delinquency_state(installments=installments, payments=quiet, as_of=as_of)

        then = delinquency_state(installments=installments, payments=quiet, as_of=later)

        assert then.dpd >= now.dpd
        assert then.overdue_fen >= now.overdue_fen
        if now.dpd > 0:
            assert then.dpd == now.dpd + elapsed
            assert then.oldest_unpaid_due_date == now.oldest_unpaid_due_date

    @given(
        installments=installment_lists,
        payments=payment_lists,
        as_of=dates,
        extra=st.builds(Installment, due_date=dates, minimum_fen=amounts),
    )
    def test_adding_an_installment_never_lowers_dpd(
        self, installments: list[Installment], payments: list[Payment], as_of: date, extra: Installment
    ) -> None:
        before = delinquency_state(installments=installments, payments=payments, as_of=as_of)

        after = delinquency_state(installments=[*installments, extra], payments=payments, as_of=as_of)

        assert after.dpd >= before.dpd
        assert after.overdue_fen >= before.overdue_fen

    @given(
        installments=installment_lists,
        payments=payment_lists,
        as_of=dates,
        extra=st.builds(Payment, paid_date=dates, amount_fen=amounts),
    )
    def test_adding_a_payment_never_raises_dpd(
        self, installments: list[Installment], payments: list[Payment], as_of: date, extra: Payment
    ) -> None:
        before = delinquency_state(installments=installments, payments=payments, as_of=as_of)

        after = delinquency_state(installments=installments, payments=[*payments, extra], as_of=as_of)

        assert after.dpd <= before.dpd
        assert after.overdue_fen <= before.overdue_fen


BUCKET_BOUNDARIES = {0: "M0", 1: "M1", 30: "M1", 31: "M2", 60: "M2", 61: "M3", 90: "M3", 91: "M4", 120: "M4"}
BUCKET_BOUNDARIES |= {121: "M5", 150: "M5", 151: "M6", 180: "M6", 181: "M7+", 10_000: "M7+"}
CLASS_BOUNDARIES = {0: "normal", 1: "special_mention", 90: "special_mention", 91: "substandard"}
CLASS_BOUNDARIES |= {120: "substandard", 121: "doubtful", 180: "doubtful", 181: "loss", 5_000: "loss"}


class TestDefaultTables:
    @pytest.mark.parametrize(
        ("dpd", "bucket"),
        BUCKET_BOUNDARIES.items(),
    )
    def test_bucket_boundaries(self, dpd: int, bucket: str) -> None:
        assert bucket_of(dpd) == bucket

    @pytest.mark.parametrize(
        ("dpd", "regulatory_class"),
        CLASS_BOUNDARIES.items(),
    )
    def test_regulatory_class_boundaries(self, dpd: int, regulatory_class: str) -> None:
        assert regulatory_class_of(dpd) == regulatory_class

    def test_labels(self) -> None:
        assert DEFAULT_BUCKETS.classify(0).label_zh == "正常（未逾期）"
        assert (DEFAULT_BUCKETS.classify(15).label_zh, DEFAULT_BUCKETS.classify(15).label_en) == (
            "M1（1-30天）",
            "M1 (1-30 days)",
        )
        assert DEFAULT_BUCKETS.classify(200).label_en == "M7+ (over 180 days)"
        assert [band.label_zh for band in DEFAULT_CLASSES.bands] == ["正常", "关注", "次级", "可疑", "损失"]

    def test_codes_are_in_order(self) -> None:
        assert DEFAULT_BUCKETS.codes == ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7+")
        assert DEFAULT_CLASSES.codes == ("normal", "special_mention", "substandard", "doubtful", "loss")

    def test_a_negative_dpd_has_no_band(self) -> None:
        with pytest.raises(ValueError, match="DPD -1 is negative"):
            bucket_of(-1)

    def test_a_custom_table_is_used(self) -> None:
        table = BandTable(bands=(Band("C", 0, 9, "正常", "current"), Band("D", 10, None, "逾期", "late")))

        assert [bucket_of(dpd, table=table) for dpd in (0, 9, 10)] == ["C", "C", "D"]
        assert regulatory_class_of(10, table=table) == "D"


class TestBandMonotonicity:
    @given(dpds=st.tuples(st.integers(0, 2_000), st.integers(0, 2_000)))
    def test_default_tables_are_monotone(self, dpds: tuple[int, int]) -> None:
        low, high = sorted(dpds)
        for table in (DEFAULT_BUCKETS, DEFAULT_CLASSES):
            assert table.rank(bucket_of(low, table=table)) <= table.rank(bucket_of(high, table=table))

    @given(table=band_tables(), dpds=st.tuples(st.integers(0, 600), st.integers(0, 600)))
    def test_any_valid_table_is_monotone_and_contains_the_dpd(
        self, table: BandTable, dpds: tuple[int, int]
    ) -> None:
        low, high = sorted(dpds)
        band = table.classify(low)

        assert band.min_dpd <= low and (band.max_dpd is None or low <= band.max_dpd)
        assert table.rank(band.code) <= table.rank(table.classify(high).code)


def _band(code: str, low: int, high: int | None) -> Band:
    return Band(code, low, high, code, code)


class TestBandTableValidation:
    @pytest.mark.parametrize(
        ("bands", "message"),
        [
            ((), "at least one band"),
            ((_band("A", 1, 9), _band("B", 10, None)), r"band 'A' \(1-9\): the first band must start at 0"),
            (
                (_band("A", 0, 9), _band("B", 12, None)),
                r"gap between band 'A' \(0-9\) and band 'B' .*DPD 10-11",
            ),
            ((_band("A", 0, 9), _band("B", 5, None)), r"band 'B' \(5-\) overlaps band 'A' \(0-9\)"),
            ((_band("A", 0, 9), _band("B", 10, 20)), r"band 'B' \(10-20\): the last band must be open-ended"),
            ((_band("A", 0, None), _band("B", 10, None)), "only the last band may be open-ended"),
            ((_band("A", 0, 9), _band("A", 10, None)), "band code 'A' appears more than once"),
            ((_band("A", 0, 9), _band("B", 10, 8), _band("C", 9, None)), "ends before it starts"),
            ((_band(" ", 0, None),), "the code is empty"),
        ],
    )
    def test_a_bad_table_is_refused(self, bands: tuple[Band, ...], message: str) -> None:
        with pytest.raises(ValueError, match=message) as caught:
            BandTable(bands=bands)

        assert isinstance(caught.value, DelinquencyInputError)
        assert caught.value.message_zh != caught.value.message_en

    def test_an_unknown_code_has_no_rank(self) -> None:
        with pytest.raises(ValueError, match="'M9' is not a band"):
            DEFAULT_BUCKETS.rank("M9")


CLASSES_CONFIG: list[dict[str, object]] = [
    {"code": "normal", "min_dpd": 0, "max_dpd": 0, "label_zh": "正常", "label_en": "Normal"},
    {
        "code": "special_mention",
        "min_dpd": 1,
        "max_dpd": 90,
        "label_zh": "关注",
        "label_en": "Special mention",
    },
    {"code": "substandard", "min_dpd": 91, "max_dpd": 120, "label_zh": "次级", "label_en": "Substandard"},
    {"code": "doubtful", "min_dpd": 121, "max_dpd": 180, "label_zh": "可疑", "label_en": "Doubtful"},
    {"code": "loss", "min_dpd": 181, "max_dpd": None, "label_zh": "损失", "label_en": "Loss"},
]


def _config_with(position: int, **changes: object) -> list[dict[str, object]]:
    config = [dict(entry) for entry in CLASSES_CONFIG]
    config[position].update(changes)
    return config


class TestBandTableFromMapping:
    def test_builds_the_table(self) -> None:
        assert band_table_from_mapping(CLASSES_CONFIG) == DEFAULT_CLASSES

    @pytest.mark.parametrize(
        ("config", "message"),
        [
            (
                _config_with(1, min_dpd="1x"),
                r"band entry 2 \(code 'special_mention'\), field min_dpd: .*'1x'",
            ),
            (_config_with(2, max_dpd=-5), r"band entry 3 \(code 'substandard'\), field max_dpd: .* -5"),
            (_config_with(0, min_dpd=True), r"band entry 1 \(code 'normal'\), field min_dpd"),
            (_config_with(3, label_en=""), r"band entry 4 \(code 'doubtful'\), field label_en"),
            (_config_with(4, code=7), r"band entry 5 \(code 7\), field code: expected non-empty text"),
            (
                _config_with(1, colour="red"),
                r"band entry 2 \(code 'special_mention'\): unknown field\(s\) colour",
            ),
            (_config_with(2, min_dpd=95), r"gap between band 'special_mention' .* DPD 91-94"),
            ([*CLASSES_CONFIG[:2], ["normal"]], "band entry 3: expected a mapping"),
        ],
    )
    def test_a_bad_entry_is_named(self, config: list[dict[str, object]], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            band_table_from_mapping(config)

    def test_a_missing_field_is_named(self) -> None:
        config = [dict(entry) for entry in CLASSES_CONFIG]
        del config[1]["label_zh"]

        with pytest.raises(
            ValueError, match=r"band entry 2 \(code 'special_mention'\): missing field\(s\) label_zh"
        ):
            band_table_from_mapping(config)

    def test_text_is_not_a_list_of_bands(self) -> None:
        with pytest.raises(ValueError, match="expected a list of bands"):
            band_table_from_mapping("M0,M1")  # type: ignore[arg-type]


class TestMovement:
    @pytest.mark.parametrize(
        ("before", "after", "expected"),
        [
            (None, "M1", Movement.NEW),
            (None, "M0", Movement.NEW),
            ("M2", None, Movement.CLOSED),
            ("M0", "M0", Movement.STAY),
            ("M2", "M2", Movement.STAY),
            ("M0", "M1", Movement.ROLL),
            ("M1", "M3", Movement.ROLL),
            ("M3", "M1", Movement.IMPROVE),
            ("M3", "M0", Movement.CURE),
            ("M1", "M0", Movement.CURE),
        ],
    )
    def test_default_buckets(self, before: str | None, after: str | None, expected: Movement) -> None:
        assert movement(before=before, after=after) is expected

    def test_another_table(self) -> None:
        assert movement(before="doubtful", after="normal", table=DEFAULT_CLASSES) is Movement.CURE
        assert movement(before="doubtful", after="substandard", table=DEFAULT_CLASSES) is Movement.IMPROVE

    def test_values_are_stable_strings(self) -> None:
        assert [m.value for m in Movement] == ["new", "closed", "stay", "roll", "improve", "cure"]

    def test_absent_from_both_snapshots_is_refused(self) -> None:
        with pytest.raises(ValueError, match="absent from both"):
            movement(before=None, after=None)

    @pytest.mark.parametrize(("before", "after"), [("M1", "X"), ("X", "M1"), (None, "X"), ("X", None)])
    def test_an_unknown_code_is_refused(self, before: str | None, after: str | None) -> None:
        with pytest.raises(ValueError, match="'X' is not a band"):
            movement(before=before, after=after)


ROLL_PAIRS = [
    ("M0", "M0"),
    ("M0", "M0"),
    ("M0", "M1"),
    ("M1", "M0"),
    ("M1", "M2"),
    ("M1", "M1"),
    ("M1", "M2"),
]


class TestRollRates:
    def test_counts(self) -> None:
        counts = roll_count_matrix(ROLL_PAIRS)

        assert list(counts) == list(DEFAULT_BUCKETS.codes)
        assert all(list(row) == list(DEFAULT_BUCKETS.codes) for row in counts.values())
        assert {
            row: {to: n for to, n in cells.items() if n}
            for row, cells in counts.items()
            if any(cells.values())
        } == {
            "M0": {"M0": 2, "M1": 1},
            "M1": {"M0": 1, "M1": 1, "M2": 2},
        }

    def test_rates(self) -> None:
        rates = roll_rate_matrix(ROLL_PAIRS)

        assert rates["M0"]["M0"] == pytest.approx(2 / 3)
        assert rates["M0"]["M1"] == pytest.approx(1 / 3)
        assert (rates["M1"]["M0"], rates["M1"]["M1"], rates["M1"]["M2"]) == (0.25, 0.25, 0.5)
        assert sum(rates["M1"].values()) == pytest.approx(1.0)
        assert set(rates["M2"].values()) == {0.0}

    def test_no_accounts(self) -> None:
        rates = roll_rate_matrix([], table=DEFAULT_CLASSES)

        assert list(rates) == list(DEFAULT_CLASSES.codes)
        assert all(value == 0.0 for row in rates.values() for value in row.values())

    def test_an_unknown_code_is_refused(self) -> None:
        with pytest.raises(ValueError, match="'M8' is not a band"):
            roll_rate_matrix([("M7+", "M8")])
