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


def nice_ticks(value: float, most: int = 6, whole: bool = True) -> list[float]:
    """Ticks 0, s, 2s, … up to the first multiple of s at or above `value`, where s is
    1, 2 or 5 × 10^k and there are at most `most` intervals: 0/50/100/…, never 0/62/125.
    `whole`: counts, so the step is at least 1."""
    if value <= 0:
        return [0, 1]
    step = 10 ** math.floor(math.log10(value / most))
    if whole:
        step = max(step, 1)
    for factor in (1, 2, 5, 10):
        if math.ceil(value / (step * factor) - 1e-9) <= most:
            step *= factor
            break
    intervals = max(1, math.ceil(value / step - 1e-9))
    return [round(step * index, 10) for index in range(intervals + 1)]


def text_width(text: str, size: float) -> float:
    """Width of `text` in DejaVu Sans at `size` user units, estimated on the generous side
    (DejaVu's widest common glyphs are about 0.62 em; capitals and digits ~0.6 em)."""
    return len(text) * size * 0.62


def _wrap(label: str, limit: int) -> list[str]:
    """At most two lines of at most `limit` characters, broken between words; a label that
    still does not fit loses its tail to an ellipsis (never its head: the code stays)."""
    if len(label) <= limit:
        return [label]
    cut = label.rfind(" ", 0, limit + 1)
    if cut <= 0:
        cut = limit
    first, rest = label[:cut].rstrip(), label[cut:].strip()
    if len(rest) > limit:
        rest = rest[: limit - 1] + "…"
    return [first, rest]


def horizontal_bars(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    value_label: Callable[[float | None], str],
    maximum: float | None = None,
    target: float | None = None,
    target_label: str = "",
    highlight_below_target: bool = True,
    value_title: str = "",
    colours: Sequence[str] | None = None,
) -> str:
    """One bar per item (label, value); an optional dashed target line. Labels wrap onto
    two lines instead of being cut; `value_title` names the value axis; `colours` (one per
    item) tell groups apart, e.g. finding grades."""
    width, value_width, label_size = 640, 70, 10
    line_chars = 46
    wrapped = [_wrap(label, line_chars) for label, _value in items]
    two_lines = any(len(lines) > 1 for lines in wrapped)
    row = 30 if two_lines else 22
    longest = max((text_width(line, label_size) for lines in wrapped for line in lines), default=0)
    label_width = min(max(120, longest + 10), 300)
    top, bottom = 26, 22 + (16 if value_title else 0)
    height = top + row * max(len(items), 1) + bottom
    plot_width = width - label_width - value_width
    values = [value for _label, value in items if value is not None]
    if maximum is not None:
        ticks = [maximum * tick / 4 for tick in range(5)]
    else:
        ticks = nice_ticks(max(values) if values else 1)
    scale_max = ticks[-1]
    body = [_text(0, 14, title, size=12, weight="bold")]
    axis_y = height - bottom
    for tick in ticks:
        x = label_width + plot_width * tick / scale_max
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(x, axis_y + 16, value_label(tick), anchor="middle", size=9))
    if value_title:
        body.append(_text(label_width + plot_width / 2, height - 4, value_title, anchor="middle", size=9,
                          weight="bold"))
    for index, ((_label, value), lines) in enumerate(zip(items, wrapped)):
        y = top + index * row
        bar_height = row - 7
        centre = y + 3 + bar_height / 2
        for number, line in enumerate(lines):
            offset = (number - (len(lines) - 1) / 2) * 11
            body.append(_text(label_width - 6, centre + 3.5 + offset, line, anchor="end", size=label_size))
        if value is None:
            body.append(_text(label_width + 4, centre + 3.5, value_label(None), size=10))
            continue
        bar_width = plot_width * min(value / scale_max, 1.0) if scale_max else 0
        colour = colours[index] if colours else BAR
        if highlight_below_target and target is not None and value < target:
            colour = ALERT
        body.append(f'<rect x="{label_width:.1f}" y="{y + 3}" width="{bar_width:.1f}" height="{bar_height}" fill="{colour}"/>')
        text = value_label(value)
        if bar_width > text_width(text, 10) + 8:  # inside the bar's end, clear of any target line
            body.append(_text(label_width + bar_width - 4, centre + 3.5, text, anchor="end", size=10, fill="#ffffff"))
        else:
            body.append(_text(label_width + bar_width + 4, centre + 3.5, text, size=10))
    if target is not None and scale_max:
        x = label_width + plot_width * min(target / scale_max, 1.0)
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="{ALERT}" '
                    f'stroke-width="1.4" stroke-dasharray="5,3"/>')
        body.append(_text(x, top - 9, target_label, anchor="middle", size=9, fill=ALERT))
    return _svg(width, height, body, title)


