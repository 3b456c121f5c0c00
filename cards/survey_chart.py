"""The survey's radar (spider) chart: one axis per dimension on the 1-5 scale, this round's means as a
filled shape, the previous round and the reference organisation as outlines. A small palette PNG drawn with
Pillow and embedded as a data: URI, like cards/chart.py. The axes carry numbers; the card names them."""

from __future__ import annotations

import io
import math
from functools import lru_cache
from typing import Sequence

from PIL import Image, ImageDraw

from cards.chart import chart_data_uri, chart_font

SIZE = 300
SCALE_MIN, SCALE_MAX = 1, 5
CURRENT, CURRENT_FILL, PREVIOUS, REFERENCE = "#2b6cb0", "#bee3f8", "#718096", "#c05621"
_GRID, _TEXT = "#e2e8f0", "#2d3748"
_COLOURS = ("#ffffff", _GRID, _TEXT, CURRENT, CURRENT_FILL, PREVIOUS, REFERENCE)

Series = Sequence[float | None]

__all__ = ["radar_png", "chart_data_uri", "CURRENT", "PREVIOUS", "REFERENCE"]


def radar_png(current: Series, previous: Series | None = None, reference: Series | None = None) -> bytes:
    """A PNG of SIZE x SIZE; each series has one value (1..5, or None: not shown) per dimension, in order."""
    return _draw(tuple(current), tuple(previous) if previous else None, tuple(reference) if reference else None)


def _point(index: int, count: int, value: float, radius: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    share = (value - SCALE_MIN + 1) / (SCALE_MAX - SCALE_MIN + 1)  # 1 sits a step out from the centre
    centre = SIZE / 2
    return centre + math.cos(angle) * radius * share, centre + math.sin(angle) * radius * share


def _shape(values: Series, radius: float) -> list[tuple[float, float]]:
    return [_point(i, len(values), v, radius) for i, v in enumerate(values) if v is not None]


@lru_cache(maxsize=64)
def _draw(current, previous, reference) -> bytes:
    count = len(current)
    radius = SIZE / 2 - 26
    image = Image.new("RGB", (SIZE, SIZE), "#ffffff")
    draw = ImageDraw.Draw(image)
    font = chart_font(12)
    for step in range(SCALE_MIN, SCALE_MAX + 1):
        ring = [_point(i, count, step, radius) for i in range(count)]
        draw.polygon(ring, outline=_GRID)
    for i in range(count):
        draw.line([(SIZE / 2, SIZE / 2), _point(i, count, SCALE_MAX, radius)], fill=_GRID)
        x, y = _point(i, count, SCALE_MAX + 0.7, radius)
        draw.text((x, y), str(i + 1), fill=_TEXT, font=font, anchor="mm")
    shape = _shape(current, radius)
    if len(shape) >= 3:
        draw.polygon(shape, fill=CURRENT_FILL, outline=CURRENT)
        draw.line(shape + shape[:1], fill=CURRENT, width=3)
    for series, colour in ((previous, PREVIOUS), (reference, REFERENCE)):
        if series and len(_shape(series, radius)) >= 3:
            outline = _shape(series, radius)
            draw.line(outline + outline[:1], fill=colour, width=2)
    palette = Image.new("P", (1, 1))
    flat = [channel for colour in _COLOURS for channel in Image.new("RGB", (1, 1), colour).getpixel((0, 0))]
    palette.putpalette(flat + [0] * (768 - len(flat)))
    out = io.BytesIO()
    image.quantize(palette=palette, dither=Image.Dither.NONE).save(out, format="PNG", compress_level=6)
    return out.getvalue()
