"""Charts as inline SVG drawn on the server: they print (WeasyPrint draws SVG; a script chart
cannot run in a PDF), need no JavaScript and scale with their box (``viewBox``).

Pure functions from numbers and already-translated labels to an SVG string."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

#: one family, named alone: WeasyPrint's SVG takes no list (it fell back to a serif font)
FONT = "Noto Sans CJK SC"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#d9e2ec"
#: received · closed (a colour-blind-safe pair), and the bars
COLOURS = ("#1f77b4", "#e07b00")
BAR = "#2f6f9f"


def _num(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() or abs(n) >= 100 else f"{n:,.1f}"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 … a round number at or above ``top`` in about ``count`` round whole steps."""
    if top <= 0:
        return [0.0, 1.0]
    raw = max(top / count, 1.0)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _text(x: float, y: float, s: str, *, size: int = 11, anchor: str = "start", fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(s)}</text>')


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str,
               partial: Sequence[bool] = (), partial_note: str = "", width: int = 640, height: int = 260) -> str:
    """Lines over months: ``series`` is (translated name, values) each; a point's value is
    written above it; the months still running are drawn hollow (``partial_note`` says so)."""
    left, right, top, bottom = 48, 16, 40, 44
    w, h = width - left - right, height - top - bottom
    top_value = max([max(v, default=0) for _, v in series] + [0])
    ticks = nice_ticks(top_value)
    ymax = ticks[-1] or 1.0
    n = max(len(labels), 1)
    step = w / max(n - 1, 1)

    def x(i: int) -> float:
        return left + (w / 2 if n == 1 else i * step)

    def y(v: float) -> float:
        return top + h - v / ymax * h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'class="chart" font-family="{FONT}" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>"]
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{GRID}" stroke-width="1"/>')
        out.append(_text(left - 6, y(t) + 4, _num(t), size=10, anchor="end", fill=MUTED))
    every = max(1, math.ceil(n / 12))
    for i, lab in enumerate(labels):
        if i % every == 0 or i == n - 1:
            out.append(_text(x(i), top + h + 16, lab, size=10, anchor="middle", fill=MUTED))
    lx = left
    for k, (name, _) in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        out.append(f'<rect x="{lx}" y="12" width="14" height="4" fill="{colour}"/>')
        out.append(_text(lx + 18, 18, name, size=11))
        lx += 28 + 12 * len(name) + 8 * sum(1 for ch in name if ord(ch) < 128) // 2
    if partial_note and any(partial):
        out.append(_text(left + w, 18, partial_note, size=10, anchor="end", fill=MUTED))
    for k, (_, values) in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        if len(values) > 1:
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, v in enumerate(values):
            hollow = i < len(partial) and partial[i]
            fill = "#ffffff" if hollow else colour
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{fill}" stroke="{colour}" stroke-width="1.5"/>')
            if n <= 13 and v:
                dy = -8 if k == 0 else 16
                out.append(_text(x(i), y(v) + dy, _num(v), size=9, anchor="middle", fill=colour))
    out.append(f'<line x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}" stroke="{MUTED}" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(rows: Sequence[tuple[str, float, str]], *, title: str, width: int = 640, bar: int = 16) -> str:
    """Horizontal bars, one a row: (translated name, value, the value as written)."""
    label_w = min(220, 24 + 12 * max((len(name) for name, _, _ in rows), default=4))
    left, right, top = label_w, 70, 8
    w = width - left - right
    gap = 6
    height = top * 2 + len(rows) * (bar + gap)
    vmax = max((v for _, v, _ in rows), default=0) or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'class="chart" font-family="{FONT}" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    for i, (name, v, shown) in enumerate(rows):
        yy = top + i * (bar + gap)
        bw = max(0.0, v / vmax * w)
        out.append(_text(left - 8, yy + bar - 4, name, size=11, anchor="end"))
        out.append(f'<rect x="{left}" y="{yy}" width="{bw:.1f}" height="{bar}" fill="{BAR}"/>')
        out.append(_text(left + bw + 6, yy + bar - 4, shown, size=10, fill=MUTED))
    out.append(f'<line x1="{left}" x2="{left}" y1="{top - 2}" y2="{height - top + 2}" stroke="{MUTED}" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)