def x_label_layout(labels: Sequence[str], slot: float, size: float = 9) -> tuple[bool, int]:
    """(rotated, every): labels that do not fit their slot side by side are turned 45°,
    and only every n-th is shown when even turned ones would touch."""
    widest = max((text_width(label, size) for label in labels), default=0)
    if widest + 4 <= slot:
        return False, 1
    # Turned 45°, neighbours are slot·sin 45° apart across their baselines; a line needs ~1.3 em.
    every = max(1, math.ceil(size * 1.3 / (slot * math.sin(math.pi / 4))))
    return True, every


def monthly_trend(
    months: Sequence[tuple[str, int, int, float | None]],
    *,
    title: str,
    received_label: str,
    resolved_label: str,
    rate_label: str,
    count_label: Callable[[float], str],
    rate_value_label: Callable[[float | None], str],
    x_title: str = "",
    count_title: str = "",
    rate_title: str = "",
) -> str:
    """Columns of dossiers received and resolved per month, a line of the on-time rate (right axis).
    Month labels turn 45° (and thin out) when they would overrun each other."""
    width = 640
    left, right, top = 62, 62, 44
    plot_width = width - left - right
    slot = plot_width / max(len(months), 1)
    labels = [label for label, *_rest in months]
    rotated, every = x_label_layout(labels, slot)
    label_depth = (max((text_width(label, 9) for label in labels), default=0) * math.sin(math.pi / 4) + 10
                   if rotated else 14)
    bottom = 8 + label_depth + (16 if x_title else 0)
    plot_height = 176
    height = round(top + plot_height + bottom)
    ticks = nice_ticks(max([max(received, resolved) for _m, received, resolved, _r in months] or [1]), most=5)
    peak = ticks[-1]
    column = min(slot * 0.34, 40)
    body = [_text(0, 14, title, size=12, weight="bold")]
    legend = [(BAR_LIGHT, received_label), (BAR, resolved_label), (ALERT, rate_label)]
    x = left
    for colour, text in legend:
        body.append(f'<rect x="{x}" y="22" width="10" height="10" fill="{colour}"/>')
        body.append(_text(x + 14, 31, text, size=10))
        x += 24 + text_width(text, 10)
    axis_y = top + plot_height
    for tick in ticks:
        y = axis_y - plot_height * tick / peak
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(left - 4, y + 3, count_label(tick), anchor="end", size=9))
    for tick in range(5):
        y = axis_y - plot_height * tick / 4
        body.append(_text(width - right + 4, y + 3, rate_value_label(tick / 4), size=9, fill=ALERT))
    if count_title:
        body.append(f'<text x="12" y="{top + plot_height / 2:.1f}" text-anchor="middle" font-size="9" '
                    f'font-weight="bold" transform="rotate(-90 12 {top + plot_height / 2:.1f})">{escape(count_title)}</text>')
    if rate_title:
        x_rate = width - 8
        body.append(f'<text x="{x_rate}" y="{top + plot_height / 2:.1f}" text-anchor="middle" font-size="9" '
                    f'font-weight="bold" fill="{ALERT}" transform="rotate(90 {x_rate} {top + plot_height / 2:.1f})">'
                    f'{escape(rate_title)}</text>')
    if x_title:
        body.append(_text(left + plot_width / 2, height - 4, x_title, anchor="middle", size=9, weight="bold"))
    points = []
    for index, (label, received, resolved, rate) in enumerate(months):
        centre = left + slot * (index + 0.5)
        for offset, value, colour in ((-column, received, BAR_LIGHT), (0, resolved, BAR)):
            bar_height = plot_height * value / peak
            body.append(f'<rect x="{centre + offset:.1f}" y="{axis_y - bar_height:.1f}" '
                        f'width="{column:.1f}" height="{bar_height:.1f}" fill="{colour}"/>')
        if index % every == 0:
            if rotated:
                y = axis_y + 12
                body.append(f'<text class="x-label" x="{centre:.1f}" y="{y:.1f}" text-anchor="end" font-size="9" '
                            f'transform="rotate(-45 {centre:.1f} {y:.1f})">{escape(label)}</text>')
            else:
                body.append(f'<text class="x-label" x="{centre:.1f}" y="{axis_y + 14:.1f}" text-anchor="middle" '
                            f'font-size="9">{escape(label)}</text>')
        if rate is not None:
            points.append((centre, axis_y - plot_height * rate, rate))
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _rate in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{ALERT}" stroke-width="2"/>')
        for index, (x, y, rate) in enumerate(points):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{ALERT}"/>')
            label = rate_value_label(rate)
            if text_width(label, 9) + 4 > slot * every and index % 2:
                continue  # rate labels wider than their slot: every other one, so they do not touch
            # A white plate keeps the label readable where it crosses a column.
            plate = text_width(label, 9)
            body.append(f'<rect x="{x - plate / 2:.1f}" y="{y - 16:.1f}" width="{plate:.1f}" '
                        f'height="11" fill="#ffffff" fill-opacity="0.85"/>')
            body.append(_text(x, y - 7, label, anchor="middle", size=9, fill=ALERT))
    return _svg(width, height, body, title)
