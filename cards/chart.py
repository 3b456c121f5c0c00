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

from PIL import Image, ImageColor, ImageDraw, ImageFont

WIDTH, HEIGHT = 600, 260
MAX_LEVEL = 8
_LEFT, _RIGHT, _TOP, _BOTTOM = 30, 8, 10, 46
# One colour per DigComp area, dark enough for white backgrounds (WCAG contrast >= 3:1 against white).
AREA_COLOURS = ("#2b6cb0", "#2c7a7b", "#6b46c1", "#c05621", "#2f855a")
_GRID, _AXIS, _TARGET, _PREVIOUS, _TEXT = "#e2e8f0", "#718096", "#1a202c", "#a0aec0", "#2d3748"
_SOLID = ("#ffffff", _GRID, _AXIS, _TARGET, _PREVIOUS, _TEXT, *AREA_COLOURS)
_PALETTE_SIZE = 16

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


def _y_of(level: float) -> int:
    plot_bottom, plot_height = HEIGHT - _BOTTOM, HEIGHT - _BOTTOM - _TOP
    return round(plot_bottom - plot_height * level / MAX_LEVEL)


def _layout(areas) -> list[tuple[str, str, float, float, list[tuple[str, float, int, int]]]]:
    """Where everything goes: per area its colour, its x extent and per competence (key, centre, left, right)."""
    count = sum(len(keys) for _, keys in areas)
    gap = 8  # between areas
    slot = (WIDTH - _LEFT - _RIGHT - gap * (len(areas) - 1)) / max(count, 1)
    bar = max(4, round(slot * 0.62))
    x = float(_LEFT)
    placed = []
    for index, (area, keys) in enumerate(areas):
        area_start = x
        bars = []
        for key in keys:
            centre = x + slot / 2
            bars.append((key, centre, round(centre - bar / 2), round(centre + bar / 2)))
            x += slot
        placed.append((area, AREA_COLOURS[index % len(AREA_COLOURS)], area_start, x, bars))
        x += gap
    return placed


@lru_cache(maxsize=8)
def _background(areas) -> Image.Image:
    """What every chart of these areas shares, in RGB: the grid, the level scale, the competence and area
    labels. Nothing drawn later overlaps the labels, so drawing them first changes no pixel."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = _font()
    plot_bottom = HEIGHT - _BOTTOM
    for level in range(MAX_LEVEL + 1):
        y = _y_of(level)
        draw.line([(_LEFT, y), (WIDTH - _RIGHT, y)], fill=_GRID if level else _AXIS, width=1)
        draw.text((_LEFT - 6, y), str(level), fill=_TEXT, font=font, anchor="rm")
    for area, colour, area_start, area_end, bars in _layout(areas):
        for key, centre, _, _ in bars:
            draw.text((centre, plot_bottom + 4), key, fill=_TEXT, font=font, anchor="mt")
        draw.line([(area_start + 2, plot_bottom + 24), (area_end - 2, plot_bottom + 24)], fill=colour, width=3)
        draw.text(((area_start + area_end) / 2, plot_bottom + 29), area, fill=colour, font=font, anchor="mt")
    return image


@lru_cache(maxsize=8)
def _paletted_background(areas) -> tuple[Image.Image, dict[str, int]]:
    """The background in a fixed 16-colour palette, and the palette index of each solid colour.

    The palette holds every solid colour exactly, and five shades (a median cut of the anti-aliased text)
    for the rest. Each chart was drawn in RGB and quantized on its own (median cut, then zlib at its
    highest effort): about 12 ms of CPU, most of the finishing answer's cost (bench/README.md). Drawing
    the bars straight onto this background in palette indexes looks the same and costs about 1 ms.
    """
    rgb = _background(areas)
    solid_rgb = [ImageColor.getrgb(colour) for colour in _SOLID]
    shades = [(count, colour) for count, colour in rgb.getcolors(WIDTH * HEIGHT) if colour not in solid_rgb]
    spare = _PALETTE_SIZE - len(_SOLID)
    palette = [channel for colour in solid_rgb for channel in colour]
    if shades:
        strip = Image.new("RGB", (sum(count for count, _ in shades), 1))
        strip.putdata([colour for count, colour in shades for _ in range(count)])
        palette += strip.quantize(colors=spare, dither=Image.Dither.NONE).getpalette()[:3 * spare]
    palette += [255] * (3 * _PALETTE_SIZE - len(palette))  # unused entries: white
    palette_image = Image.new("P", (1, 1))
    palette_image.putpalette(palette)
    paletted = rgb.quantize(palette=palette_image, dither=Image.Dither.NONE)
    return paletted, {colour: index for index, colour in enumerate(_SOLID)}


@lru_cache(maxsize=256)
def _draw(areas, levels, targets, previous) -> bytes:
    levels, targets, previous = dict(levels), dict(targets), dict(previous)
    background, ink = _paletted_background(areas)
    image = background.copy()
    draw = ImageDraw.Draw(image)
    plot_bottom = HEIGHT - _BOTTOM
    for _, colour, _, _, bars in _layout(areas):
        for key, centre, left, right in bars:
            level = levels.get(key)
            if level is None:  # not relevant: a small grey cross on the axis
                draw.line([(centre - 3, plot_bottom - 9), (centre + 3, plot_bottom - 3)], fill=ink[_AXIS], width=2)
                draw.line([(centre - 3, plot_bottom - 3), (centre + 3, plot_bottom - 9)], fill=ink[_AXIS], width=2)
            else:  # level 0 still shows as a sliver, so that it reads as answered
                draw.rectangle([left, min(_y_of(level), plot_bottom - 3), right, plot_bottom - 1], fill=ink[colour])
            if targets.get(key) is not None:
                y = _y_of(targets[key])
                draw.rectangle([left - 3, y - 1, right + 3, y + 1], fill=ink[_TARGET])
            if previous.get(key) is not None:
                y = _y_of(previous[key])
                draw.ellipse([centre - 3, y - 3, centre + 3, y + 3], fill=ink[_PREVIOUS], outline=ink[_TARGET])

    # 16 colours: a 4-bit PNG of a few kilobytes, so the card stays far below its size budget. zlib's level 3
    # makes it a few hundred bytes larger than level 9 did, in a tenth of the time.
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


@lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=13)
    except (OSError, TypeError):  # Pillow built without FreeType: the bitmap font has no sizes
        return ImageFont.load_default()
