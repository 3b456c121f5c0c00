"""The profile chart: a small palette PNG drawn with Pillow and embedded in the card as a data: URI.

Bars show the level 0-8 per competence in the area's colour, a black line the target, a grey dot the
previous assessment's level, a grey cross "not relevant". The image holds numbers only, so it serves both languages; the card's
alt text and legend say what it shows. Embedding avoids a public URL for personal data.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Mapping, Sequence

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 600, 260
MAX_LEVEL = 8
_LEFT, _RIGHT, _TOP, _BOTTOM = 30, 8, 10, 46
# One colour per DigComp area, dark enough for white backgrounds (WCAG contrast >= 3:1 against white).
AREA_COLOURS = ("#2b6cb0", "#2c7a7b", "#6b46c1", "#c05621", "#2f855a")
_GRID, _AXIS, _TARGET, _PREVIOUS, _TEXT = "#e2e8f0", "#718096", "#1a202c", "#a0aec0", "#2d3748"

Levels = Mapping[str, int | None]


def chart_png(areas: Sequence[tuple[str, Sequence[str]]], levels: Levels, targets: Mapping[str, int] | None = None,
              previous: Levels | None = None) -> bytes:
    """A PNG of WIDTH x HEIGHT; `areas` is [(area key, [competence keys])] in framework order."""
    return _draw(
        tuple((area, tuple(keys)) for area, keys in areas),
        tuple(sorted(levels.items())),
        tuple(sorted((targets or {}).items())),
        tuple(sorted((previous or {}).items())),
    )


def chart_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@lru_cache(maxsize=256)
def _draw(areas, levels, targets, previous) -> bytes:
    levels, targets, previous = dict(levels), dict(targets), dict(previous)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = _font()
    plot_bottom, plot_height = HEIGHT - _BOTTOM, HEIGHT - _BOTTOM - _TOP

    def y_of(level: float) -> int:
        return round(plot_bottom - plot_height * level / MAX_LEVEL)

    for level in range(MAX_LEVEL + 1):
        y = y_of(level)
        draw.line([(_LEFT, y), (WIDTH - _RIGHT, y)], fill=_GRID if level else _AXIS, width=1)
        draw.text((_LEFT - 6, y), str(level), fill=_TEXT, font=font, anchor="rm")

    count = sum(len(keys) for _, keys in areas)
    gap = 8  # between areas
    slot = (WIDTH - _LEFT - _RIGHT - gap * (len(areas) - 1)) / max(count, 1)
    bar = max(4, round(slot * 0.62))
    x = float(_LEFT)
    for index, (area, keys) in enumerate(areas):
        colour = AREA_COLOURS[index % len(AREA_COLOURS)]
        area_start = x
        for key in keys:
            centre = x + slot / 2
            left, right = round(centre - bar / 2), round(centre + bar / 2)
            level = levels.get(key)
            if level is None:  # not relevant: a small grey cross on the axis
                draw.line([(centre - 3, plot_bottom - 9), (centre + 3, plot_bottom - 3)], fill=_AXIS, width=2)
                draw.line([(centre - 3, plot_bottom - 3), (centre + 3, plot_bottom - 9)], fill=_AXIS, width=2)
            else:  # level 0 still shows as a sliver, so that it reads as answered
                draw.rectangle([left, min(y_of(level), plot_bottom - 3), right, plot_bottom - 1], fill=colour)
            if targets.get(key) is not None:
                y = y_of(targets[key])
                draw.rectangle([left - 3, y - 1, right + 3, y + 1], fill=_TARGET)
            if previous.get(key) is not None:
                y = y_of(previous[key])
                draw.ellipse([centre - 3, y - 3, centre + 3, y + 3], fill=_PREVIOUS, outline=_TARGET)
            draw.text((centre, plot_bottom + 4), key, fill=_TEXT, font=font, anchor="mt")
            x += slot
        draw.line([(area_start + 2, plot_bottom + 24), (x - 2, plot_bottom + 24)], fill=colour, width=3)
        draw.text(((area_start + x) / 2, plot_bottom + 29), area, fill=colour, font=font, anchor="mt")
        x += gap

    # A palette of 16 colours keeps the PNG at a few kilobytes, so the card stays far below its size budget.
    out = io.BytesIO()
    image.quantize(colors=16, dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=13)
    except (OSError, TypeError):  # Pillow built without FreeType: the bitmap font has no sizes
        return ImageFont.load_default()
