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
from playground import CARD, BotProcess, Identities, LocaleRelay, Playground, PlaygroundPage, launch_chromium, missing_tools

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


def open_chat(browser, playground: Playground, relay: LocaleRelay, who: str) -> PlaygroundPage:
    """Opens a person's chat, waits for the welcome and for both install turns to be answered."""
    chat = PlaygroundPage.new(browser, playground)
    try:
        before = {kind: sum(1 for answered, _ in relay.answered if answered == kind)
                  for kind in ("installationUpdate", "conversationUpdate")}
        chat.open()
        for kind, count in before.items():
            relay.wait_for_answers(kind, count + 1)
        chat.page.wait_for_timeout(500)  # the page shows what the answered turns sent
    except Exception:
        chat.screenshot(RESULTS / f"playground-bot-{who}-open-failed.png")
        raise
    return chat


def error_cards(chat: PlaygroundPage):
    return chat.page.locator(CARD).filter(has_text=sv("error.title"))


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
        anna = open_chat(browser, playground, relay, "anna")
        yield World(bot=bot, relay=relay, browser=browser, anna=anna, stack=stack)


def test_welcome_help_and_a_menu_button(world):
    from playwright.sync_api import expect

    anna = world.anna
    # Teams (and the Playground) announce an install twice, at once: neither may end in an error card.
    expect(error_cards(anna), "an error card on opening the chat: see playground-bot.log").to_have_count(0)
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


# Answers of the long mode, one per statement in turn; all five kinds, "not relevant" included.
LONG_ANSWERS = ("Med hjälp", "På egen hand", "Jag vet inte hur", "Säkert, och jag kan vägleda andra",
                "Inte relevant i mitt arbete")


def test_assessment_by_clicking_from_mode_to_profile(world):
    """Long mode by dropdowns, forward and back; start over in the short mode by radios; finish; the profile."""
    from playwright.sync_api import expect

    anna = world.anna
    shown = anna.bot_messages.count()
    anna.send("skattning")
    anna.wait_for_bot_messages(shown + 1)
    expect(anna.last_card()).to_contain_text(sv("assessment.mode.title"))
    long_label, short_label = sv("assessment.mode_label.long"), sv("assessment.mode_label.short")

    # Action.Execute answers in place: the area card replaces the mode card, no new message.
    anna.click_button(sv("assessment.mode.long_button"))
    area = anna.wait_for_card_text(sv("assessment.area.progress", number=1, total=5, mode=long_label))
    expect(area).not_to_contain_text(sv("assessment.mode.title"))
    expect(anna.bot_messages).to_have_count(shown + 1)
    dropdowns = anna.dropdowns()
    chosen = [LONG_ANSWERS[i % len(LONG_ANSWERS)] for i in range(dropdowns.count())]
    assert len(chosen) == 12, "area 1 has 3 competences with 4 statements each"
    for i, answer in enumerate(chosen):
        anna.choose_in_dropdown(dropdowns.nth(i), answer)
    anna.screenshot(RESULTS / "playground-bot-area-long.png")
    anna.click_button(sv("assessment.area.next"))
    anna.wait_for_card_text(sv("assessment.area.progress", number=2, total=5, mode=long_label))
    anna.click_button(sv("assessment.area.back"))
    anna.wait_for_card_text(sv("assessment.area.progress", number=1, total=5, mode=long_label))
    expect(anna.bot_messages).to_have_count(shown + 1)
    dropdowns = anna.dropdowns()
    assert [dropdowns.nth(i).input_value() for i in range(dropdowns.count())] == chosen, "saved answers come back"

    # Typing "skattning" again offers to resume; start over in the short mode instead.
    anna.send("skattning")
    anna.wait_for_bot_messages(shown + 2)
    expect(anna.last_card()).to_contain_text(sv("assessment.resume.title"))
    anna.click_button(sv("assessment.resume.restart"))
    anna.wait_for_card_text(sv("assessment.mode.replaces"))
    anna.click_button(sv("assessment.mode.short_button"))

    for number in range(1, 6):
        anna.wait_for_card_text(sv("assessment.area.progress", number=number, total=5, mode=short_label))
        groups = anna.radio_groups()
        assert groups.count() >= 3, f"area {number} shows one radio group per competence"
        for g in range(groups.count()):
            # Radio 0 is "not yet"; 1-4 the competence's four descriptions. Competence 1.1 gets the first.
            groups.nth(g).get_by_role("radio").nth((g + number - 1) % 4 + 1).check()
        if number == 1:
            anna.screenshot(RESULTS / "playground-bot-area-short.png")
        anna.click_button(sv("assessment.area.finish" if number == 5 else "assessment.area.next"))

    profile = anna.wait_for_card_text(sv("profile.title"))
    expect(anna.bot_messages).to_have_count(shown + 2)
    expect(profile).to_contain_text(sv("profile.comparison.first"))
    # 1.1 answered with its first description: level 2, "Grundläggande" in DigComp 2.2.
    expect(profile).to_contain_text("1.1 Söka, filtrera och bläddra i data, information och digitalt innehåll")
    expect(profile.get_by_text("2 (Grundläggande)", exact=True).first).to_be_visible()
    chart = profile.get_by_role("img", name=sv("profile.chart_alt", levels="")[:30], exact=False)
    expect(chart).to_be_visible()
    width, height = chart.evaluate("image => [image.naturalWidth, image.naturalHeight]")
    assert width > 100 and height > 100, f"the chart image did not load: {width}×{height}"
    assert "1.1 2" in chart.get_attribute("alt")
    chart.scroll_into_view_if_needed()
    anna.screenshot(RESULTS / "playground-bot-profile.png")
    world.done.add("assessment")
