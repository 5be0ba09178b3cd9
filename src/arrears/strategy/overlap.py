"""Whether two segments can hold the same account: every condition they share must intersect."""

from __future__ import annotations

from decimal import Decimal

from arrears.accounts.rules import DEFAULT_BUCKETS
from arrears.strategy.schema import Conditions, Range, Segment

_SPANS = {band.code: (band.min_dpd, band.max_dpd) for band in DEFAULT_BUCKETS.bands}
Span = tuple[Decimal | None, Decimal | None]  # inclusive; None: unbounded


def _meet(a: Span, b: Span) -> Span | None:
    low = max((x for x in (a[0], b[0]) if x is not None), default=None)
    high = min((x for x in (a[1], b[1]) if x is not None), default=None)
    return None if low is not None and high is not None and low > high else (low, high)


def _span(value: Range | None) -> Span:
    return (None, None) if value is None else (value.min, value.max)


def dpd_spans(when: Conditions) -> list[Span]:
    """The days past due a segment admits: its dpd range within the spans of its buckets."""
    spans: list[Span] = [(None, None)]
    if when.bucket is not None:
        spans = [
            (Decimal(low), None if high is None else Decimal(high))
            for low, high in (_SPANS[code] for code in when.bucket)
        ]
    found = [_meet(span, _span(when.dpd)) for span in spans]
    return [span for span in found if span is not None]


def _sets_meet(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    return a is None or b is None or bool(set(a) & set(b))


def overlap(first: Segment, second: Segment) -> bool:
    a, b = first.when, second.when
    if not any(_meet(x, y) for x in dpd_spans(a) for y in dpd_spans(b)):
        return False
    for name in ("balance", "score", "ability"):
        if _meet(_span(getattr(a, name)), _span(getattr(b, name))) is None:
            return False
    for name in ("risk_tier", "product"):
        if not _sets_meet(getattr(a, name), getattr(b, name)):
            return False
    for name in ("hold", "was_late_before"):
        x, y = getattr(a, name), getattr(b, name)
        if x is not None and y is not None and x != y:
            return False
    return True


def overlapping(segments: tuple[Segment, ...]) -> list[tuple[str, str]]:
    """Every pair of segments that an account could meet both of."""
    return [
        (first.id, second.id)
        for index, first in enumerate(segments)
        for second in segments[index + 1 :]
        if overlap(first, second)
    ]
