"""The profile chart: a small palette PNG drawn with Pillow and embedded in the card as a data: URI.

One row per competence under its area's name, so the chart reads in a narrow Teams card: a bar for the level
(0-8) in the area's colour, the level as a number in a column on the right, a dark tick for the target and a
hollow ring for the previous assessment's level (white inside, dark outline: it shows on a bar and beside it).
The legend names only the marks the chart holds. The image is drawn at twice its size (SCALE) and the card
stretches it to the card's width, so it stays sharp on high-DPI screens. The card gives the same values as
text (alt text and fact sets); embedding avoids a public URL for personal data.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

from PIL import Image, ImageColor, ImageDraw, ImageFont

_FONT = Path(__file__).parent / "fonts" / "OpenSans-Regular.ttf"
SCALE = 2
# Text without anti-aliasing: at twice the size it looks the same once scaled down, and the PNG is a third smaller.
_FONT_MODE = "1"
# Logical size: about the width Teams gives a full-width card's image in a chat pane.
WIDTH = 440
MAX_LEVEL = 8
_CONFIRMED_UP_TO = 6  # levels above wait for the development dialogue when the card says so (`pending`)
_LABEL_RIGHT, _PLOT_LEFT, _PLOT_RIGHT, _VALUE_CENTRE = 30, 40, 410, 427
_TOP, _AREA_ROW, _ROW, _BAR, _LEGEND = 20, 20, 16, 10, 26
# One colour per DigComp area, dark enough for white backgrounds (WCAG contrast >= 3:1 against white).
AREA_COLOURS = ("#2b6cb0", "#2c7a7b", "#6b46c1", "#c05621", "#2f855a")
_GRID, _AXIS, _MARK, _TEXT, _SUBTLE = "#e2e8f0", "#718096", "#1a202c", "#2d3748", "#718096"
_SOLID = ("#ffffff", _GRID, _AXIS, _MARK, _TEXT, *AREA_COLOURS)
_PALETTE_SIZE = 16

Levels = Mapping[str, int | None]
# (area key, the area's heading as shown, e.g. "1 Informations- och datakunskap", [competence keys])
ChartAreas = Sequence[tuple[str, str, Sequence[str]]]


def chart_png(areas: ChartAreas, levels: Levels, targets: Mapping[str, int] | None = None,
              previous: Levels | None = None, *, legend: tuple[str, str, str] = ("level", "target", "previous"),
              pending: frozenset[str] = frozenset()) -> bytes:
    """A PNG of chart_size(areas) pixels; `legend` names the level, the target and the previous assessment.

    The bars of `pending` competences are striped above level 6: levels 7-8 wait for the manager's confirmation.
    """
    targets = {key: value for key, value in (targets or {}).items() if value is not None}
    previous = {key: value for key, value in (previous or {}).items() if value is not None}
    shown = (legend[0], legend[1] if targets else "", legend[2] if previous else "")
    return _draw(
        tuple((area, heading, tuple(keys)) for area, heading, keys in areas),
        tuple(sorted(levels.items())),
        tuple(sorted(targets.items())),
        tuple(sorted(previous.items())),
        shown,
        frozenset(pending),
    )


def chart_size(areas: ChartAreas) -> tuple[int, int]:
    """The image's size in pixels (SCALE times the logical size the card shows it at)."""
    return WIDTH * SCALE, _height(areas) * SCALE


def chart_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _height(areas) -> int:
    rows = sum(len(keys) for _, _, keys in areas)
    return _TOP + len(areas) * _AREA_ROW + rows * _ROW + _LEGEND


def _x(level: float) -> float:
    return _PLOT_LEFT + (_PLOT_RIGHT - _PLOT_LEFT) * level / MAX_LEVEL


def _rows(areas) -> list[tuple[int, str, str, float, list[tuple[str, float]]]]:
    """Per area: its index, heading, colour, the heading's y, and (competence key, row centre y) per competence."""
    y = float(_TOP)
    placed = []
    for index, (_, heading, keys) in enumerate(areas):
        heading_y = y + _AREA_ROW / 2
        y += _AREA_ROW
        rows = []
        for key in keys:
            rows.append((key, y + _ROW / 2))
            y += _ROW
        placed.append((index, heading, AREA_COLOURS[index % len(AREA_COLOURS)], heading_y, rows))
    return placed


def _s(*values: float) -> list[float]:
    return [value * SCALE for value in values]


