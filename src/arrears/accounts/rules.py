"""Delinquency maths: days past due, buckets, regulatory classes and roll rates.

Pure functions over plain values: no session, no clock. ``as_of`` is the business date passed in from
the edge. Money is integer fen. ``delinquency_frame.py`` holds the same maths vectorised with Polars.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import attrgetter

from arrears.kit.errors import ArrearsError


class DelinquencyInputError(ArrearsError, ValueError):
    """Input the delinquency maths cannot use: a negative amount, a bad band table, an unknown bucket."""


@dataclass(frozen=True, slots=True)
class Installment:
    """One minimum payment obligation of a statement."""

    due_date: date
    minimum_fen: int


@dataclass(frozen=True, slots=True)
class Payment:
    paid_date: date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class DelinquencyState:
    dpd: int
    """Days past due: days since the oldest overdue installment fell due; 0 when nothing is overdue."""
    overdue_fen: int
    """Unpaid minimum amounts whose due date is before ``as_of``."""
    oldest_unpaid_due_date: date | None
    """Due date of the oldest overdue installment; None when ``dpd`` is 0."""


def delinquency_state(
    *, installments: Sequence[Installment], payments: Sequence[Payment], as_of: date
) -> DelinquencyState:
    """Where an account stands on ``as_of``.

    Payments dated on or before ``as_of`` are pooled and settle the installments oldest due date
    first (a payment may settle an installment that is not due yet). An installment is overdue when
    it falls due before ``as_of`` and is not fully settled; one due on ``as_of`` is not overdue yet.
    """
    _check_not_negative(installments, payments)
    paid = sum(payment.amount_fen for payment in payments if payment.paid_date <= as_of)
    cumulative = overdue_fen = 0
    oldest: date | None = None
    for item in sorted(installments, key=attrgetter("due_date")):
        if item.due_date >= as_of:
            break
        cumulative += item.minimum_fen
        unpaid = min(item.minimum_fen, max(0, cumulative - paid))
        if unpaid > 0:
            overdue_fen += unpaid
            oldest = item.due_date if oldest is None else oldest
    dpd = (as_of - oldest).days if oldest is not None else 0
    return DelinquencyState(dpd=dpd, overdue_fen=overdue_fen, oldest_unpaid_due_date=oldest)


def days_past_due(*, installments: Sequence[Installment], payments: Sequence[Payment], as_of: date) -> int:
    """Days since the oldest minimum payment that is still not fully settled fell due."""
    return delinquency_state(installments=installments, payments=payments, as_of=as_of).dpd


def _check_not_negative(installments: Sequence[Installment], payments: Sequence[Payment]) -> None:
    for item in installments:
        if item.minimum_fen < 0:
            raise DelinquencyInputError(
                f"installment due {item.due_date}: minimum_fen {item.minimum_fen} is negative",
                f"{item.due_date} 到期的最低还款额 {item.minimum_fen} 分为负数",
            )
    for payment in payments:
        if payment.amount_fen < 0:
            raise DelinquencyInputError(
                f"payment on {payment.paid_date}: amount_fen {payment.amount_fen} is negative",
                f"{payment.paid_date} 的还款金额 {payment.amount_fen} 分为负数",
            )


# --- bands: buckets and regulatory classes -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """A DPD range with a code and labels, e.g. M2 = 31-60 DPD."""

    code: str
    min_dpd: int
    """Inclusive."""
    max_dpd: int | None
    """Inclusive; None means open-ended (the last band)."""
    label_zh: str
    label_en: str

    def describe(self) -> str:
        upper = "" if self.max_dpd is None else str(self.max_dpd)
        return f"band {self.code!r} ({self.min_dpd}-{upper})"


@dataclass(frozen=True, slots=True)
class BandTable:
    """Bands ordered from best to worst that cover every DPD from 0 up exactly once."""

    bands: tuple[Band, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise DelinquencyInputError("a band table needs at least one band", "档位表至少需要一个档位")
        _check_unique_codes(self.bands)
        previous: Band | None = None
        for band in self.bands:
            _check_band(band, previous, is_last=band is self.bands[-1])
            previous = band

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(band.code for band in self.bands)

    def classify(self, dpd: int) -> Band:
        """The band that holds ``dpd``."""
        if dpd < 0:
            raise DelinquencyInputError(f"DPD {dpd} is negative", f"逾期天数 {dpd} 为负数")
        return self.bands[bisect_right(self.bands, dpd, key=attrgetter("min_dpd")) - 1]

    def rank(self, code: str) -> int:
        """Position of a band code, 0 for the best (current) band."""
        try:
            return self.codes.index(code)
        except ValueError:
            known = ", ".join(self.codes)
            raise DelinquencyInputError(
                f"{code!r} is not a band of this table (known: {known})",
                f"{code!r} 不在档位表中（可用：{known}）",
            ) from None


def _check_unique_codes(bands: tuple[Band, ...]) -> None:
    seen: set[str] = set()
    for band in bands:
        if band.code in seen:
            raise DelinquencyInputError(
                f"band code {band.code!r} appears more than once", f"档位代码 {band.code!r} 重复"
            )
        seen.add(band.code)


def _check_band(band: Band, previous: Band | None, *, is_last: bool) -> None:
    name = band.describe()
    if not band.code.strip():
        raise DelinquencyInputError(f"{name}: the code is empty", f"{name}：代码为空")
    if band.max_dpd is not None and band.max_dpd < band.min_dpd:
        raise DelinquencyInputError(f"{name}: ends before it starts", f"{name}：结束天数小于起始天数")
    if previous is None and band.min_dpd != 0:
        raise DelinquencyInputError(
            f"{name}: the first band must start at 0 DPD", f"{name}：第一个档位必须从 0 天开始"
        )
    if previous is not None:
        _check_follows(band, previous)
    if is_last and band.max_dpd is not None:
        raise DelinquencyInputError(
            f"{name}: the last band must be open-ended (max_dpd null) so every DPD has a band",
            f"{name}：最后一个档位必须不设上限（max_dpd 为空）",
        )


def _check_follows(band: Band, previous: Band) -> None:
    name, before = band.describe(), previous.describe()
    if previous.max_dpd is None:
        raise DelinquencyInputError(
            f"{before}: only the last band may be open-ended, but {name} follows it",
            f"{before}：只有最后一个档位可以不设上限，其后还有 {name}",
        )
    expected = previous.max_dpd + 1
    if band.min_dpd > expected:
        raise DelinquencyInputError(
            f"gap between {before} and {name}: DPD {expected}-{band.min_dpd - 1} is in no band",
            f"{before} 与 {name} 之间有空缺：逾期 {expected}-{band.min_dpd - 1} 天不属于任何档位",
        )
    if band.min_dpd < expected:
        raise DelinquencyInputError(
            f"{name} overlaps {before}: it should start at DPD {expected}",
            f"{name} 与 {before} 重叠：应从逾期 {expected} 天开始",
        )


def _bucket(code: str, low: int, high: int | None) -> Band:
    if high is None:
        return Band(code, low, None, f"{code}（{low - 1}天以上）", f"{code} (over {low - 1} days)")
    return Band(code, low, high, f"{code}（{low}-{high}天）", f"{code} ({low}-{high} days)")


DEFAULT_BUCKETS = BandTable(
    bands=(
        Band("M0", 0, 0, "正常（未逾期）", "M0 (current)"),
        *(_bucket(f"M{n}", 30 * n - 29, 30 * n) for n in range(1, 7)),
        _bucket("M7+", 181, None),
    )
)
"""Buckets (账龄): M0 current, M1 1-30 DPD, ..., M6 151-180, M7+ over 180."""

DEFAULT_CLASSES = BandTable(
    bands=(
        Band("normal", 0, 0, "正常", "Normal"),
        Band("special_mention", 1, 90, "关注", "Special mention"),
        Band("substandard", 91, 120, "次级", "Substandard"),
        Band("doubtful", 121, 180, "可疑", "Doubtful"),
        Band("loss", 181, None, "损失", "Loss"),
    )
)
"""The five regulatory loan classes (五级分类) by DPD."""


def bucket_of(dpd: int, *, table: BandTable = DEFAULT_BUCKETS) -> str:
    return table.classify(dpd).code


def regulatory_class_of(dpd: int, *, table: BandTable = DEFAULT_CLASSES) -> str:
    return table.classify(dpd).code


# --- band tables from configuration --------------------------------------------------------------

_BAND_FIELDS = ("code", "min_dpd", "max_dpd", "label_zh", "label_en")


def band_table_from_mapping(data: Sequence[Mapping[str, object]]) -> BandTable:
    """Build a table from configuration: a list of ``{code, min_dpd, max_dpd, label_zh, label_en}``.

    Every problem raises DelinquencyInputError (a ValueError) naming the entry (1-based) and field.
    """
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise DelinquencyInputError("band table: expected a list of bands", "档位表：应为档位列表")
    return BandTable(bands=tuple(_band_from_entry(entry, number) for number, entry in enumerate(data, 1)))


def _band_from_entry(entry: object, number: int) -> Band:
    if not isinstance(entry, Mapping):
        raise DelinquencyInputError(
            f"band entry {number}: expected a mapping of {', '.join(_BAND_FIELDS)}",
            f"第 {number} 个档位：应为包含 {', '.join(_BAND_FIELDS)} 的映射",
        )
    where = f"band entry {number}" + (f" (code {entry['code']!r})" if "code" in entry else "")
    missing = [field for field in _BAND_FIELDS if field not in entry]
    unknown = sorted(str(key) for key in entry if key not in _BAND_FIELDS)
    if missing or unknown:
        problems = ([f"missing field(s) {', '.join(missing)}"] if missing else []) + (
            [f"unknown field(s) {', '.join(unknown)}"] if unknown else []
        )
        raise DelinquencyInputError(
            f"{where}: {'; '.join(problems)}", f"第 {number} 个档位：{'; '.join(problems)}"
        )
    max_dpd = entry["max_dpd"]
    return Band(
        code=_text_field(entry, "code", where, number),
        min_dpd=_days_field(entry, "min_dpd", where, number),
        max_dpd=None if max_dpd is None else _days_field(entry, "max_dpd", where, number),
        label_zh=_text_field(entry, "label_zh", where, number),
        label_en=_text_field(entry, "label_en", where, number),
    )


def _text_field(entry: Mapping[object, object], field: str, where: str, number: int) -> str:
    value = entry[field]
    if not isinstance(value, str) or not value.strip():
        raise DelinquencyInputError(
            f"{where}, field {field}: expected non-empty text, got {value!r}",
            f"第 {number} 个档位的 {field}：应为非空文本，实际为 {value!r}",
        )
    return value


def _days_field(entry: Mapping[object, object], field: str, where: str, number: int) -> int:
    value = entry[field]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        nullable = " (or null for an open-ended last band)" if field == "max_dpd" else ""
        raise DelinquencyInputError(
            f"{where}, field {field}: expected a whole number of days >= 0{nullable}, got {value!r}",
            f"第 {number} 个档位的 {field}：应为不小于 0 的整数天数，实际为 {value!r}",
        )
    return value


# --- movement between two snapshots --------------------------------------------------------------


class Movement(StrEnum):
    """How an account moved between two snapshots of a band table (usually buckets).

    Bands are ranked by their position in the table, the first (current) band best.
    """

    NEW = "new"
    """Absent before, present now (whatever its band)."""
    CLOSED = "closed"
    """Present before, absent now (paid off, written off, sold or recalled from the extract)."""
    STAY = "stay"
    """Same band in both snapshots, including current to current."""
    ROLL = "roll"
    """A worse band now (迁徙), e.g. M0 to M1 or M1 to M3."""
    IMPROVE = "improve"
    """A better band now that is still delinquent, e.g. M3 to M1."""
    CURE = "cure"
    """Delinquent before, in the first (current) band now (回正)."""


def movement(*, before: str | None, after: str | None, table: BandTable = DEFAULT_BUCKETS) -> Movement:
    """Classify the move from band code ``before`` to ``after``; None means absent from that snapshot."""
    if before is None:
        if after is None:
            raise DelinquencyInputError(
                "an account absent from both snapshots has no movement",
                "两期快照中都不存在的账户没有迁徙状态",
            )
        table.rank(after)
        return Movement.NEW
    if after is None:
        table.rank(before)
        return Movement.CLOSED
    rank_before, rank_after = table.rank(before), table.rank(after)
    if rank_after > rank_before:
        return Movement.ROLL
    if rank_after == rank_before:
        return Movement.STAY
    return Movement.CURE if rank_after == 0 else Movement.IMPROVE


def roll_count_matrix(
    pairs: Iterable[tuple[str, str]], *, table: BandTable = DEFAULT_BUCKETS
) -> dict[str, dict[str, int]]:
    """from band -> to band -> number of accounts, every band of ``table`` present in both keys, in order."""
    counts = {row: dict.fromkeys(table.codes, 0) for row in table.codes}
    for before, after in pairs:
        table.rank(before)
        table.rank(after)
        counts[before][after] += 1
    return counts


def roll_rate_matrix(
    pairs: Iterable[tuple[str, str]], *, table: BandTable = DEFAULT_BUCKETS
) -> dict[str, dict[str, float]]:
    """from band -> to band -> share of the accounts that started in the from band.

    Each row with accounts sums to 1; a row with no accounts is all 0.0.
    """
    counts = roll_count_matrix(pairs, table=table)
    rates: dict[str, dict[str, float]] = {}
    for row, cells in counts.items():
        total = sum(cells.values())
        rates[row] = {column: (count / total if total else 0.0) for column, count in cells.items()}
    return rates
