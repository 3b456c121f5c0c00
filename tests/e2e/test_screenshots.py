"""The README's screenshots stay honest: each one the script makes is committed, small and shown, and each card
screenshot is what the card looks like today: it is made again through the official renderer and compared with
the committed one, so a card change not reflected in docs/screenshots fails here.

The comparison allows what font antialiasing changes between two renders (a faint fringe on some glyphs), not a
changed word: the images must be the same size, differ on average by at most MAX_MEAN_DIFFERENCE (0-255 per
channel), and differ clearly (by more than STRONG_DIFFERENCE) in at most MAX_STRONG_SHARE of their pixels. For
scale: one pair of straight quotes turned into ”…” in the welcome card gives a mean of 0.21 and 0.11 % of pixels.
"""

from __future__ import annotations

from pathlib import Path

import make_screenshots
import pytest

from cards.render_check import missing_tools
from cards.samples import all_samples

pytestmark = pytest.mark.e2e

MAX_MEAN_DIFFERENCE = 0.1
STRONG_DIFFERENCE = 64
MAX_STRONG_SHARE = 0.0005

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_every_screenshot_card_is_still_a_sample():
    missing = sorted(set(make_screenshots.CARDS.values()) - set(all_samples()))
    assert not missing, f"make_screenshots.py names card samples that no longer exist: {missing}"


@pytest.mark.parametrize("name", [*make_screenshots.CARDS, make_screenshots.PLAYGROUND_SHOT])
def test_screenshot_is_committed_small_and_shown(name):
    path = SHOTS / name
    assert path.is_file(), f"{path} is missing: run .venv/bin/python tests/e2e/make_screenshots.py"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{name} is not a PNG"
    assert len(data) < make_screenshots.MAX_BYTES, f"{name} is {len(data) // 1024} KB, over 150 KB"
    assert f"docs/screenshots/{name}" in (REPO / "README.md").read_text(encoding="utf-8"), f"README does not show {name}"


def test_no_stray_screenshots():
    from test_tab_browser import TAB_SHOTS  # the tab's views, made by tests/e2e/test_tab_browser.py

    made = {*make_screenshots.CARDS, make_screenshots.PLAYGROUND_SHOT, *TAB_SHOTS}
    stray = sorted(path.name for path in SHOTS.glob("*") if path.name not in made)
    assert not stray, f"files in docs/screenshots that make_screenshots.py does not make: {stray}"


@pytest.fixture(scope="module")
def made_again(tmp_path_factory) -> Path:
    if missing := missing_tools():
        pytest.skip("the card renderer needs: " + ", ".join(missing))
    out = tmp_path_factory.mktemp("screenshots")
    make_screenshots.card_screenshots(out)
    return out


def difference(committed: Path, made: Path) -> str | None:
    """Why the two pictures are not the same card, or None if they differ only as two renders may."""
    from PIL import Image, ImageChops, ImageStat

    old, new = Image.open(committed).convert("RGB"), Image.open(made).convert("RGB")
    if old.size != new.size:
        return f"size {old.size[0]}×{old.size[1]} committed, {new.size[0]}×{new.size[1]} now"
    diff = ImageChops.difference(old, new)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    strong = ImageStat.Stat(diff.convert("L").point(lambda v: 255 if v > STRONG_DIFFERENCE else 0)).mean[0] / 255
    if mean > MAX_MEAN_DIFFERENCE or strong > MAX_STRONG_SHARE:
        return f"mean difference {mean:.3f}, {strong:.3%} of pixels clearly different"
    return None


@pytest.mark.parametrize("name", list(make_screenshots.CARDS))
def test_card_screenshot_shows_the_card_as_it_renders_today(name, made_again):
    problem = difference(SHOTS / name, made_again / name)
    assert problem is None, (f"docs/screenshots/{name} is out of date ({problem}): run "
                             ".venv/bin/python tests/e2e/make_screenshots.py --cards-only and commit the result")


def test_the_comparison_tells_a_changed_word_from_the_same_card(tmp_path):
    """The tolerance is not so loose that a card with a word changed passes (the check above could not fail)."""
    from PIL import Image, ImageDraw

    card = Image.new("RGB", (466, 400), "white")
    ImageDraw.Draw(card).text((20, 20), "Du kan också skriva ett kommando", fill="black")
    changed = card.copy()
    ImageDraw.Draw(changed).text((20, 60), "till exempel ”skattning”", fill="black")
    same, other = tmp_path / "same.png", tmp_path / "other.png"
    card.save(same)
    changed.save(other)

    assert difference(same, same) is None
    assert difference(same, other) is not None
