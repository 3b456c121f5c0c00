"""The outline icon is the white symbol on full transparency: the package validation refuses a fringe or a haze."""

from __future__ import annotations

import io

from PIL import Image

from manifest import icons
from manifest.build import build_package
from manifest.validate import icon_problems, package_problems
from tests.unit.test_manifest import OPTIONS, messages


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_committed_outline_icon_is_clear_outside_the_symbol():
    with open(icons.ASSETS / "outline.png", "rb") as file:
        data = file.read()
    alpha = Image.open(io.BytesIO(data)).convert("RGBA").getchannel("A")
    width, height = alpha.size
    frame = {alpha.getpixel((x, y)) for x in range(width) for y in range(height)
             if x in (0, width - 1) or y in (0, height - 1)}

    assert frame == {0}
    assert icon_problems("outline.png", data, "outline") == []


def test_a_faint_line_along_the_bottom_row_is_refused_by_the_package_validation(tmp_path):
    fringed = icons.draw_outline()
    for x in range(1, 31):
        fringed.putpixel((x, 31), (255, 255, 255, 32))  # what the tester found: alpha 32, bottom row
    files = _package_files(tmp_path)

    problems = messages(package_problems({**files, "outline.png": _png(fringed)}))

    assert "outline.png: 30 pixels of the outermost rows and columns are not fully transparent" in problems


def test_a_faint_haze_inside_the_padding_away_from_the_symbol_is_refused():
    hazy = icons.draw_outline()
    hazy.putpixel((3, 3), (255, 255, 255, 20))

    problems = icon_problems("outline.png", _png(hazy), "outline")

    assert [p.message for p in problems] == [
        "1 faint pixels away from the symbol, first at (3, 3) alpha 20; outside the symbol it must be fully transparent"]


def _package_files(tmp_path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(build_package(OPTIONS, tmp_path)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
