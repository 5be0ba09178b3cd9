"""The SVG charts: well-formed, accessible, escaped, honest about empty and zero data, bars in proportion."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from markupsafe import Markup

from arrears.web.charts import (
    Series,
    bar_chart,
    grouped_bar_chart,
    line_chart,
    nice_scale,
    percent,
    plain_number,
)

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(5)]


def parse(chart: str) -> ET.Element:
    """The chart as XML: it must be well-formed, so nothing unescaped got through."""
    return ET.fromstring(chart)


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def texts(root: ET.Element, kind: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == kind]


def labels(root: ET.Element) -> list[str]:
    """The categories' labels as written, a wrapped one's lines put back together."""
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == "label"]


class TestEveryChart:
    @pytest.mark.parametrize(
        "chart",
        [
            bar_chart(["M0", "M1"], [3, 1], title="账龄 <b>", empty_text="无数据"),
            grouped_bar_chart(["M0"], [Series("a", [1]), Series("b", [2])], title="账龄 <b>", empty_text="-"),
            line_chart(DAYS, [Series("rate", [0.1, 0.2, None, 0.4, 0.5])], title="账龄 <b>", empty_text="-"),
            bar_chart([], [], title="账龄 <b>", empty_text="无数据"),
        ],
    )
    def test_is_an_accessible_scalable_image_without_scripts(self, chart: Markup) -> None:
        root = parse(chart)

        assert isinstance(chart, Markup) and root.tag == f"{SVG}svg"
        assert root.get("role") == "img" and root.get("aria-label") == "账龄 <b>"
        assert root.findtext(f"{SVG}title") == "账龄 <b>"
        assert root.get("viewBox") == "0 0 640 320" and root.get("width") is None
        lowered = chart.lower()
        assert (
            "<script" not in lowered
            and "href" not in lowered
            and "http" not in lowered.replace(SVG[1:-1], "")
        )
        assert "&lt;b&gt;" in chart and "<b>" not in chart


class TestBarChart:
    def test_heights_are_in_proportion_to_the_values(self) -> None:
        root = parse(bar_chart(["a", "b", "c", "d"], [40, 10, 0, 25], title="t", empty_text="-"))

        heights = [float(bar.get("height", "")) for bar in bars(root)]
        tops = [float(bar.get("y", "")) for bar in bars(root)]
        assert heights[2] == 0
        assert heights[1] / heights[0] == pytest.approx(10 / 40, abs=1e-3)
        assert heights[3] / heights[0] == pytest.approx(25 / 40, abs=1e-3)
        bottoms = {round(top + height, 2) for top, height in zip(tops, heights, strict=True)}
        assert len(bottoms) == 1  # all stand on the same axis
        assert texts(root, "value") == ["40", "10", "0", "25"]
        assert texts(root, "tick") == [
            "0",
            "10",
            "20",
            "30",
            "40",
        ]  # the axis' top is 40: the tallest bar fills it

    def test_a_bar_is_its_share_of_the_axis_top(self) -> None:
        root = parse(bar_chart(["a", "b"], [37, 12], title="t", empty_text="-"))

        grid = [float(line.get("y1", "")) for line in root.iter(f"{SVG}line")]
        axis_top, axis_bottom = min(grid), max(grid)
        tallest = bars(root)[0]
        assert texts(root, "tick")[-1] == "40"
        assert float(tallest.get("height", "")) == pytest.approx(37 / 40 * (axis_bottom - axis_top), abs=0.01)
        assert float(tallest.get("y", "")) > axis_top

    def test_labels_and_values_are_escaped(self) -> None:
        chart = bar_chart(
            ['<script>alert("x")</script>', "A & B"],
            [1, 2],
            title="t",
            empty_text="-",
            format_value=lambda v: f"<{v}>",
        )
        root = parse(chart)

        assert "<script>" not in chart and "&lt;script&gt;" in chart
        assert texts(root, "label")[1] == "A & B"
        assert texts(root, "value") == ["<1.0>", "<2.0>"]
        assert [bar.findtext(f"{SVG}title") for bar in bars(root)][1] == "A & B: <2.0>"

    def test_no_data_shows_the_callers_text(self) -> None:
        root = parse(bar_chart([], [], title="t", empty_text="暂无数据 <none>"))

        assert texts(root, "empty") == ["暂无数据 <none>"] and bars(root) == []

    def test_all_zero_values_draw_flat_bars_on_a_default_axis(self) -> None:
        root = parse(bar_chart(["a", "b"], [0, 0], title="t", empty_text="-"))

        assert [float(bar.get("height", "")) for bar in bars(root)] == [0, 0]
        assert texts(root, "tick") == ["0", "1", "2", "3", "4"]

    def test_money_through_a_formatter_and_negative_values_as_nothing(self) -> None:
        root = parse(
            bar_chart(
                ["a", "b"],
                [150_000, -5],
                title="t",
                empty_text="-",
                format_value=lambda v: f"¥{v / 100:,.0f}",
            )
        )

        assert texts(root, "value") == ["¥1,500", "¥0"]
        money = parse(
            bar_chart(["a"], [150_000], title="t", empty_text="-", format_value=lambda v: f"¥{v:,.2f}")
        )
        assert texts(money, "tick")[-1] == "¥200,000" and texts(money, "value") == ["¥150,000.00"]
        assert float(bars(root)[1].get("height", "")) == 0

    def test_long_labels_are_written_whole_slanted_with_the_chart_grown_below(self) -> None:
        label = "一个非常非常非常非常非常非常非常非常长的团队名称"
        chart = bar_chart([label] * 10, [1] * 10, title="t", empty_text="-")
        root = parse(chart)

        assert labels(root) == [label] * 10 and "…" not in chart
        first = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "label")
        assert first.get("transform", "").startswith("rotate(-40")
        height = float(root.get("viewBox", "").split()[3])
        below = height - float(first.get("y", ""))
        assert below >= 11 * len(label) * math.sin(math.radians(40))  # room for the whole slanted label
        assert float(first.get("x", "")) >= 11 * len(label) * math.cos(math.radians(40))  # and on its left
        assert bars(root)[0].findtext(f"{SVG}title") == f"{label}: 1"

    def test_the_dashboards_bucket_labels_wrap_whole_between_their_words(self) -> None:
        """The labels that were cut to "正常（未…": each on two lines at most, the bracket on the second."""
        buckets = ["正常（未逾期）", "M1（1-30天）", "M2（31-60天）", "M3（61-90天）", "M4（91-120天）",
                   "M5（121-150天）", "M6（151-180天）", "M7+（180天以上）"]  # fmt: skip
        series = [Series("余额", [10**11] * 8), Series("逾期", [10**9] * 8)]
        chart = grouped_bar_chart(
            buckets, series, title="t", empty_text="-", format_value=lambda v: f"¥{v:,.2f}"
        )
        root = parse(chart)

        assert labels(root) == buckets and "…" not in chart
        lines = [[span.text for span in t.iter(f"{SVG}tspan")] for t in root.iter(f"{SVG}text")
                 if t.get("class") == "label"]  # fmt: skip
        assert lines[0] == ["正常", "（未逾期）"] and max(len(one) for one in lines) == 2
        assert root.get("viewBox") == "0 0 640 334"  # one line more below the plot

    def test_labels_that_fit_stay_one_line(self) -> None:
        root = parse(bar_chart(["M0 (current)", "M1"], [1, 2], title="t", empty_text="-"))

        assert texts(root, "label") == ["M0 (current)", "M1"] and root.get("viewBox") == "0 0 640 320"

    def test_values_are_never_cut(self) -> None:
        chart = bar_chart([str(n) for n in range(30)], [123_456_789] * 30, title="t", empty_text="-")
        root = parse(chart)

        assert "…" not in chart and texts(root, "value") == []  # too narrow to read: in the bars' tips
        assert bars(root)[0].findtext(f"{SVG}title") == "0: 123,456,789"
        smaller = parse(bar_chart([str(n) for n in range(9)], [123_456_789] * 9, title="t", empty_text="-"))
        sizes = {t.get("font-size") for t in smaller.iter(f"{SVG}text") if t.get("class") == "value"}
        assert texts(smaller, "value") == ["123,456,789"] * 9 and sizes == {"9"}

    def test_a_value_per_label(self) -> None:
        with pytest.raises(ValueError, match="one value per label"):
            bar_chart(["a", "b"], [1], title="t", empty_text="-")


class TestGroupedBarChart:
    def test_one_bar_per_series_in_each_group_on_one_axis(self) -> None:
        series = [Series("逾期", [100, 0, 50]), Series("余额", [400, 300, 200], color="#123456")]
        root = parse(grouped_bar_chart(["M1", "M2", "M3"], series, title="t", empty_text="-"))

        found = bars(root)
        assert len(found) == 6
        heights = [float(bar.get("height", "")) for bar in found]
        assert heights[0] / heights[3] == pytest.approx(100 / 400, abs=1e-3)
        assert heights[1] == 0
        assert {bar.get("fill") for bar in found[3:]} == {"#123456"}
        xs = [float(bar.get("x", "")) for bar in found]
        assert xs[0] < xs[3] < xs[1] < xs[4]  # side by side within each group
        legend = [
            t.text for g in root.iter(f"{SVG}g") if g.get("class") == "legend" for t in g.iter(f"{SVG}text")
        ]
        assert legend == ["逾期", "余额"]

    def test_a_long_legend_wraps_onto_rows_with_every_name_whole(self) -> None:
        names = [f"第{n}个非常长的系列名称，写全而不截断" for n in range(4)]
        root = parse(grouped_bar_chart(["a"], [Series(name, [n]) for n, name in enumerate(names)], title="t",
                                       empty_text="-"))  # fmt: skip

        entries = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
        assert [g.findtext(f"{SVG}text") for g in entries] == names
        rows = sorted({float(g.find(f"{SVG}text").get("y", "")) for g in entries})  # type: ignore[union-attr]
        grid = min(float(line.get("y1", "")) for line in root.iter(f"{SVG}line"))
        assert len(rows) >= 2 and grid > rows[-1] + 4  # the plot starts below the last row


class TestLineChart:
    def test_points_at_their_percent_and_a_gap_where_there_is_no_value(self) -> None:
        root = parse(
            line_chart(DAYS, [Series("接通率", [0.0, 0.5, None, 1.0, 0.25])], title="t", empty_text="-")
        )

        points = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "point"]
        ys = [float(c.get("cy", "")) for c in points]
        assert len(points) == 4
        assert ys[0] - ys[1] == pytest.approx((ys[0] - ys[2]) / 2, abs=0.1)  # 50% is half of 100%
        assert ys[3] == pytest.approx(ys[0] - (ys[0] - ys[2]) / 4, abs=0.1)
        path = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "line").get("d", "")
        assert path.count("M") == 2  # the line breaks on the day with no value
        assert texts(root, "tick") == ["0%", "25%", "50%", "75%", "100%"]
        assert [p.findtext(f"{SVG}title") for p in points][1] == "2026-11-02 接通率: 50.0%"

    def test_days_are_spaced_by_date(self) -> None:
        days = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 5)]
        root = parse(line_chart(days, [Series("r", [0.1, 0.2, 0.3])], title="t", empty_text="-"))

        xs = [float(c.get("cx", "")) for c in root.iter(f"{SVG}circle")]
        assert xs[2] - xs[1] == pytest.approx(3 * (xs[1] - xs[0]), abs=0.1)

    def test_one_day_and_ratios_out_of_range(self) -> None:
        root = parse(line_chart([date(2026, 11, 1)], [Series("r", [1.5])], title="t", empty_text="-"))

        (point,) = list(root.iter(f"{SVG}circle"))
        top_line = min(float(line.get("y1", "")) for line in root.iter(f"{SVG}line"))
        assert float(point.get("cy", "")) == top_line  # clamped to 100%

    def test_no_values_at_all_show_the_callers_text(self) -> None:
        for days, values in (([], []), (DAYS, [None] * 5)):
            root = parse(line_chart(days, [Series("r", values)], title="t", empty_text="no calls yet"))
            assert texts(root, "empty") == ["no calls yet"]

    def test_at_most_eight_day_labels_with_the_first_and_last(self) -> None:
        days = [date(2026, 1, 1) + timedelta(days=n) for n in range(90)]
        root = parse(line_chart(days, [Series("r", [0.5] * 90)], title="t", empty_text="-"))

        labels = texts(root, "label")
        assert len(labels) == 8 and labels[0] == "01-01" and labels[-1] == "03-31"


class TestScale:
    @pytest.mark.parametrize(
        ("maximum", "integer", "expected"),
        [
            (40, True, (40, 10)),
            (37, True, (40, 10)),
            (3, True, (4, 1)),
            (1, True, (4, 1)),
            (0, True, (4, 1)),
            (0, False, (1, 0.25)),
            (0.9, False, (1, 0.25)),
            (123_456_789, True, (200_000_000, 50_000_000)),
            (9, False, (10, 2.5)),
        ],
    )
    def test_a_round_top_at_or_above_the_maximum(
        self, maximum: float, integer: bool, expected: tuple[float, float]
    ) -> None:
        assert nice_scale(maximum, integer=integer) == pytest.approx(expected)

    def test_formatters(self) -> None:
        assert plain_number(1234) == "1,234" and plain_number(0.25) == "0.25" and plain_number(2.5) == "2.5"
        assert percent(0.256) == "25.6%" and percent(1) == "100.0%"
