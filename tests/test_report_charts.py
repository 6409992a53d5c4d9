"""The SVG charts read as a person reads them: month labels that do not overrun each
other, round ticks, axis titles, whole clause names."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from qms.core.formatting import Formatter
from qms.report import charts

SVG = "{http://www.w3.org/2000/svg}"


def _month_chart(count: int, language: str = "vi") -> str:
    formatter = Formatter(language)
    months = [(formatter.month(f"{2024 + (index // 12)}-{index % 12 + 1:02d}"), 900 + 7 * index, 850, 0.93)
              for index in range(count)]
    return charts.monthly_trend(months, title="t", received_label="r", resolved_label="s", rate_label="x",
                                count_label=lambda value: formatter.integer(round(value)),
                                rate_value_label=formatter.percent, x_title="Tháng tiếp nhận",
                                count_title="Số hồ sơ", rate_title="Tỷ lệ đúng hạn")


def _x_labels(svg: str) -> list[tuple[float, float, str, float]]:
    """(x, y, text, rotation in degrees) of each month label."""
    labels = []
    for element in ET.fromstring(svg).iter(f"{SVG}text"):
        if element.get("class") != "x-label":
            continue
        rotation = re.search(r"rotate\((-?[\d.]+)", element.get("transform") or "")
        labels.append((float(element.get("x")), float(element.get("y")), element.text,
                       float(rotation.group(1)) if rotation else 0.0))
    return labels


@pytest.mark.parametrize(("months", "language"), [(3, "vi"), (12, "vi"), (12, "en"), (16, "vi"), (16, "en")])
def test_month_labels_do_not_overlap(months, language):
    labels = _x_labels(_month_chart(months, language))
    assert labels, "no month labels"
    for (x1, _y1, text1, angle), (x2, _y2, _text2, _angle2) in zip(labels, labels[1:]):
        if angle == 0:
            # Side by side: each label's box (0.62 em per character at 9 units) ends before the next begins.
            half = charts.text_width(text1, 9) / 2
            assert x1 + half + 2 <= x2 - charts.text_width(_text2, 9) / 2, (text1, x1, x2)
        else:
            # Turned: the distance between neighbouring baselines, across them, exceeds a line of text.
            assert abs(angle) == 45
            assert (x2 - x1) * math.sin(math.radians(45)) >= 9 * 1.2, (x1, x2)
    # Twelve Vietnamese month names do not fit side by side: they are turned.
    if months >= 12:
        assert all(angle == -45 for *_rest, angle in labels)
    # Every month that is shown is the month under its columns; the first is always shown.
    assert labels[0][2].endswith("2024")


def test_month_chart_has_axis_titles_and_round_ticks():
    svg = _month_chart(12)
    texts = [element.text for element in ET.fromstring(svg).iter(f"{SVG}text")]
    assert {"Tháng tiếp nhận", "Số hồ sơ", "Tỷ lệ đúng hạn"} <= set(texts)
    # received peaks at 977: ticks every 200 up to 1.000
    assert {"0", "200", "400", "600", "800", "1.000"} <= set(texts)


def test_nice_ticks_are_round():
    assert charts.nice_ticks(250) == [0, 50, 100, 150, 200, 250]
    assert charts.nice_ticks(233) == [0, 50, 100, 150, 200, 250]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(1) == [0, 1]


def test_findings_chart_ticks_and_whole_clause_names():
    name = "8.5.1 Kiểm soát việc cung cấp dịch vụ và sản xuất"
    svg = charts.horizontal_bars([(name, 233), ("9.2 Đánh giá nội bộ", 40)], title="Phát hiện theo điều khoản",
                                 value_label=lambda value: str(round(value or 0)), value_title="Số phát hiện")
    texts = [element.text for element in ET.fromstring(svg).iter(f"{SVG}text")]
    ticks = [text for text in texts if text and text.isdigit()]
    assert ticks[:6] == ["0", "50", "100", "150", "200", "250"]
    assert "Số phát hiện" in texts
    # The name is on the chart whole (over two lines at most), with no ellipsis.
    assert " ".join(text for text in texts if text and (text.startswith("8.5.1") or text in name)
                    and not text.isdigit() and len(text) > 3) == name
    assert not any("…" in (text or "") for text in texts)


def test_grades_get_their_own_colours():
    svg = charts.horizontal_bars([("a", 3), ("b", 2)], title="t", value_label=str,
                                 colours=["#111111", "#222222"])
    fills = [element.get("fill") for element in ET.fromstring(svg).iter(f"{SVG}rect")]
    assert fills == ["#111111", "#222222"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_rate_labels_do_not_touch(language):
    svg = _month_chart(16, language)
    rates = [(float(element.get("x")), element.text) for element in ET.fromstring(svg).iter(f"{SVG}text")
             if element.text and element.text.endswith("%") and element.get("fill") == charts.ALERT
             and element.get("text-anchor") == "middle"]
    assert len(rates) >= 8
    for (x1, text1), (x2, text2) in zip(rates, rates[1:]):
        assert x1 + charts.text_width(text1, 9) / 2 <= x2 - charts.text_width(text2, 9) / 2, (text1, text2)
