"""Server-side SVG charts for the staff pages: pure functions from figures to markup, no I/O.

Each chart is one ``<svg>`` element returned as ``markupsafe.Markup`` (a ``str``, so Jinja2 puts it in
the page as it is): ``role="img"`` with an ``aria-label`` and a ``<title>``, a ``viewBox`` so it scales
to its container, text in the page's colour (``currentColor``) and generic font, no JavaScript and
nothing fetched from elsewhere. Every label and value passes through ``markupsafe.escape`` (the
markup is built with ``Markup.format``, which escapes every argument). With no data the
chart shows the caller's text (the caller knows the page's language); all-zero values draw empty
bars on a default axis, never a division by zero. Hovering a bar or a point shows its value (SVG
``<title>``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

Number = int | float
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4")
GRID, AXIS = "#d1d5db", "#6b7280"
RIGHT, TOP, BOTTOM = 16.0, 28.0, 40.0  # the margins around the plot; the left one fits the axis' labels
INSET = 20.0  # between the ends of the plot and the first and last day of a line chart


@dataclass(frozen=True, slots=True)
class Series:
    """A named run of values: one per label (bars) or per day (lines: ratios 0..1, None for none)."""

    name: str
    values: Sequence[Number | None]
    color: str | None = None


@dataclass(frozen=True, slots=True)
class _Plot:
    width: float
    height: float
    left: float = 48.0

    @property
    def right(self) -> float:
        return self.width - RIGHT

    @property
    def top(self) -> float:
        return TOP

    @property
    def bottom(self) -> float:
        return self.height - BOTTOM

    @property
    def inner_width(self) -> float:
        return self.right - self.left

    @property
    def inner_height(self) -> float:
        return self.bottom - self.top


def plain_number(value: float) -> str:
    """``1234`` -> ``1,234``; ``0.25`` -> ``0.25``."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(value: float) -> str:
    """A ratio as a percentage: ``0.256`` -> ``25.6%``."""
    return f"{100 * value:.1f}%"


def nice_scale(maximum: float, *, ticks: int = 4, integer: bool = False) -> tuple[float, float]:
    """``(top, step)``: a round ``top >= maximum`` cut into ``ticks`` equal steps. An axis for
    nothing (0 or less) still has a height: ``(1, 0.25)``, or ``(4, 1)`` for whole numbers."""
    raw = (maximum if maximum > 0 else 1.0) / ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, float(math.ceil(step)))
    return step * ticks, step


def _clean(value: Number | None) -> float:
    """A value as a bar height: missing, negative or not finite counts as 0."""
    return float(value) if value is not None and math.isfinite(value) and value > 0 else 0.0


def _char_width(ch: str) -> float:
    """About how wide a character is at 12px: CJK characters take a full em."""
    return 12.0 if unicodedata.east_asian_width(ch) in "WF" else 7.0


def _text_width(text: str) -> float:
    return sum(_char_width(ch) for ch in text)


def _fit(label: str, room: float) -> str:
    """The label cut (with an ellipsis) to about ``room`` pixels."""
    widths = [_char_width(ch) for ch in label]
    if sum(widths) <= room:
        return label
    used, kept = 7.0, []  # room for the ellipsis
    for ch, w in zip(label, widths, strict=True):
        if used + w > room:
            break
        used += w
        kept.append(ch)
    return "".join(kept) + "…"


def _svg(title: str, plot: _Plot, body: Sequence[Markup]) -> Markup:
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}" role="img" aria-label="{t}" '
        'class="chart" font-family="sans-serif" font-size="12" fill="currentColor"><title>{t}</title>'
    ).format(w=plot.width, h=plot.height, t=title)
    return head + Markup("").join(body) + Markup("</svg>")


def _empty(title: str, empty_text: str, plot: _Plot) -> Markup:
    text = Markup(
        '<text class="empty" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="14" fill="{c}">'
        "{t}</text>"
    )
    return _svg(title, plot, [text.format(x=plot.width / 2, y=plot.height / 2, c=AXIS, t=empty_text)])


def _ticks(top: float, step: float, fmt: Callable[[float], str]) -> list[tuple[float, str]]:
    return [(step * index, fmt(step * index)) for index in range(round(top / step) + 1)]


