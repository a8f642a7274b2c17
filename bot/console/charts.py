"""Charts drawn on the server as inline SVG: no JavaScript, nothing fetched from a CDN, readable on a
phone (a `viewBox` and `width="100%"`, so the drawing scales with the page) and to a screen reader
(`role="img"`, a `<title>` and a `<desc>` listing the figures). Pure functions of their data."""

from __future__ import annotations

import hashlib
import unicodedata
from xml.sax.saxutils import escape

WIDTH = 420
"""viewBox units; on a phone about 0.9 CSS pixels each, so the font sizes below stay readable."""
FONT = "system-ui, -apple-system, PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"
TEXT = "#1f2933"
"""Near black on white: well above the 4.5:1 contrast text needs."""
MUTED = "#3e4c59"
BAR = "#1d4f91"
GRID = "#9aa5b1"
TITLE_SIZE, LABEL_SIZE, SMALL_SIZE = 17, 15, 13
ROW, BAR_HEIGHT, TOP = 32, 22, 44
MAX_LABEL_EMS = 9.0
MAX_VALUED_POINTS = 14
"""Beyond this many points the values crowd each other: only the <desc> lists them."""


def bar_chart(title: str, items: list[tuple[str, float]], unit: str = "", *, empty: str = "—",
              maximum: float | None = None) -> str:
    """Horizontal bars, one row per item in the order given, scaled to the largest value or to
    `maximum` (e.g. 100 for percentages); `empty` is shown when there are none."""
    if not items:
        return _empty_chart(title, empty)
    labels = [_shorten(label, MAX_LABEL_EMS) for label, _ in items]
    label_width = max(_ems(label) for label in labels) * LABEL_SIZE + 14
    value_width = max(_ems(_number(value) + unit) for _, value in items) * LABEL_SIZE + 12
    span = WIDTH - label_width - value_width - 8
    largest = maximum or max(value for _, value in items) or 1
    height = TOP + ROW * len(items) + 8
    rows = []
    for index, ((_, value), label) in enumerate(zip(items, labels, strict=True)):
        y = TOP + index * ROW
        length = max(span * min(max(value, 0) / largest, 1), 1 if value else 0)
        middle = y + BAR_HEIGHT / 2
        rows.append(
            f'<text x="{label_width - 8:.1f}" y="{middle:.1f}" text-anchor="end" dominant-baseline="central" '
            f'font-size="{LABEL_SIZE}" fill="{TEXT}">{escape(label)}</text>'
            f'<rect x="{label_width:.1f}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{BAR}" rx="2"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{middle:.1f}" dominant-baseline="central" '
            f'font-size="{LABEL_SIZE}" fill="{TEXT}">{escape(_number(value) + unit)}</text>')
    summary = "；".join(f"{label}：{_number(value)}{unit}" for label, value in items)
    return _svg(title, summary, height, "".join(rows))


def line_chart(title: str, points: list[tuple[str, float]], *, empty: str = "—") -> str:
    """A line through the points (e.g. tickets per week), each marked and labelled with its value."""
    if not points:
        return _empty_chart(title, empty)
    left, right, top, bottom = 44.0, WIDTH - 28.0, TOP + 18.0, 200.0
    ceiling = _nice_ceiling(max(value for _, value in points))
    step = (right - left) / max(len(points) - 1, 1)
    xs = [left + step * index if len(points) > 1 else (left + right) / 2 for index in range(len(points))]
    ys = [bottom - (bottom - top) * max(value, 0) / ceiling for _, value in points]
    grid = "".join(
        f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="central" font-size="{SMALL_SIZE}" '
        f'fill="{MUTED}">{escape(_number(mark))}</text>'
        for mark, y in ((ceiling * part / 2, bottom - (bottom - top) * part / 2) for part in range(3)))
    every = max(1, -(-len(points) // 7))  # at most 7 labels under the axis, so they never overlap
    valued = len(points) <= MAX_VALUED_POINTS
    marks = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"/>'
        + (f'<text x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle" font-size="{SMALL_SIZE}" fill="{TEXT}">'
           f'{escape(_number(value))}</text>' if valued else "")
        + (f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" font-size="{SMALL_SIZE}" fill="{MUTED}">'
           f'{escape(_shorten(label, 6))}</text>' if index % every == 0 else "")
        for index, ((label, value), x, y) in enumerate(zip(points, xs, ys, strict=True)))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    body = (grid + f'<polyline points="{line}" fill="none" stroke="{BAR}" stroke-width="2.5" '
            f'stroke-linejoin="round"/>' + marks)
    summary = "；".join(f"{label}：{_number(value)}" for label, value in points)
    return _svg(title, summary, bottom + 30, body)


def _svg(title: str, summary: str, height: float, body: str) -> str:
    ident = "chart-" + hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()[:10]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
            f'role="img" aria-labelledby="{ident}-t {ident}-d" font-family="{FONT}" '
            f'style="max-width:40rem;height:auto;background:#fff">'
            f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(summary)}</desc>'
            f'<text x="0" y="22" font-size="{TITLE_SIZE}" font-weight="600" fill="{TEXT}">{escape(title)}</text>'
            f"{body}</svg>")


def _empty_chart(title: str, empty: str) -> str:
    body = f'<text x="0" y="{TOP + 14}" font-size="{LABEL_SIZE}" fill="{MUTED}">{escape(empty)}</text>'
    return _svg(title, empty, TOP + 28, body)


def _ems(text: str) -> float:
    """Rough width in ems: a Chinese character (or an ellipsis, wide in Chinese fonts) is one em,
    a Latin letter or digit about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.6 for ch in text)


def _shorten(text: str, ems: float) -> str:
    if _ems(text) <= ems:
        return text
    kept = ""
    for ch in text:
        if _ems(kept + ch) > ems - 1:
            break
        kept += ch
    return kept + "…"


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _nice_ceiling(value: float) -> float:
    """The axis top: the next of 1, 2, 4, 6, 8 × a power of ten at or above the largest value, so the
    middle grid line is a round number too (never 2.5 tickets)."""
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    steps = (2, 4, 6, 8, 10) if magnitude == 1 else (1, 2, 4, 6, 8, 10)
    return next(step * magnitude for step in steps if step * magnitude >= value)
