"""Money: ``Decimal`` in the domain, integer fen (minor units) in the store and in files."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")
_SCIENTIFIC = re.compile(r"^-?\d+(\.\d+)?[eE][+-]?\d+$")


def parse_amount_fen(text: str) -> int:
    """Parse ``"1234.5"`` into 123450 fen. Raises ValueError for anything that is not an amount.

    Scientific notation (``2.00E+05``) is accepted when the value is a whole number of fen.
    """
    value = text.strip()
    if _AMOUNT.match(value):
        return int(Decimal(value) * 100)
    if _SCIENTIFIC.match(value):
        try:
            number = Decimal(value) * 100
        except InvalidOperation as exc:  # pragma: no cover - regex already guards the shape
            raise ValueError(f"{text!r} is not an amount") from exc
        if number == number.to_integral_value():
            return int(number)
    raise ValueError(f"{text!r} is not an amount")


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_fen(fen: int) -> str:
    """``123456789`` -> ``"1,234,567.89"``."""
    return f"{fen_to_yuan(fen):,.2f}"
