"""Charts as inline SVG, written here (no charting library): accessible (role="img", a title and a description
naming every figure) and themed by CSS classes, so dark and high-contrast themes recolour them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

MAX_LEVEL = 8


def level_bars(bars: Sequence[tuple[str, int | None, int | None]], *, title: str, description: str,
               chart_id: str) -> str:
    """One bar per (label, level, target): the level 0-8 as a bar, the target as a line across it."""
    width, height, left, bottom, top = max(320, 34 * len(bars) + 40), 220, 28, 36, 10
    slot = (width - left - 8) / max(len(bars), 1)
    plot = height - top - bottom
    y = lambda level: top + plot - plot * level / MAX_LEVEL  # noqa: E731
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d"><title id="{chart_id}-t">{escape(title)}</title>'
             f'<desc id="{chart_id}-d">{escape(description)}</desc>']
    for level in range(0, MAX_LEVEL + 1, 2):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
                     f'<text class="axis" x="{left - 6}" y="{y(level) + 4:.1f}" text-anchor="end">{level}</text>')
    for index, (label, level, target) in enumerate(bars):
        x = left + slot * index
        if level is not None:
            parts.append(f'<rect class="bar area{label[:1]}" x="{x + slot * 0.2:.1f}" y="{y(level):.1f}" '
                         f'width="{slot * 0.6:.1f}" height="{plot * level / MAX_LEVEL:.1f}"/>')
        if target is not None:
            parts.append(f'<line class="target" x1="{x + slot * 0.1:.1f}" x2="{x + slot * 0.9:.1f}" '
                         f'y1="{y(target):.1f}" y2="{y(target):.1f}"/>')
        parts.append(f'<text class="label" x="{x + slot / 2:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


LEGEND_ITEM = 160  # px per legend entry: a swatch and a label of up to ~24 characters at 11 px


def grouped_bars(groups: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str,
                 description: str, chart_id: str) -> str:
    """Bars per group (month) and series (kind), with a legend; the scale starts at 0."""
    count = max(len(groups), 1)
    width, left, bottom, top = max(360, 20 * count * max(len(series), 1) + 60), 36, 56, 10
    per_row = max(1, int((width - left) // LEGEND_ITEM))  # legend items wrap, so none is cut at the edge
    legend_rows = max(1, -(-len(series) // per_row))
    height = 240 + 16 * (legend_rows - 1)
    slot = (width - left - 8) / count
    highest = max([value for _, values in series for value in values] + [1])
    plot = 240 - top - bottom
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d"><title id="{chart_id}-t">{escape(title)}</title>'
             f'<desc id="{chart_id}-d">{escape(description)}</desc>'
             f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{top + plot}" y2="{top + plot}"/>'
             f'<text class="axis" x="{left - 6}" y="{top + 8}" text-anchor="end">{highest}</text>']
    bar = slot * 0.8 / max(len(series), 1)
    for g, group in enumerate(groups):
        for s, (_, values) in enumerate(series):
            value = values[g]
            h = plot * value / highest
            parts.append(f'<rect class="bar series{s}" x="{left + slot * g + slot * 0.1 + bar * s:.1f}" '
                         f'y="{top + plot - h:.1f}" width="{bar:.1f}" height="{h:.1f}"/>')
        parts.append(f'<text class="label" x="{left + slot * g + slot / 2:.1f}" y="{top + plot + 16}" '
                     f'text-anchor="middle">{escape(group)}</text>')
    for s, (name, _) in enumerate(series):
        x, y = left + LEGEND_ITEM * (s % per_row), top + plot + 34 + 16 * (s // per_row)
        parts.append(f'<rect class="bar series{s}" x="{x}" y="{y}" width="10" height="10"/>'
                     f'<text class="label" x="{x + 14}" y="{y + 9}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_lines(rounds: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
                description: str, chart_id: str, low: float = 1, high: float = 5) -> str:
    """One small chart: a line per series over the rounds on a fixed scale (the survey's 1-5), a dot per value
    (gaps where a value is hidden), the first series solid and the second dashed. Several such charts share
    one legend (`trend_legend`)."""
    count = max(len(rounds), 1)
    width, height, left, bottom, top = max(260, 70 * count + 50), 165, 28, 28, 10
    slot = (width - left - 12) / count
    plot = height - top - bottom
    y = lambda value: top + plot - plot * (value - low) / (high - low)  # noqa: E731
    x = lambda index: left + slot * index + slot / 2  # noqa: E731
    parts = [f'<svg class="chart trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d"><title id="{chart_id}-t">{escape(title)}</title>'
             f'<desc id="{chart_id}-d">{escape(description)}</desc>']
    for value in range(int(low), int(high) + 1):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
                     f'<text class="axis" x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>')
    for s, (_, values) in enumerate(series):
        points: list[str] = []
        for index, value in enumerate(values):
            if value is None:
                if len(points) > 1:
                    parts.append(f'<polyline class="line series{s}" points="{" ".join(points)}"/>')
                points = []
                continue
            points.append(f"{x(index):.1f},{y(value):.1f}")
            parts.append(f'<circle class="dot series{s}" cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5"/>')
        if len(points) > 1:
            parts.append(f'<polyline class="line series{s}" points="{" ".join(points)}"/>')
    for index, label in enumerate(rounds):
        parts.append(f'<text class="label" x="{x(index):.1f}" y="{top + plot + 16}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_legend(names: Sequence[str]) -> str:
    """The legend of `trend_lines` charts as HTML: each series' line style beside its name."""
    items = "".join(f'<li><svg aria-hidden="true" width="24" height="10"><line class="line series{s}" x1="2" x2="22" '
                    f'y1="5" y2="5"/></svg> {escape(name)}</li>' for s, name in enumerate(names))
    return f'<ul class="trend-legend">{items}</ul>'
