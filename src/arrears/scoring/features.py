"""Scoring features: pure Polars expressions over the monthly account layout.

The input layout is the one of the UCI file (one row per account, month 1 = the latest statement):
``LIMIT_BAL``, ``AGE``, ``EDUCATION``, ``SEX``, ``MARRIAGE``, the repayment status of the last six
months ``PAY_0, PAY_2 .. PAY_6`` (-2 no balance, -1 paid in full, 0 minimum paid, k >= 1 k months
late), the statement balances ``BILL_AMT1..6`` and the amounts paid ``PAY_AMT1..6`` (paid in month
j, against the statement of month j + 1). Amounts are in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

STATUS = ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6")
BILLS = tuple(f"BILL_AMT{j}" for j in range(1, 7))
PAID = tuple(f"PAY_AMT{j}" for j in range(1, 7))
PROFILE = ("LIMIT_BAL", "AGE", "EDUCATION")
PROTECTED_INPUTS = ("SEX", "MARRIAGE")
INPUT_COLUMNS = ("ID", *PROFILE, *PROTECTED_INPUTS, *STATUS, *BILLS, *PAID)
LABEL_COLUMNS = ("default_payment_next_month", "default.payment.next.month")

WILLINGNESS = "willingness"  # payment behaviour
ABILITY = "ability"  # capacity: limit, balances, utilisation, profile
PROTECTED = "protected"

RATIO_CAP = 10.0  # a payment ten times the bill says no more than ten times


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    group: str  # WILLINGNESS, ABILITY or PROTECTED
    reason_zh: str  # shown when the feature raises the risk
    reason_en: str
    expression: pl.Expr


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, with a denominator of at least 1 yuan and the result capped."""
    return (numerator / pl.max_horizontal(denominator, pl.lit(1.0))).clip(upper_bound=RATIO_CAP)


def _limit() -> pl.Expr:
    return pl.max_horizontal(pl.col("LIMIT_BAL"), pl.lit(1.0))


def _months_since_late() -> pl.Expr:
    recency = pl.lit(6.0)  # not late in the six months
    for month in reversed(range(6)):
        recency = pl.when(pl.col(STATUS[month]) >= 1).then(float(month)).otherwise(recency)
    return recency


def _catalogue() -> tuple[Feature, ...]:
    late = [pl.col(column) >= 1 for column in STATUS]
    bills, paid = [pl.col(c) for c in BILLS], [pl.col(c) for c in PAID]
    w, a = WILLINGNESS, ABILITY
    return (
        Feature("status_1", w, "最近一期还款逾期", "Latest repayment status is late", pl.col("PAY_0")),
        Feature("status_2", w, "上一期还款逾期", "Previous month's repayment status is late",
                pl.col("PAY_2")),
        Feature("months_late", w, "近六个月逾期月数多", "Many late months in the last six",
                pl.sum_horizontal(late)),
        Feature("max_months_late", w, "近六个月最长逾期期数高", "Long delinquency in the last six months",
                pl.max_horizontal([pl.col(c) for c in STATUS]).clip(lower_bound=0)),
        Feature("months_since_late", w, "最近发生过逾期", "Recent delinquency", _months_since_late()),
        Feature("pay_ratio_1", w, "最近一期还款额占账单比例低", "Latest payment small against the bill",
                _ratio(paid[0], bills[1])),
        Feature("pay_ratio_2", w, "上一期还款额占账单比例低", "Previous payment small against the bill",
                _ratio(paid[1], bills[2])),
        Feature("pay_ratio_6m", w, "近六个月还款占账单比例低", "Payments small against bills over six months",
                _ratio(pl.sum_horizontal(paid[:5]), pl.sum_horizontal(bills[1:]))),
        Feature("months_without_payment", w, "多个月份未还款", "Several months without a payment",
                pl.sum_horizontal([p == 0 for p in paid])),
        Feature("months_paid_in_full", w, "全额还款月份少", "Few months paid in full",
                pl.sum_horizontal([pl.col(c) == -1 for c in STATUS])),
        Feature("months_without_use", w, "用卡月份情况", "Months without card use",
                pl.sum_horizontal([pl.col(c) == -2 for c in STATUS])),
        Feature("payment_trend", w, "还款金额下降", "Payments falling",
                (paid[0] + paid[1] + paid[2] - paid[3] - paid[4] - paid[5]) / _limit()),
        Feature("last_payment", w, "最近一期还款金额低", "Small latest payment", paid[0]),
        Feature("credit_limit", a, "信用额度低", "Low credit limit", pl.col("LIMIT_BAL")),
        Feature("utilisation", a, "额度使用率高", "High credit utilisation", bills[0] / _limit()),
        Feature("utilisation_max", a, "近六个月最高额度使用率高", "High peak utilisation in six months",
                pl.max_horizontal(bills) / _limit()),
        Feature("utilisation_mean", a, "近六个月平均额度使用率高", "High average utilisation in six months",
                pl.mean_horizontal(bills) / _limit()),
        Feature("balance_trend_6m", a, "账单余额六个月内上升", "Balance rising over six months",
                (bills[0] - bills[5]) / _limit()),
        Feature("balance_trend_3m", a, "账单余额三个月内上升", "Balance rising over three months",
                (bills[0] - bills[2]) / _limit()),
        Feature("available_credit", a, "可用额度少", "Little available credit",
                pl.col("LIMIT_BAL") - bills[0]),
        Feature("unpaid_share", a, "未还余额占额度比例高", "Large unpaid balance against the limit",
                (bills[1] - paid[0]) / _limit()),
        Feature("statement_balance", a, "账单余额高", "High statement balance", bills[0]),
        Feature("age", a, "年龄因素", "Age", pl.col("AGE")),
        Feature("education", a, "教育程度因素", "Education", pl.col("EDUCATION")),
        Feature("sex", PROTECTED, "性别", "Sex", pl.col("SEX")),
        Feature("marital_status", PROTECTED, "婚姻状况", "Marital status", pl.col("MARRIAGE")),
    )  # fmt: skip


CATALOGUE = _catalogue()
BY_NAME = {feature.name: feature for feature in CATALOGUE}
DEFAULT_FEATURES = tuple(f.name for f in CATALOGUE if f.group != PROTECTED)
WITH_PROTECTED = tuple(f.name for f in CATALOGUE)
# The latest two statuses interact with every other feature; see docs/decisions/0007.
HUB = ("status_1", "status_2")
HUB_REASON = ("recent_status", "最近两期还款状态逾期", "Repayment status of the last two months is late")


def feature_frame(accounts: pl.DataFrame, names: tuple[str, ...] = DEFAULT_FEATURES) -> pl.DataFrame:
    """The features ``names`` (Float64, in that order) of every row of ``accounts`` (the input layout)."""
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown features: {', '.join(unknown)}")
    return accounts.select(BY_NAME[name].expression.cast(pl.Float64).alias(name) for name in names)