@lru_cache(maxsize=16)
def _background(areas, legend) -> Image.Image:
    """What every chart of these areas and legend shares, in RGB: the level scale, the grid, the area headings,
    the competence keys and the legend. Nothing drawn later overlaps the text, so drawing it first changes no
    pixel of it."""
    height = _height(areas)
    image = Image.new("RGB", (WIDTH * SCALE, height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    draw.fontmode = _FONT_MODE
    font, small = _font(12), _font(11)
    rows_bottom = height - _LEGEND
    for level in range(MAX_LEVEL + 1):
        x = _x(level)
        draw.line(_s(x, _TOP - 2, x, rows_bottom), fill=_AXIS if level == 0 else _GRID, width=SCALE)
        draw.text(_s(x, _TOP / 2), str(level), fill=_SUBTLE, font=small, anchor="mm")
    for _, heading, colour, heading_y, rows in _rows(areas):
        draw.rectangle(_s(4, heading_y - 4, 12, heading_y + 4), fill=colour)
        draw.text(_s(17, heading_y + 1), heading, fill=_TEXT, font=font, anchor="lm")
        for key, centre in rows:
            draw.text(_s(_LABEL_RIGHT, centre), key, fill=_TEXT, font=small, anchor="rm")
    x, y = 4.0, rows_bottom + _LEGEND / 2 + 1
    for kind, label in zip(("level", "target", "previous"), legend):
        if not label:
            continue
        if kind == "level":
            draw.rectangle(_s(x, y - _BAR / 2, x + 14, y + _BAR / 2), fill=AREA_COLOURS[0])
        elif kind == "target":
            draw.rectangle(_s(x + 6, y - 7, x + 8, y + 7), fill=_MARK)
        else:
            _ring(draw, x + 7, y, _MARK, "white")
        draw.text(_s(x + 19, y), label, fill=_TEXT, font=small, anchor="lm")
        x += 19 + draw.textlength(label, font=small) / SCALE + 16
    return image


def _ring(draw: ImageDraw.ImageDraw, x: float, y: float, outline, fill) -> None:
    draw.ellipse(_s(x - 4.5, y - 4.5, x + 4.5, y + 4.5), fill=outline)
    draw.ellipse(_s(x - 2.5, y - 2.5, x + 2.5, y + 2.5), fill=fill)


@lru_cache(maxsize=16)
def _paletted_background(areas, legend) -> tuple[Image.Image, dict[str, int]]:
    """The background in a fixed 16-colour palette, and the palette index of each solid colour.

    The palette holds every solid colour exactly, and the rest of its entries are shades of the anti-aliased
    text (a median cut). Drawing the bars straight onto this background in palette indexes looks the same as
    drawing in RGB and quantizing each chart, at a fraction of the CPU (bench/README.md).
    """
    rgb = _background(areas, legend)
    solid_rgb = [ImageColor.getrgb(colour) for colour in _SOLID]
    shades = [(count, colour) for count, colour in rgb.getcolors(rgb.width * rgb.height) if colour not in solid_rgb]
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
def _draw(areas, levels, targets, previous, legend, pending) -> bytes:
    levels, targets, previous = dict(levels), dict(targets), dict(previous)
    background, ink = _paletted_background(areas, legend)
    image = background.copy()
    draw = ImageDraw.Draw(image)
    for _, _, colour, _, rows in _rows(areas):
        for key, centre in rows:
            level = levels.get(key)
            top, bottom = centre - _BAR / 2, centre + _BAR / 2
            if level is None:  # not relevant: a small grey cross at the start, a dash for the value
                draw.line(_s(_PLOT_LEFT + 3, top + 1, _PLOT_LEFT + 11, bottom - 1), fill=ink[_AXIS], width=SCALE)
                draw.line(_s(_PLOT_LEFT + 3, bottom - 1, _PLOT_LEFT + 11, top + 1), fill=ink[_AXIS], width=SCALE)
                _stamp(image, "–", _VALUE_CENTRE, centre, ink[_AXIS])
            else:  # level 0 still shows as a sliver, so that it reads as answered
                solid = min(level, _CONFIRMED_UP_TO) if key in pending else level
                draw.rectangle(_s(_PLOT_LEFT, top, max(_x(solid), _PLOT_LEFT + 3), bottom), fill=ink[colour])
                if solid < level:  # to be confirmed: stripes in the area's colour
                    for x in range(round(_x(solid) * SCALE), round(_x(level) * SCALE), 6):
                        draw.rectangle([x, top * SCALE, x + 2, bottom * SCALE], fill=ink[colour])
                _stamp(image, str(level), _VALUE_CENTRE, centre, ink[_TEXT])
            if key in targets:
                x = _x(targets[key])
                draw.rectangle(_s(x - 1.5, centre - _ROW / 2 + 1, x + 1.5, centre + _ROW / 2 - 1), fill=ink[_MARK])
            if key in previous:
                _ring(draw, _x(previous[key]), centre, ink[_MARK], ink["#ffffff"])

    # 16 colours: a 4-bit PNG of about 10 KB, so the card stays below its size budget.
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _stamp(image: Image.Image, label: str, x: float, y: float, colour: int) -> None:
    """Writes a short label centred at (x, y) from its cached glyph mask: a paste instead of a FreeType call."""
    mask = _glyphs(label)
    left, top = round(x * SCALE - mask.width / 2), round(y * SCALE - mask.height / 2)
    image.paste(colour, (left, top, left + mask.width, top + mask.height), mask)


@lru_cache(maxsize=32)
def _glyphs(label: str) -> Image.Image:
    """The label drawn once, as a 1-bit mask cropped to its ink (the same pixels draw.text would set)."""
    font = _font(12)
    left, top, right, bottom = font.getbbox(label, anchor="mm")
    mask = Image.new("1", (right - left, bottom - top), 0)
    draw = ImageDraw.Draw(mask)
    draw.fontmode = _FONT_MODE
    draw.text((-left, -top), label, fill=1, font=font, anchor="mm")
    return mask


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return chart_font(size * SCALE)


def chart_font(pixels: int) -> ImageFont.FreeTypeFont:
    """Open Sans (cards/fonts) at this many pixels: Pillow's own font has no å, ä or ö."""
    return ImageFont.truetype(str(_FONT), pixels)