def _plot_beside(ticks: Sequence[tuple[float, str]], width: int, height: int) -> _Plot:
    """The plot with room on its left for the widest of the axis' labels (up to a third of it)."""
    widest = max((_text_width(text) for _value, text in ticks), default=0.0)
    return _Plot(float(width), float(height), left=min(max(40.0, widest * 11 / 12 + 14), width / 3))


def _value_axis(plot: _Plot, ticks: Sequence[tuple[float, str]]) -> list[Markup]:
    """Horizontal grid lines with their values, from 0 up to the last tick (the axis' top)."""
    line = Markup(
        '<line x1="{l:.1f}" x2="{r:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{c}" stroke-width="1"/>'
        '<text class="tick" x="{tx:.1f}" y="{ty:.1f}" text-anchor="end" font-size="11">{v}</text>'
    )
    top = ticks[-1][0]
    parts = []
    for index, (value, text) in enumerate(ticks):
        y = plot.bottom - plot.inner_height * value / top
        color = GRID if index else AXIS
        parts.append(line.format(l=plot.left, r=plot.right, y=y, c=color, tx=plot.left - 6, ty=y + 4, v=text))
    return parts


def _legend(plot: _Plot, series: Sequence[Series]) -> list[Markup]:
    parts, x = [], plot.left
    for index, one in enumerate(series):
        color = one.color or PALETTE[index % len(PALETTE)]
        name = _fit(one.name, 160)
        parts.append(
            Markup(
                '<g class="legend"><rect x="{x:.1f}" y="6" width="10" height="10" fill="{c}"/>'
                '<text x="{tx:.1f}" y="15" font-size="11">{n}</text></g>'
            ).format(x=x, c=color, tx=x + 14, n=name)
        )
        x += 14 + _text_width(name) + 16
    return parts


def _bar(x: float, width: float, value: float, top: float, plot: _Plot, color: str, tip: str) -> Markup:
    height = plot.inner_height * value / top
    return Markup(
        '<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{c}">'
        "<title>{tip}</title></rect>"
    ).format(x=x, y=plot.bottom - height, w=width, h=height, c=color, tip=tip)


def _bars(
    labels: Sequence[str],
    name: str,
    values: Sequence[float],
    position: int,
    count: int,
    top: float,
    plot: _Plot,
    color: str,
    fmt: Callable[[float], str],
) -> list[Markup]:
    """The bars of the series at ``position`` of ``count`` in each label's band; a lone series has
    its values written above its bars."""
    band = plot.inner_width / len(labels)
    width = band * 0.7 / count
    value_label = Markup(
        '<text class="value" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="11">{v}</text>'
    )
    parts = []
    for index, value in enumerate(values):
        x = plot.left + band * index + band * 0.15 + width * position
        tip = f"{labels[index]}: {name} {fmt(value)}" if name else f"{labels[index]}: {fmt(value)}"
        parts.append(_bar(x, width, value, top, plot, color, tip))
        if count == 1:
            y = plot.bottom - plot.inner_height * value / top - 4
            parts.append(value_label.format(x=x + width / 2, y=y, v=_fit(fmt(value), band)))
    return parts


def _category_labels(plot: _Plot, labels: Sequence[str], band: float) -> list[Markup]:
    template = Markup('<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{t}</text>')
    return [
        template.format(x=plot.left + band * (index + 0.5), y=plot.bottom + 16, t=_fit(label, band - 4))
        for index, label in enumerate(labels)
    ]


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    empty_text: str,
    format_value: Callable[[float], str] = plain_number,
    color: str = PALETTE[0],
    width: int = 640,
    height: int = 320,
) -> Markup:
    """One bar per label, its value written above it; ``format_value`` writes values and the axis
    (e.g. fen as yuan). Negative or missing values draw no bar."""
    return grouped_bar_chart(
        labels,
        [Series("", values, color)],
        title=title,
        empty_text=empty_text,
        format_value=format_value,
        width=width,
        height=height,
    )


