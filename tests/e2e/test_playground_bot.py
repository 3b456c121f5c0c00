"""The real bot (`python -m bot`, dev mode, its own SQLite file) behind the Agents Playground, driven in Chromium.

One bot and one Playground page for Anna serve the whole module, in order: the bot greets a person once per
30 s, so a fresh page per test would wait for a welcome that never comes. Screenshots and the bot's log go to
test-results/e2e/.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playground import BotProcess, Identities, LocaleRelay, Playground, PlaygroundPage, launch_chromium, missing_tools

from cards.i18n import t

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(missing_tools()), reason="Playground tests need: " + ", ".join(missing_tools())),
]

RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
IDENTITIES = Identities()
ANNA = IDENTITIES.current_user


def sv(key: str, **params: object) -> str:
    return t("sv", key, **params)


@dataclass
class World:
    bot: BotProcess
    relay: LocaleRelay
    browser: object
    anna: PlaygroundPage
    stack: ExitStack
    done: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        bot = BotProcess(tmp_path_factory.mktemp("kompetenslyft-bot"))
        # Registered first, so it runs last: the log is kept even when the bot failed to start.
        stack.callback(lambda: bot.log_path.exists() and shutil.copy(bot.log_path, RESULTS / "playground-bot.log"))
        stack.enter_context(bot)
        # The Playground always says en-US; our people's Teams says sv-SE.
        relay = stack.enter_context(LocaleRelay(bot.port, locale="sv-SE"))
        playground = stack.enter_context(Playground(relay.port, identities=IDENTITIES))
        pw = stack.enter_context(sync_playwright())
        browser = launch_chromium(pw)
        stack.callback(browser.close)
        anna = PlaygroundPage.new(browser, playground)
        try:
            anna.open()
        except Exception:
            anna.screenshot(RESULTS / "playground-bot-open-failed.png")
            raise
        yield World(bot=bot, relay=relay, browser=browser, anna=anna, stack=stack)


def test_welcome_help_and_a_menu_button(world):
    from playwright.sync_api import expect

    anna = world.anna
    welcome = anna.last_card()
    expect(welcome).to_contain_text(sv("welcome.title"))
    expect(welcome).to_contain_text(sv("welcome.intro"))
    expect(welcome.get_by_role("button", name=sv("menu.assessment"), exact=True)).to_be_visible()
    anna.screenshot(RESULTS / "playground-bot-welcome.png")
    shown = anna.bot_messages.count()

    anna.send("hjälp")
    anna.wait_for_bot_messages(shown + 1)
    menu = anna.last_card()
    expect(menu).to_contain_text(sv("menu.title"))
    expect(menu).to_contain_text(sv("menu.employee"))

    anna.click_button(sv("menu.activities"))
    anna.wait_for_bot_messages(shown + 2)
    expect(anna.last_card()).to_contain_text(sv("coming_soon.title", feature=sv("feature.activities")))
    anna.screenshot(RESULTS / "playground-bot-menu.png")
    world.done.add("welcome")
