"""The whole self-assessment in the Agents Playground, as a person taps it: the real bot (`python -m bot`, dev mode,
its own SQLite file) behind the Swedish locale relay, driven in Chromium.

What a person notices and only a real chat client shows:
- taps: the long mode is one tap per statement (visible radio buttons) and one "Nästa område" per area, so a
  whole long assessment is 84 + 5 = 89 taps (it was 173: every statement was a dropdown, open and choose);
- messages: the answered area shrinks to one line ("Område 1 av 5 klart") and the next area arrives as a new
  message, and the ending offers the plan, never "Gör en ny skattning".
Where the view is after "Nästa område" is measured and written to test-results/e2e/playground-scroll.json, not
asserted: the Playground (0.2.28) keeps the chat pinned to its bottom both when a card is replaced and when a
message arrives, so the top of an area card taller than the chat is out of view (docs/assessment-flow.md).
Screenshots go to test-results/e2e/.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest
from playground import BotProcess, Identities, LocaleRelay, Playground, PlaygroundPage, launch_chromium, missing_tools

from cards.i18n import t
from dialogs.rules.answers import area_items
from store.digcomp import CURRENT_INSTRUMENT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(missing_tools()), reason="Playground tests need: " + ", ".join(missing_tools())),
]

RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
AREAS = 5
# What a whole long assessment took before radios: each of the 84 statements a dropdown (open, choose), and
# five "Nästa område"/"Slutför" buttons.
TAPS_BEFORE = 84 * 2 + 5
TAPS_TARGET = 90


def sv(key: str, **params: object) -> str:
    return t("sv", key, **params)


class Taps:
    """Every tap the test makes on the page, counted where it is made."""

    def __init__(self) -> None:
        self.count = 0

    def radio(self, group, index: int) -> None:
        group.get_by_role("radio").nth(index).click()
        self.count += 1

    def button(self, chat: PlaygroundPage, card, name: str) -> None:
        card.get_by_role("button", name=name, exact=True).click()
        self.count += 1


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        bot = BotProcess(tmp_path_factory.mktemp("kompetenslyft-assessment"))
        stack.callback(lambda: bot.log_path.exists()
                       and shutil.copy(bot.log_path, RESULTS / "playground-assessment-bot.log"))
        stack.enter_context(bot)
        relay = stack.enter_context(LocaleRelay(bot.port, locale="sv-SE"))
        playground = stack.enter_context(Playground(relay.port, identities=Identities()))
        pw = stack.enter_context(sync_playwright())
        browser = launch_chromium(pw)
        stack.callback(browser.close)
        page = PlaygroundPage.new(browser, playground)
        page.open()
        relay.wait_for_answers("conversationUpdate", 1)
        yield page


SCROLL: dict[str, list[dict]] = {}
# Where an element is, and where the chat's scrolling list is: the finding docs/assessment-flow.md reports.
_WHERE = """element => {
    let list = element.parentElement;
    while (list && !(list.scrollHeight > list.clientHeight + 5 && /auto|scroll/.test(getComputedStyle(list).overflowY)))
        list = list.parentElement;
    const box = element.getBoundingClientRect(), view = list.getBoundingClientRect();
    return {heading_top: Math.round(box.top - view.top), chat_height: list.clientHeight,
            at_bottom: list.scrollHeight - list.scrollTop - list.clientHeight < 2};
}"""


@pytest.fixture(scope="module", autouse=True)
def scroll_report():
    yield
    import json

    (RESULTS / "playground-scroll.json").write_text(json.dumps(SCROLL, indent=1), encoding="utf-8")


def _statements(mode: str, area: int) -> int:
    return len(area_items(CURRENT_INSTRUMENT, mode, area).item_ids)


def _answer_area(chat: PlaygroundPage, taps: Taps, card, area: int, pick, mode: str) -> None:
    groups = card.get_by_role("radiogroup")
    assert groups.count() == _statements(mode, area)
    for g in range(groups.count()):
        taps.radio(groups.nth(g), pick(area, g))


def _run(chat: PlaygroundPage, mode: str, pick, shots: str) -> int:
    """One whole assessment from "skattning"; returns the taps from the first area to the ending."""
    from playwright.sync_api import expect

    label = sv(f"assessment.mode_label.{mode}")
    shown = chat.bot_messages.count()
    chat.send("skattning")
    chat.wait_for_bot_messages(shown + 1)
    card = chat.last_card()
    if sv("assessment.recent.title") in card.inner_text():  # a finished assessment this month: confirm
        card.get_by_role("button", name=sv("assessment.recent.confirm"), exact=True).click()
        shown += 1
        chat.wait_for_bot_messages(shown + 1)
        card = chat.last_card()
    card.get_by_role("button", name=sv(f"assessment.mode.{mode}_button"), exact=True).click()
    card = chat.wait_for_card_text(sv("assessment.area.progress", number=1, total=AREAS, mode=label))

    taps = Taps()
    for area in range(AREAS):
        heading = card.get_by_text(sv("assessment.area.progress", number=area + 1, total=AREAS, mode=label),
                                   exact=True)
        expect(heading).to_have_count(1)
        SCROLL.setdefault(mode, []).append(chat.page.evaluate(_WHERE, heading.element_handle()))
        if area == 1:
            chat.page.screenshot(path=str(RESULTS / f"playground-assessment-{shots}-area-2-top.png"))
        _answer_area(chat, taps, card, area, pick, mode)
        last = area == AREAS - 1
        before = chat.bot_messages.count()
        taps.button(chat, card, sv("assessment.area.finish" if last else "assessment.area.next"))
        if last:
            chat.wait_for_card_text(sv("assessment.finished.title"))
            break
        chat.wait_for_bot_messages(before + 1)  # the next area: a new message
        expect(chat.page.locator(".ac-adaptiveCard").nth(-2)).to_contain_text(
            sv("assessment.area.done.title", number=area + 1, total=AREAS, mode=label))
        card = chat.last_card()
    ending = chat.last_card()
    expect(ending).to_contain_text(sv("assessment.finished.title"))
    expect(ending.get_by_role("button", name=sv("assessment.finished.plan"), exact=True)).to_be_visible()
    expect(ending.get_by_role("button", name=sv("profile.button.new"), exact=True)).to_have_count(0)
    chat.page.screenshot(path=str(RESULTS / f"playground-assessment-{shots}-ending.png"))
    return taps.count


def test_a_whole_long_assessment_is_one_tap_per_statement_and_each_new_area_comes_as_a_new_message(chat):
    # Answers of all five kinds, "not relevant" included; the 5 radios are in the scale's order.
    taps = _run(chat, "long", lambda area, g: (area + g) % 5, "long")

    statements = sum(_statements("long", area) for area in range(AREAS))
    assert statements == 84
    assert taps == statements + AREAS == 89, f"{taps} taps, {TAPS_BEFORE} before"
    assert taps <= TAPS_TARGET < TAPS_BEFORE


def test_the_short_mode_is_one_tap_per_competence_and_each_new_area_comes_as_a_new_message(chat):
    taps = _run(chat, "short", lambda area, g: (area + g) % 4 + 1, "short")

    assert taps == 21 + AREAS
