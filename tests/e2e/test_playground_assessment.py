"""The whole self-assessment in the Agents Playground, as a person taps it: the real bot (`python -m bot`, dev mode,
its own SQLite file) behind the Swedish locale relay, driven in Chromium.

What a person notices and only a real chat client shows:
- taps: the long mode is one tap per statement (a column of answer buttons), so a whole long assessment is 84
  taps (it was 173 with dropdowns, 89 with radio buttons and "Nästa område");
- scroll: the Playground (0.2.28) keeps the chat pinned to its bottom when a card is replaced or a message
  arrives, so an area card taller than the chat showed its bottom. Each statement card replaces the previous one
  in place and is shorter than the chat, so after EVERY answer its heading (area and statement number) is inside
  the chat's scrolling list: asserted here, and written to test-results/e2e/playground-scroll.json;
- the ending offers the plan, never "Gör en ny skattning".
The short mode works the same way, one competence per card (a row per level description, each with its "Välj"
button): 21 taps, and after every answer the new card's heading is in view, asserted and written the same way
(docs/assessment-flow.md). Screenshots go to test-results/e2e/.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest
from playground import BotProcess, Identities, LocaleRelay, Playground, PlaygroundPage, launch_chromium, missing_tools

from cards.i18n import t
from dialogs.rules.answers import competence_view, long_steps, short_steps, statement_view
from store.digcomp import CURRENT_INSTRUMENT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(missing_tools()), reason="Playground tests need: " + ", ".join(missing_tools())),
]

RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
# What a whole long assessment took with dropdowns: each of the 84 statements a dropdown (open, choose), and
# five "Nästa område"/"Slutför" buttons.
TAPS_BEFORE = 84 * 2 + 5
TAPS_TARGET = 90


def sv(key: str, **params: object) -> str:
    return t("sv", key, **params)


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
    const card = element.closest('.ac-adaptiveCard').getBoundingClientRect();
    return {heading_top: Math.round(box.top - view.top), heading_bottom: Math.round(box.bottom - view.top),
            chat_height: list.clientHeight, card_height: Math.round(card.height),
            at_bottom: list.scrollHeight - list.scrollTop - list.clientHeight < 2};
}"""


@pytest.fixture(scope="module", autouse=True)
def scroll_report():
    yield
    import json

    (RESULTS / "playground-scroll.json").write_text(json.dumps(SCROLL, indent=1), encoding="utf-8")


def _start(chat: PlaygroundPage, mode: str, first: str):
    """"skattning" (confirming a new one if a finished one is recent), the mode's button; its first card."""
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
    return chat.wait_for_card_text(first)


def _heading_in_view(chat: PlaygroundPage, card, text: str, mode: str) -> dict:
    """The card's heading line, once shown; where it is in the chat's scrolling list (recorded)."""
    from playwright.sync_api import expect

    heading = card.get_by_text(text, exact=True)
    expect(heading).to_have_count(1)
    where = chat.page.evaluate(_WHERE, heading.element_handle())
    SCROLL.setdefault(mode, []).append({"heading": text, **where})
    return where


def _progress(step: int) -> str:
    view = statement_view(CURRENT_INSTRUMENT, step, "sv")
    return sv("assessment.statement.progress", area=view.area_number, areas=view.area_count,
              number=view.number_in_area, count=view.area_size)


def _ending(chat: PlaygroundPage, shots: str) -> None:
    from playwright.sync_api import expect

    ending = chat.wait_for_card_text(sv("assessment.finished.title"))
    expect(ending.get_by_role("button", name=sv("assessment.finished.plan"), exact=True)).to_be_visible()
    expect(ending.get_by_role("button", name=sv("profile.button.new"), exact=True)).to_have_count(0)
    chat.page.screenshot(path=str(RESULTS / f"playground-assessment-{shots}-ending.png"))


