"""Money: ``Decimal`` in the domain, integer fen (minor units) in the store and in files.

An amount a person or a client enters is plain yuan: digits, optionally a point and one or two
decimals (``1234.5``, ``0.01``), no sign, no separators, no scientific notation, at most
``MAX_AMOUNT_FEN`` (100,000,000.00 yuan). In JSON it is integer fen within the same cap
(``Fen``, ``PositiveFen``). The text is checked before any arithmetic, so no input can make the
server build a huge number. (The bank extract's amounts are parsed by the importer, see
docs/extract-format.md.)
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from arrears.kit.inputs import InvalidField, shown

MAX_AMOUNT_FEN = 100_000_000_00  # 100 million yuan: far above any card debt, far below any overflow
_AMOUNT = re.compile(r"([0-9]{1,9})(?:\.([0-9]{1,2}))?")
_LONGEST = 12  # characters of the largest amount: 999999999.99

Fen = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT_FEN, description="fen, 0 to 10,000,000,000")]
PositiveFen = Annotated[
    int, Field(strict=True, gt=0, le=MAX_AMOUNT_FEN, description="fen, 1 to 10,000,000,000")
]


class InvalidAmount(InvalidField):
    """Not an amount in yuan, or above the cap."""


def parse_amount_fen(text: str, *, field: str = "amount") -> int:
    """``"1234.5"`` -> 123450 fen. InvalidAmount (a ValueError naming ``field``) for anything that is not
    plain yuan with at most two decimals from 0 to 100,000,000.00."""
    value = text.strip()
    found = _AMOUNT.fullmatch(value) if len(value) <= _LONGEST else None
    fen = int(found.group(1)) * 100 + int((found.group(2) or "").ljust(2, "0")) if found else None
    if fen is None or fen > MAX_AMOUNT_FEN:
        cap = format_fen(MAX_AMOUNT_FEN)
        raise InvalidAmount(
            field,
            f"{shown(text)} is not an amount (yuan, at most two decimals, up to {cap})",
            f"{shown(text)} 不是有效的金额（单位元，最多两位小数，不超过 {cap}）",
        )
    return fen


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_fen(fen: int) -> str:
    """``123456789`` -> ``"1,234,567.89"``."""
    return f"{fen_to_yuan(fen):,.2f}"
