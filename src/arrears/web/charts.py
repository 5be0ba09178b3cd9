"""Server-side SVG charts for the staff pages: pure functions from figures to markup, no I/O.

Each chart is one ``<svg>`` element returned as ``markupsafe.Markup`` (a ``str``, so Jinja2 puts it in
the page as it is): ``role="img"`` with an ``aria-label`` and a ``<title>``, a ``viewBox`` so it scales
to its container, text in the page's colour (``currentColor``) and generic font, no JavaScript and
nothing fetched from elsewhere. Every label and value passes through ``markupsafe.escape`` (the
markup is built with ``Markup.format``, which escapes every argument). With no data the
chart shows the caller's text (the caller knows the page's language); all-zero values draw empty
bars on a default axis, never a division by zero. Hovering a bar or a point shows its value (SVG
``<title>``).

Nothing is cut: a category's label too wide for its band is wrapped onto up to three lines (between
Chinese characters, at spaces, before a bracket), and when that is not enough every label is written
slanted, the chart growing below its plot to hold them; the legend wraps onto more rows; a bar's value
too wide for its band is written smaller, or left to its tip when it would not read at all.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from markupsafe import Markup

Number = int | float
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4")
GRID, AXIS = "#d1d5db", "#6b7280"
RIGHT, TOP, BOTTOM = 16.0, 28.0, 40.0  # the margins around the plot; the left one fits the axis' labels
INSET = 20.0  # between the ends of the plot and the first and last day of a line chart
LINE = 14.0  # between the lines of a wrapped label, and the rows of the legend
MAX_LINES = 3  # a label needing more is written slanted
SLANT = 40.0  # degrees
ZERO_DECIMALS = re.compile(r"\.0+(?=\D*$)")
OPENING, CLOSING = "（([【《“‘", "）)]】》”’，,。.、：:；;！!？?%％"  # a line never ends / starts with these


@dataclass(frozen=True, slots=True)
class Series:
    """A named run of values: one per label (bars) or per day (lines: ratios 0..1, None for none)."""

    name: str
    values: Sequence[Number | None]
    color: str | None = None


@dataclass(frozen=True, slots=True)
class _Plot:
    """The drawing (``width`` x ``height``) and the plot inside it, ``above`` and ``below`` it the room
    for the legend and the labels."""

    width: float
    height: float
    left: float = 48.0
    above: float = TOP
    below: float = BOTTOM

    @property
    def right(self) -> float:
        return self.width - RIGHT

    @property
    def top(self) -> float:
        return self.above

    @property
    def bottom(self) -> float:
        return self.height - self.below

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


def _small_width(text: str) -> float:
    """About how wide a text is at 11px (the axes' labels and values, the legend)."""
    return _text_width(text) * 11 / 12


def _pieces(label: str) -> list[str]:
    """The label cut where a line may break: between Chinese characters, at spaces (kept as " "),
    between Chinese and other text, after a hyphen, never after an opening bracket nor before a
    closing one."""
    pieces: list[str] = []
    glued = False  # the last piece ends with an opening bracket: the next character joins it
    for ch in label:
        if ch.isspace():
            pieces.append(" ")
            glued = False
            continue
        wide = _char_width(ch) > 7
        joins = (
            pieces
            and pieces[-1] != " "
            and (
                glued
                or ch in CLOSING
                or not (wide or _char_width(pieces[-1][-1]) > 7 or pieces[-1][-1] == "-")
            )
        )
        if joins:
            pieces[-1] += ch
        else:
            pieces.append(ch)
        glued = ch in OPENING
    return pieces


def _greedy(pieces: Sequence[str], room: float) -> list[str]:
    lines, line = [], ""
    for piece in pieces:
        if piece == " ":
            line += " " if line else ""
            continue
        if line and _small_width(line + piece) > room:
            lines.append(line.rstrip())
            line = piece
        else:
            line += piece
    return [*lines, line.rstrip()] if line.strip() else lines


def _wrap(label: str, room: float) -> list[str]:
    """The label's lines within ``room`` pixels: as it is when it fits, else cut before its bracket when
    both parts fit, else filled line by line (a line may stay too wide: one word longer than the room)."""
    if _small_width(label) <= room:
        return [label]
    for bracket in ("（", "("):
        at = label.find(bracket)
        if at > 0 and max(_small_width(label[:at].rstrip()), _small_width(label[at:])) <= room:
            return [label[:at].rstrip(), label[at:]]
    return _greedy(_pieces(label), room)


@dataclass(frozen=True, slots=True)
class _Labels:
    """How the categories' labels are written: wrapped lines each, or slanted whole (``slanted``), and
    the room they take below the plot (and on its left, for a slanted first label)."""

    lines: tuple[tuple[str, ...], ...]
    slanted: bool
    below: float
    left: float


def _layout(labels: Sequence[str], band: float) -> _Labels:
    room = band - 4
    wrapped = [_wrap(label, room) for label in labels]
    if all(
        len(lines) <= MAX_LINES and all(_small_width(line) <= room for line in lines) for lines in wrapped
    ):
        most = max((len(lines) for lines in wrapped), default=1)
        return _Labels(tuple(tuple(lines) for lines in wrapped), False, BOTTOM + LINE * (most - 1), 0.0)
    angle = math.radians(SLANT)
    widest = max(_small_width(label) for label in labels)
    first = _small_width(labels[0]) * math.cos(angle) - band / 2 + 8
    return _Labels(tuple((label,) for label in labels), True, 24 + widest * math.sin(angle) + 8, first)


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
    """The axis' values as ``fmt`` writes them, less a decimal part of zeros (``¥2,000.00`` -> ``¥2,000``):
    the ticks are round numbers, and the narrower the axis' labels the wider the bands."""
    return [
        (step * index, ZERO_DECIMALS.sub("", fmt(step * index))) for index in range(round(top / step) + 1)
    ]


def _plot_beside(
    ticks: Sequence[tuple[float, str]], width: int, height: int, legend: Sequence[Series] = ()
) -> _Plot:
    """The plot with room on its left for the widest of the axis' labels (up to a third of it), and
    above it for the rows of the ``legend`` (the named series)."""
    widest = max((_text_width(text) for _value, text in ticks), default=0.0)
    left = min(max(40.0, widest * 11 / 12 + 14), width / 3)  # the ticks are 11px
    return _above(_Plot(float(width), float(height), left=left), legend)


def _above(plot: _Plot, legend: Sequence[Series]) -> _Plot:
    rows = len(_legend_rows(plot.left, plot.right, legend)) if legend else 1
    return replace(plot, above=TOP + LINE * (rows - 1))


def _with_labels(plot: _Plot, labels: Sequence[str], legend: Sequence[Series]) -> tuple[_Plot, _Labels]:
    """The plot grown below (and on its left) so that the categories' labels are written whole; the
    plot keeps its height."""
    layout = _layout(labels, plot.inner_width / len(labels))
    left = max(plot.left, layout.left)
    if left > plot.left:  # a wider left margin narrows the bands: lay the labels out again
        layout = _layout(labels, (plot.right - left) / len(labels))
        left = max(left, layout.left)
    grown = replace(plot, height=plot.height + layout.below - plot.below, left=left, below=layout.below)
    return _above(grown, legend), layout


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


def _legend_rows(left: float, right: float, series: Sequence[Series]) -> list[list[tuple[float, int]]]:
    """Each legend row's entries (x, series' index): whole names, a new row when one would not fit."""
    rows: list[list[tuple[float, int]]] = [[]]
    x = left
    for index, one in enumerate(series):
        width = 14 + _small_width(one.name)
        if rows[-1] and x + width > right:
            rows.append([])
            x = left
        rows[-1].append((x, index))
        x += width + 16
    return rows


def _legend(plot: _Plot, series: Sequence[Series]) -> list[Markup]:
    entry = Markup(
        '<g class="legend"><rect x="{x:.1f}" y="{y:.1f}" width="10" height="10" fill="{c}"/>'
        '<text x="{tx:.1f}" y="{ty:.1f}" font-size="11">{n}</text></g>'
    )
    parts = []
    for row, entries in enumerate(_legend_rows(plot.left, plot.right, series)):
        for x, index in entries:
            color = series[index].color or PALETTE[index % len(PALETTE)]
            y = 6 + LINE * row
            parts.append(entry.format(x=x, y=y, c=color, tx=x + 14, ty=y + 9, n=series[index].name))
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
    its values written above its bars, whole (smaller when the band is narrow; only in the bars' tips
    when they would be too small to read)."""
    band = plot.inner_width / len(labels)
    width = band * 0.7 / count
    value_label = Markup(
        '<text class="value" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{s:g}">{v}</text>'
    )
    widest = max((_small_width(fmt(value)) for value in values), default=0.0)
    size = 11.0 if widest <= band - 2 else math.floor(11 * (band - 2) / widest)
    parts = []
    for index, value in enumerate(values):
        x = plot.left + band * index + band * 0.15 + width * position
        tip = f"{labels[index]}: {name} {fmt(value)}" if name else f"{labels[index]}: {fmt(value)}"
        parts.append(_bar(x, width, value, top, plot, color, tip))
        if count == 1 and size >= 8:
            y = plot.bottom - plot.inner_height * value / top - 4
            parts.append(value_label.format(x=x + width / 2, y=y, s=size, v=fmt(value)))
    return parts


def _category_labels(plot: _Plot, layout: _Labels, band: float) -> list[Markup]:
    """Each label under its band: its lines centred (one ``<tspan>`` per line when wrapped), or the
    whole label slanted up to the left, ending under the band's middle."""
    one = Markup('<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="11">{t}</text>')
    slanted = Markup(
        '<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="end" font-size="11" '
        'transform="rotate(-{a:g} {x:.1f} {y:.1f})">{t}</text>'
    )
    line = Markup('<tspan x="{x:.1f}" dy="{dy:g}">{t}</tspan>')
    parts = []
    for index, lines in enumerate(layout.lines):
        x, y = plot.left + band * (index + 0.5), plot.bottom + 16
        if layout.slanted:
            parts.append(slanted.format(x=x, y=y, a=SLANT, t=lines[0]))
        elif len(lines) == 1:
            parts.append(one.format(x=x, y=y, t=lines[0]))
        else:
            spans = Markup("").join(
                line.format(x=x, dy=LINE if n else 0, t=text) for n, text in enumerate(lines)
            )
            parts.append(one.format(x=x, y=y, t=spans))
    return parts


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
    named = len(series) > 1 or bool(series[0].name)
    legend = series if named else ()
    plot, layout = _with_labels(_plot_beside(ticks, width, height, legend), labels, legend)
    band = plot.inner_width / len(labels)
    body = _value_axis(plot, ticks)
    for s, (one, row) in enumerate(zip(series, values, strict=True)):
        color = one.color or PALETTE[s % len(PALETTE)]
        body += _bars(labels, one.name, row, s, len(series), top, plot, color, format_value)
    body += _category_labels(plot, layout, band)
    if named:
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
    plot = _plot_beside(ticks, width, height, series if any(one.name for one in series) else ())
    body = _value_axis(plot, ticks)
    for index, one in enumerate(series):
        body += _line(days, one, one.color or PALETTE[index % len(PALETTE)], plot)
    body += _day_labels(days, plot, format_day)
    if any(one.name for one in series):
        body += _legend(plot, series)
    return _svg(title, plot, body)
