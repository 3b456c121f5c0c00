"""Every card through the official Adaptive Cards JS renderer in headless Chromium: warnings, size, screenshots.

Playwright is imported only inside the functions that drive the browser.
"""

from cards.render_check.browser import check_cards, missing_tools, preview_cards
from cards.render_check.report import CardReport

__all__ = ["CardReport", "check_cards", "missing_tools", "preview_cards"]
