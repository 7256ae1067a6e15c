"""Small inline SVG charts for the HTML report: a histogram and a horizontal bar chart.

The HTML report is one self-contained file, so its charts are drawn here as SVG text
instead of by a charting library or script.  Colours are not written into the SVG: every
shape carries a class (``bar``, ``bar sev-error``, ``limit``, ``axis``) that the page's
stylesheet colours, so the same chart follows light mode, dark mode and print.  No
``style`` attribute is ever written, because the page's Content-Security-Policy allows only
its one hashed stylesheet.

Every label (a class name, a language code, a rule code) can come from the dataset, so each
is escaped with ``html.escape(..., quote=True)`` before it is placed in text or in an
attribute; numbers are formatted here, never taken as text from the input.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

#: drawing width of every chart in SVG units (the page scales it to the card width)
WIDTH = 560
#: height of one histogram's plot area
PLOT_HEIGHT = 150
#: height of one row of a bar chart
ROW = 22
#: room on the left of a bar chart for its labels, in SVG units
LABEL_WIDTH = 210
#: characters of a bar label shown before it is cut (the full label is in its tooltip)
MAX_LABEL = 32


def esc(value: object) -> str:
    """Text safe in SVG/HTML text and in double- or single-quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def fmt(n: float) -> str:
    """``1,234`` for whole numbers, ``1.5`` otherwise: chart labels stay short."""
    if float(n).is_integer():
        return f"{int(n):,}"
    return f"{n:,.1f}"


def compact(n: float) -> str:
    """``950``, ``12k``, ``1.2M``: axis labels that fit under a narrow bin."""
    a = abs(n)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            v = n / div
            return f"{v:.0f}{suffix}" if abs(v) >= 10 or v.is_integer() else f"{v:.1f}{suffix}"
    return fmt(n)


def _cut(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _text(cls: str, x: float, y: float, body: str, anchor: str | None = None) -> str:
    """A ``<text>`` element; ``body`` must already be escaped."""
    where = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.0f}"{where}>{body}</text>'


def _open(chart_id: str, height: float, title: str) -> str:
    """The ``<svg>`` element: scalable (viewBox), labelled for screen readers, tagged with
    ``data-chart`` so tests and readers can find a chart by its id."""
    cid = esc(chart_id)
    return (
        f'<svg class="chart" id="chart-{cid}" data-chart="{cid}" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{esc(title)}</title>"
    )


def _hist_panel(
    edges: Sequence[float],
    counts: Sequence[int],
    top: float,
    *,
    limit: float | None = None,
    label: str | None = None,
) -> list[str]:
    """One histogram's shapes, with its plot area starting at ``top``.

    Bins are drawn at equal widths whatever their edges (token bins are often wider at
    the long end), so the x axis is labelled by the edges themselves.  The limit line is
    interpolated inside its bin; a limit past the last edge is drawn as a marker at the
    right end with its value, which is the usual case (nothing near the limit) and the
    one a reader most needs to see stated.
    """
    left, right = 48.0, WIDTH - 12.0
    n = len(counts)
    out: list[str] = []
    if label:
        out.append(f'<text class="panel" x="{left}" y="{top - 6:.0f}">{esc(label)}</text>')
    peak = max(counts) if counts else 0
    bottom = top + PLOT_HEIGHT
    out.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    out.append(_text("tick", left - 6, top + 8, compact(peak), "end"))
    out.append(f'<text class="tick" x="{left - 6}" y="{bottom:.0f}" text-anchor="end">0</text>')
    if n == 0:
        return out
    step = (right - left) / n
    for i, c in enumerate(counts):
        h = 0.0 if peak <= 0 else PLOT_HEIGHT * c / peak
        if c > 0:
            h = max(h, 1.5)  # a bin with few records stays visible next to a tall one
        x = left + i * step
        lo, hi = edges[i], edges[i + 1]
        tip = f"{fmt(lo)}–{fmt(hi)}: {fmt(c)}"
        out.append(
            f'<rect class="bar" x="{x + 0.5:.1f}" y="{bottom - h:.1f}" '
            f'width="{max(step - 1, 0.5):.1f}" height="{h:.1f}"><title>{esc(tip)}</title></rect>'
        )
    every = max(1, math.ceil(n / 8))  # at most ~9 edge labels, so they never overlap
    for i in range(0, n + 1, every):
        x = left + i * step
        out.append(_text("tick", x, bottom + 14, compact(edges[i]), "middle"))
    if limit is not None:
        out.extend(_limit_line(edges, limit, left, step, top, bottom))
    return out


