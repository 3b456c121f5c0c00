"""Draws the app icons (a rising staircase with a goal on the top step) into manifest/assets/.

Run `python -m manifest.icons` after changing the motif; the PNGs are committed so builds need no drawing.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ASSETS = Path(__file__).parent / "assets"
ACCENT = (0x1B, 0x4F, 0x8F)  # keep equal to accentColor in template.json
GOAL = (0xF5, 0xB9, 0x42)
WHITE = (255, 255, 255)
# Drawing large and scaling down gives smooth edges without Pillow's unantialiased polygons.
SUPERSAMPLE = 8


def draw_color(size: int = 192) -> Image.Image:
    """Full-colour icon: white steps and a yellow goal on the accent colour, symbol inside the centre half."""
    steps, goal = _motif_masks(size, padding=size // 4)
    image = Image.new("RGB", (size, size), ACCENT)
    image.paste(WHITE, mask=steps)
    image.paste(GOAL, mask=goal)
    return image


def draw_outline(size: int = 32) -> Image.Image:
    """Outline icon: the same motif in white on transparent; every pixel is white, only alpha varies."""
    steps, goal = _motif_masks(size, padding=max(1, size // 32))
    alpha = Image.new("L", (size, size), 0)
    alpha.paste(255, mask=steps)
    alpha.paste(255, mask=goal)
    image = Image.new("RGBA", (size, size), WHITE + (0,))
    image.putalpha(alpha)
    return image


def _motif_masks(size: int, padding: int) -> tuple[Image.Image, Image.Image]:
    big = size * SUPERSAMPLE
    box = (size - 2 * padding) * SUPERSAMPLE
    left = top = padding * SUPERSAMPLE
    step = box / 3

    def point(x: float, y: float) -> tuple[float, float]:
        # Pillow fills a shape's far edge too: a symbol ending at 3 steps would reach one supersampled row into
        # the padding, a faint line (alpha 32) along the icon's bottom and right. It ends one row short instead.
        return left + x * step - (1 if x == 3 else 0), top + y * step - (1 if y == 3 else 0)

    steps = Image.new("L", (big, big), 0)
    # Three steps rising to the right under a goal; at 32 px every edge falls on a whole pixel.
    outline = [point(0, 3), point(0, 2.3), point(1, 2.3), point(1, 1.6), point(2, 1.6),
               point(2, 0.9), point(3, 0.9), point(3, 3)]
    ImageDraw.Draw(steps).polygon(outline, fill=255)
    goal = Image.new("L", (big, big), 0)
    right, bottom = point(2.8, 0.6)
    ImageDraw.Draw(goal).ellipse((*point(2.2, 0), right - 1, bottom - 1), fill=255)
    return tuple(mask.resize((size, size), Image.Resampling.BOX) for mask in (steps, goal))


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    draw_color().save(ASSETS / "color.png", optimize=True)
    draw_outline().save(ASSETS / "outline.png", optimize=True)
    print(f"wrote {ASSETS / 'color.png'} and {ASSETS / 'outline.png'}")


if __name__ == "__main__":
    main()
