"""SVG charts for the PDF, written by hand (no plotting library).

Each function takes values already computed by the report model and a formatter
for the tick and value labels, and returns one `<svg>` element as a string. The
geometry is in user units of a fixed viewBox; the SVG scales to the column width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import math
from html import escape

FONT = "DejaVu Sans, sans-serif"
BAR = "#2f5f8a"
BAR_LIGHT = "#a9c4dd"
ALERT = "#b8412c"
GRID = "#d0d0d0"
TEXT = "#222222"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" font-family="{FONT}" font-size="11" fill="{TEXT}">'
            f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = 11, weight: str = "normal",
          fill: str = TEXT) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}">{escape(content)}</text>')


def nice_maximum(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above `value`, so ticks at quarters are round."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 4, 5, 8, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def horizontal_bars(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    value_label: Callable[[float | None], str],
    maximum: float | None = None,
    target: float | None = None,
    target_label: str = "",
    highlight_below_target: bool = True,
) -> str:
    """One bar per item (label, value); an optional dashed target line."""
    width, label_width, value_width, row = 640, 230, 70, 22
    top, bottom = 26, 22
    height = top + row * max(len(items), 1) + bottom
    plot_width = width - label_width - value_width
    values = [value for _label, value in items if value is not None]
    scale_max = maximum if maximum is not None else nice_maximum(max(values) if values else 1)
    body = [_text(0, 14, title, size=12, weight="bold")]
    for tick in range(5):
        x = label_width + plot_width * tick / 4
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - bottom}" stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(x, height - 6, value_label(scale_max * tick / 4), anchor="middle", size=9))
    for index, (label, value) in enumerate(items):
        y = top + index * row
        body.append(_text(label_width - 6, y + 14, _shorten(label, 36), anchor="end", size=10))
        if value is None:
            body.append(_text(label_width + 4, y + 14, value_label(None), size=10))
            continue
        bar_width = plot_width * min(value / scale_max, 1.0) if scale_max else 0
        colour = ALERT if highlight_below_target and target is not None and value < target else BAR
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{bar_width:.1f}" height="{row - 7}" fill="{colour}"/>')
        text = value_label(value)
        if bar_width > len(text) * 6.5 + 8:  # inside the bar's end, clear of any target line
            body.append(_text(label_width + bar_width - 4, y + 14, text, anchor="end", size=10, fill="#ffffff"))
        else:
            body.append(_text(label_width + bar_width + 4, y + 14, text, size=10))
    if target is not None and scale_max:
        x = label_width + plot_width * min(target / scale_max, 1.0)
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - bottom}" stroke="{ALERT}" '
                    f'stroke-width="1.4" stroke-dasharray="5,3"/>')
        body.append(_text(x, top - 9, target_label, anchor="middle", size=9, fill=ALERT))
    return _svg(width, height, body, title)


def monthly_trend(
    months: Sequence[tuple[str, int, int, float | None]],
    *,
    title: str,
    received_label: str,
    resolved_label: str,
    rate_label: str,
    count_label: Callable[[float], str],
    rate_value_label: Callable[[float | None], str],
) -> str:
    """Columns of dossiers received and resolved per month, a line of the on-time rate (right axis)."""
    width, height = 640, 260
    left, right, top, bottom = 50, 50, 44, 40
    plot_width, plot_height = width - left - right, height - top - bottom
    peak = nice_maximum(max([max(received, resolved) for _m, received, resolved, _r in months] or [1]))
    slot = plot_width / max(len(months), 1)
    column = min(slot * 0.34, 40)
    body = [_text(0, 14, title, size=12, weight="bold")]
    legend = [(BAR_LIGHT, received_label), (BAR, resolved_label), (ALERT, rate_label)]
    x = left
    for colour, text in legend:
        body.append(f'<rect x="{x}" y="22" width="10" height="10" fill="{colour}"/>')
        body.append(_text(x + 14, 31, text, size=10))
        x += 20 + len(text) * 6.2
    for tick in range(5):
        y = top + plot_height * (1 - tick / 4)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(left - 4, y + 3, count_label(peak * tick / 4), anchor="end", size=9))
        body.append(_text(width - right + 4, y + 3, rate_value_label(tick / 4), size=9))
    points = []
    for index, (label, received, resolved, rate) in enumerate(months):
        centre = left + slot * (index + 0.5)
        for offset, value, colour in ((-column, received, BAR_LIGHT), (0, resolved, BAR)):
            bar_height = plot_height * value / peak
            body.append(f'<rect x="{centre + offset:.1f}" y="{top + plot_height - bar_height:.1f}" '
                        f'width="{column:.1f}" height="{bar_height:.1f}" fill="{colour}"/>')
        body.append(_text(centre, height - bottom + 14, label, anchor="middle", size=9))
        if rate is not None:
            points.append((centre, top + plot_height * (1 - rate), rate))
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _rate in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{ALERT}" stroke-width="2"/>')
        for x, y, rate in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{ALERT}"/>')
            label = rate_value_label(rate)
            # A white plate keeps the label readable where it crosses a column.
            body.append(f'<rect x="{x - len(label) * 2.8:.1f}" y="{y - 16:.1f}" width="{len(label) * 5.6:.1f}" '
                        f'height="11" fill="#ffffff" fill-opacity="0.85"/>')
            body.append(_text(x, y - 7, label, anchor="middle", size=9, fill=ALERT))
    return _svg(width, height, body, title)