def _limit_line(
    edges: Sequence[float],
    limit: float,
    left: float,
    step: float,
    top: float,
    bottom: float,
) -> list[str]:
    """The vertical limit line (or the right-edge marker for a limit beyond the data)."""
    n = len(edges) - 1
    text = f"limit {fmt(limit)}"
    if limit >= edges[-1]:
        x = left + n * step
        beyond = f"{text} →" if limit > edges[-1] else text
        return [
            f'<line class="limit" x1="{x:.1f}" y1="{top:.0f}" x2="{x:.1f}" y2="{bottom:.0f}"/>',
            _text("limit-label", x - 4, top + 10, esc(beyond), "end"),
        ]
    i = 0
    while i < n - 1 and limit >= edges[i + 1]:
        i += 1
    lo, hi = edges[i], edges[i + 1]
    frac = 0.0 if hi <= lo else min(max((limit - lo) / (hi - lo), 0.0), 1.0)
    x = left + (i + frac) * step
    anchor = "end" if x > WIDTH / 2 else "start"
    dx = -4 if anchor == "end" else 4
    return [
        f'<line class="limit" x1="{x:.1f}" y1="{top:.0f}" x2="{x:.1f}" y2="{bottom:.0f}"/>',
        _text("limit-label", x + dx, top + 10, esc(text), anchor),
    ]


def histogram(
    chart_id: str,
    title: str,
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    limit: float | None = None,
) -> str:
    """A histogram of binned counts (``counts[i]`` between ``edges[i]`` and ``edges[i+1]``),
    with an optional vertical limit line, as one ``<svg>``."""
    return multi_histogram(chart_id, title, [(None, edges, counts)], limit=limit)


def multi_histogram(
    chart_id: str,
    title: str,
    panels: Sequence[tuple[str | None, Sequence[float], Sequence[int]]],
    *,
    limit: float | None = None,
) -> str:
    """Histograms stacked in one ``<svg>`` (one panel per series, e.g. per role), each
    scaled to its own peak: roles differ in volume, and the shape is what is compared."""
    pad_top = 22
    panel_h = PLOT_HEIGHT + 40
    height = pad_top + panel_h * max(len(panels), 1) - 12
    parts = [_open(chart_id, height, title)]
    for k, (label, edges, counts) in enumerate(panels):
        top = pad_top + k * panel_h
        parts.extend(_hist_panel(edges, counts, top, limit=limit, label=label))
    parts.append("</svg>")
    return "".join(parts)


def bars(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    classes: Sequence[str] | None = None,
    more: str | None = None,
) -> str:
    """A horizontal bar chart of ``(label, value)`` rows in the given order, as one ``<svg>``.

    ``classes`` adds a class per bar (``sev-error``...) for the stylesheet to colour;
    ``more`` is a last grey line such as ``+12 more labels`` for rows left out.
    """
    right_pad = 70
    extra = 1 if more else 0
    height = 8 + ROW * (len(rows) + extra)
    peak = max((v for _, v in rows), default=0)
    span = WIDTH - LABEL_WIDTH - right_pad
    parts = [_open(chart_id, height, title)]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        w = 0.0 if peak <= 0 or value <= 0 else span * value / peak  # never a negative width
        if value > 0:
            w = max(w, 1.5)
        cls = "bar" + (f" {esc(classes[i])}" if classes and i < len(classes) and classes[i] else "")
        text = str(label)
        parts.append(
            f"<g><title>{esc(text)}: {fmt(value)}</title>"
            + _text("label", LABEL_WIDTH - 8, y + ROW / 2 + 4, esc(_cut(text)), "end")
            + f'<rect class="{cls}" x="{LABEL_WIDTH}" y="{y + 3:.0f}" width="{w:.1f}" '
            f'height="{ROW - 6}" rx="2"/>'
            + _text("value", LABEL_WIDTH + w + 6, y + ROW / 2 + 4, fmt(value))
            + "</g>"
        )
    if more:
        y = 4 + len(rows) * ROW
        parts.append(
            f'<text class="more" x="{LABEL_WIDTH}" y="{y + ROW / 2 + 4:.0f}">{esc(more)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def gauge(score: float, verdict_class: str, label: str) -> str:
    """The score as a ring filled to ``score``/100, coloured by the verdict's class."""
    r, c = 52.0, 2 * math.pi * 52.0
    filled = c * min(max(score, 0.0), 100.0) / 100.0
    shown = "100" if score >= 100 else f"{score:.1f}"
    return (
        f'<svg class="gauge {esc(verdict_class)}" viewBox="0 0 128 128" width="150" height="150" '
        f'role="img" xmlns="http://www.w3.org/2000/svg"><title>{esc(label)}</title>'
        f'<circle class="track" cx="64" cy="64" r="{r:.0f}"/>'
        f'<circle class="fill" cx="64" cy="64" r="{r:.0f}" stroke-dasharray="{filled:.1f} {c:.1f}" '
        f'transform="rotate(-90 64 64)"/>'
        f'<text class="value" x="64" y="70" text-anchor="middle">{shown}</text>'
        f'<text class="of" x="64" y="90" text-anchor="middle">/ 100</text></svg>'
    )


def meter(value: float, cls: str = "") -> str:
    """A thin bar filled to ``value`` (0..1): a dimension's score without a style attribute."""
    v = min(max(value, 0.0), 1.0)
    return (
        f'<svg class="meter {esc(cls)}" viewBox="0 0 100 6" preserveAspectRatio="none" '
        f'width="100%" height="6" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">'
        f'<rect class="track" x="0" y="0" width="100" height="6" rx="3"/>'
        f'<rect class="fill" x="0" y="0" width="{100 * v:.1f}" height="6" rx="3"/></svg>'
    )


__all__ = ["bars", "compact", "esc", "fmt", "gauge", "histogram", "meter", "multi_histogram"]
