"""The README's screenshots stay honest: each one the script makes is committed, small, shown, and still has its card."""

from __future__ import annotations

from pathlib import Path

import make_screenshots
import pytest

from cards.samples import all_samples

pytestmark = pytest.mark.e2e

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