def test_a_whole_long_assessment_is_one_tap_per_statement_with_each_new_statements_heading_in_view(chat):
    steps = long_steps(CURRENT_INSTRUMENT)
    assert len(steps) == 84
    card = _start(chat, "long", _progress(0))
    messages = chat.bot_messages.count()
    taps = 0

    def tap(name: str, then: str | None) -> None:
        nonlocal taps
        card.get_by_role("button", name=name, exact=True).click()
        taps += 1
        if then is not None:
            chat.wait_for_card_text(then)

    for step in range(len(steps)):
        where = _heading_in_view(chat, card, _progress(step), "long")
        # The heading (area and statement number) is inside the chat's view after every answer, and the whole
        # card fits in it.
        assert 0 <= where["heading_top"] and where["heading_bottom"] <= where["chat_height"], (step, where)
        assert where["card_height"] < where["chat_height"], (step, where)
        if step == 13:
            chat.page.screenshot(path=str(RESULTS / "playground-assessment-long-statement.png"))
        if step == 12:
            # Back to the last statement of area 1, its answer marked; answered again, on to area 2.
            tap(sv("assessment.statement.back"), _progress(11))
            where = _heading_in_view(chat, card, _progress(11), "long")
            assert 0 <= where["heading_top"] and where["heading_bottom"] <= where["chat_height"], where
            chat.page.screenshot(path=str(RESULTS / "playground-assessment-long-back.png"))
            tap(statement_view(CURRENT_INSTRUMENT, 11, "sv").choices[(0 + 11) % 5][0], _progress(12))
        choices = statement_view(CURRENT_INSTRUMENT, step, "sv").choices
        # Answers of all five kinds, "not relevant" included.
        last = step == len(steps) - 1
        tap(choices[(steps[step].area_index + step) % 5][0], None if last else _progress(step + 1))
    _ending(chat, "long")

    assert chat.bot_messages.count() == messages, "every answer replaced its card in place"
    # 84 statements, one tap each, and the two taps of the way back and forward again.
    assert taps == 84 + 2, f"{taps} taps, {TAPS_BEFORE} before"
    assert taps <= TAPS_TARGET < TAPS_BEFORE


def _short_progress(step: int) -> str:
    view = competence_view(CURRENT_INSTRUMENT, step, "sv")
    return sv("assessment.competence.progress", area=view.area_number, areas=view.area_count,
              number=view.number_in_area, count=view.area_size)


# The row of a text: its nearest ancestor with a button in it.
_ROW = "xpath=ancestor::*[.//button][1]"


def _short_choice_button(card, description: str):
    """The button beside a level description (or "Inte ännu", "Inte relevant i mitt arbete"): what a person taps
    after reading the row."""
    row = card.get_by_text(description, exact=True).locator(_ROW)
    return row.get_by_role("button")


def test_short_mode_each_competence_is_its_own_card_and_one_tap_advances_with_its_heading_in_view(chat):
    from playwright.sync_api import expect

    steps = short_steps(CURRENT_INSTRUMENT)
    assert len(steps) == 21
    card = _start(chat, "short", _short_progress(0))
    messages = chat.bot_messages.count()
    taps = 0

    def tap(button, then: str | None) -> None:
        nonlocal taps
        button.click()
        taps += 1
        if then is not None:
            chat.wait_for_card_text(then)

    def heading_in_view(step: int) -> None:
        where = _heading_in_view(chat, card, _short_progress(step), "short")
        # The heading (area and competence number) is inside the chat's view after every answer, and the whole
        # card fits in it.
        assert 0 <= where["heading_top"] and where["heading_bottom"] <= where["chat_height"], (step, where)
        assert where["card_height"] < where["chat_height"], (step, where)

    for step in range(len(steps)):
        heading_in_view(step)
        choices = competence_view(CURRENT_INSTRUMENT, step, "sv").choices
        # Six visible one-tap buttons: not yet, the four level descriptions, not relevant.
        expect(card.get_by_role("button", name=sv("assessment.competence.choose"), exact=True)).to_have_count(6)
        if step == 4:
            chat.page.screenshot(path=str(RESULTS / "playground-assessment-short-competence.png"))
        if step == 3:
            # Back to the last competence of area 1, its answer marked; answered again, on to area 2.
            tap(card.get_by_role("button", name=sv("assessment.competence.back"), exact=True), _short_progress(2))
            heading_in_view(2)
            expect(card.get_by_role("button", name=sv("assessment.competence.chosen"), exact=True)).to_have_count(1)
            chat.page.screenshot(path=str(RESULTS / "playground-assessment-short-back.png"))
            earlier = competence_view(CURRENT_INSTRUMENT, 2, "sv").choices
            tap(_short_choice_button(card, earlier[1][0]), _short_progress(3))
        # Answers of all six kinds, "not yet" and "not relevant" included.
        last = step == len(steps) - 1
        tap(_short_choice_button(card, choices[(steps[step].area_index + step) % 6][0]),
            None if last else _short_progress(step + 1))
    _ending(chat, "short")

    assert chat.bot_messages.count() == messages, "every answer replaced its card in place"
    # 21 competences, one tap each, and the two taps of the way back and forward again (it was 21 radio taps and
    # five "Nästa område"/"Slutför skattningen" buttons, on cards taller than the chat).
    assert taps == 21 + 2
