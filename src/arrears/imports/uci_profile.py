"""The bank's profile of a UCI sample client: what the UCI file has, and what is clearly synthetic.

The UCI file holds education and marriage (kept as they are) and the credit limit, nothing about
work or household. Like the names and addresses (``identity.py``), the occupation and the employer
are synthetic, drawn per client ID from a seeded generator (the same client always gets the same
ones); the employer is a made-up Zhongshan company at the client's synthetic work address. The income
band is derived from the limit, on the assumption that the card was granted at about six months of
declared income: a rule of thumb, not data. Housing, household and other products stay empty: the
UCI file says nothing about them and they are not invented.
"""

from __future__ import annotations

import hashlib
import random
from typing import Final

from arrears.imports.extract_format import INCOME_BANDS

_SALT: Final = "arrears.imports.uci_profile/v1"
LIMIT_MONTHS_OF_INCOME: Final = 6
# (occupation, the kind of employer it works for)
_OCCUPATIONS: Final = (
    ("工程师", "电子科技"), ("技术员", "电器制造"), ("车间工人", "五金制品"), ("销售代表", "贸易"),
    ("会计", "会计服务"), ("教师", "教育咨询"), ("护士", "医疗器械"), ("厨师", "餐饮管理"),
    ("司机", "物流"), ("文员", "商务服务"), ("店员", "商贸"), ("设计师", "家具"),
    ("质检员", "灯饰"), ("仓管员", "供应链管理"), ("保安", "物业管理"), ("个体经营者", "商行"),
)  # fmt: skip
_BRANDS: Final = (
    "华强", "兴业", "恒达", "金辉", "利民", "永安", "宏图", "美佳", "新科", "广信",
    "嘉禾", "明珠", "伟业", "富华", "中联", "盛世", "鸿运", "粤港", "东方", "长江",
)  # fmt: skip
# the lower bound of each band in yuan a month (INCOME_BANDS in order)
_BAND_FLOORS: Final = (0, 3_000, 5_000, 10_000, 20_000, 50_000)


def income_band(limit_yuan: int) -> str:
    """The income band of a credit limit granted at ``LIMIT_MONTHS_OF_INCOME`` months of income."""
    monthly = limit_yuan / LIMIT_MONTHS_OF_INCOME
    band = max(index for index, floor in enumerate(_BAND_FLOORS) if monthly >= floor)
    return INCOME_BANDS[band]


def occupation_and_employer(client_id: int) -> tuple[str, str]:
    """A synthetic occupation and employer name for ``client_id`` (deterministic)."""
    digest = hashlib.blake2b(f"{_SALT}:{client_id}".encode(), digest_size=8).digest()
    rng = random.Random(int.from_bytes(digest, "big"))
    occupation, trade = rng.choice(_OCCUPATIONS)
    if trade == "商行":  # self-employed: a shop of their own
        return occupation, f"中山市{rng.choice(_BRANDS)}商行"
    return occupation, f"中山市{rng.choice(_BRANDS)}{trade}有限公司"