def grouped_bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    empty_text: str,
    format_value: Callable[[float], str] = plain_number,
    width: int = 640,
    height: int = 320,
) -> Markup:
    """For each label, one bar per series side by side (e.g. bucket x {overdue, balance}), on one
    axis, with a legend of the series' names (none when there is one unnamed series)."""
    if any(len(one.values) != len(labels) for one in series):
        raise ValueError("every series needs one value per label")
    if not labels or not series:
        return _empty(title, empty_text, _Plot(float(width), float(height)))
    values = [[_clean(v) for v in one.values] for one in series]
    integer = all(isinstance(v, int) for one in series for v in one.values if v is not None)
    top, step = nice_scale(max(max(row) for row in values), integer=integer)
    ticks = _ticks(top, step, format_value)
    plot = _plot_beside(ticks, width, height)
    band = plot.inner_width / len(labels)
    body = _value_axis(plot, ticks)
    for s, (one, row) in enumerate(zip(series, values, strict=True)):
        color = one.color or PALETTE[s % len(PALETTE)]
        body += _bars(labels, one.name, row, s, len(series), top, plot, color, format_value)
    body += _category_labels(plot, labels, band)
    if len(series) > 1 or series[0].name:
        body += _legend(plot, series)
    return _svg(title, plot, body)


def _x_of(day: date, days: Sequence[date], plot: _Plot) -> float:
    span = (days[-1] - days[0]).days
    if span <= 0:
        return plot.left + plot.inner_width / 2
    return plot.left + INSET + (plot.inner_width - 2 * INSET) * (day - days[0]).days / span


def _y_of(ratio: float, plot: _Plot) -> float:
    return plot.bottom - plot.inner_height * min(max(ratio, 0.0), 1.0)


def _line(days: Sequence[date], one: Series, color: str, plot: _Plot) -> list[Markup]:
    """The series as a path broken where a day has no value, with a point (and its tip) per value."""
    point = Markup(
        '<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}"><title>{t}</title></circle>'
    )
    path: list[str] = []
    points: list[Markup] = []
    pen_down = False
    for day, value in zip(days, one.values, strict=True):
        if value is None or not math.isfinite(value):
            pen_down = False
            continue
        x, y = _x_of(day, days, plot), _y_of(float(value), plot)
        path.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
        tip = f"{f'{day.isoformat()} {one.name}'.strip()}: {percent(min(max(float(value), 0.0), 1.0))}"
        points.append(point.format(x=x, y=y, c=color, t=tip))
    line = Markup('<path class="line" d="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
    return ([line.format(d=" ".join(path), c=color)] if path else []) + points


def _day_labels(days: Sequence[date], plot: _Plot, format_day: Callable[[date], str]) -> list[Markup]:
    """At most eight evenly spread day labels, the first and the last among them."""
    count = min(len(days), 8)
    picks = sorted({round(i * (len(days) - 1) / max(count - 1, 1)) for i in range(count)})
    template = Markup('<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{t}</text>')
    return [
        template.format(x=_x_of(days[i], days, plot), y=plot.bottom + 16, t=format_day(days[i]))
        for i in picks
    ]


def line_chart(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    empty_text: str,
    format_day: Callable[[date], str] = lambda day: day.strftime("%m-%d"),
    width: int = 640,
    height: int = 320,
) -> Markup:
    """Ratios (0..1, None where there is none: the line breaks) per day on a 0-100% axis, one line per
    series, with a legend of the series' names. No value at all shows ``empty_text``."""
    if any(len(one.values) != len(days) for one in series):
        raise ValueError("every series needs one value per day")
    if not any(v is not None and math.isfinite(v) for one in series for v in one.values):
        return _empty(title, empty_text, _Plot(float(width), float(height)))
    ticks = _ticks(1.0, 0.25, lambda v: f"{100 * v:.0f}%")
    plot = _plot_beside(ticks, width, height)
    body = _value_axis(plot, ticks)
    for index, one in enumerate(series):
        body += _line(days, one, one.color or PALETTE[index % len(PALETTE)], plot)
    body += _day_labels(days, plot, format_day)
    if any(one.name for one in series):
        body += _legend(plot, series)
    return _svg(title, plot, body)
