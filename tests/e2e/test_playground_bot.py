"""The real bot (`python -m bot`, dev mode, its own SQLite file) behind the Agents Playground, driven in Chromium.

Before the bot starts, the test imports a directory through the bot's command line: Karin manages Anna, and
both have the e-mail addresses and AAD object ids of the Playground's identities. One bot and one Playground
page for Anna serve the whole module, in order: the bot greets a person once per 30 s, so a fresh page per test
would wait for a welcome that never comes. The plan test opens a second Playground, configured with Karin as
its current user, against the same bot; quiet hours are off (WORKING_HOURS=00:00-24:00, WORKING_DAYS=1-7), so
the notifications go out whenever the test runs. Screenshots and the bot's log go to test-results/e2e/.
"""

from __future__ import annotations

import csv
import re
import shutil
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playground import (
    CARD, BotProcess, Identities, LocaleRelay, Playground, PlaygroundPage, launch_chromium, missing_tools,
)

from cards.i18n import t
from dialogs.rules.answers import competence_view
from store.digcomp import CURRENT_INSTRUMENT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(missing_tools()), reason="Playground tests need: " + ", ".join(missing_tools())),
]

RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
IDENTITIES = Identities()
ANNA = IDENTITIES.current_user
KARIN = IDENTITIES.user("Karin")
ERIK = IDENTITIES.user("Erik")
ORG = "stockholm-kultur"


def sv(key: str, **params: object) -> str:
    return t("sv", key, **params)


def before(template: str) -> str:
    """The fixed text of a catalogue string up to its first placeholder ("Du har godkänt planen. {name} ...")."""
    return template.split("{", 1)[0].strip()


def write_directory(directory: Path) -> tuple[Path, Path]:
    """An HR export as the import reads it (semicolons, Swedish headers, BOM): Karin manages Anna and Erik."""

    def write(name: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> Path:
        path = directory / name
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(header)
            writer.writerows(rows)
        return path

    def row(user, role: str, manager=None) -> tuple[str, ...]:
        return (user.email, user.name, user.email, "SSB", role, manager.email if manager else "", user.aad_object_id)

    people = write("personal.csv", ("e-post", "namn", "upn", "enhet", "roll", "chef", "objectid"), [
        row(KARIN, "Enhetschef"), row(ANNA, "Bibliotekarie", KARIN), row(ERIK, "Bibliotekarie", KARIN)])
    units = write("enheter.csv", ("kod", "namn", "överordnad"),
                  [("KF", "Kulturförvaltningen", ""), ("SSB", "Stadsbiblioteket", "KF")])
    return people, units


@dataclass
class World:
    bot: BotProcess
    relay: LocaleRelay
    browser: object
    anna: PlaygroundPage
    stack: ExitStack
    playgrounds: list[Playground] = field(default_factory=list)
    done: set[str] = field(default_factory=set)


def open_chat(browser, playground: Playground, relay: LocaleRelay, who: str) -> PlaygroundPage:
    """Opens a person's chat, waits for the welcome and for both install turns to be answered."""
    from playwright.sync_api import expect

    chat = PlaygroundPage.new(browser, playground)
    try:
        before = {kind: sum(1 for answered, _ in relay.answered if answered == kind)
                  for kind in ("installationUpdate", "conversationUpdate")}
        chat.open()
        for kind, count in before.items():
            relay.wait_for_answers(kind, count + 1)
        # Both install turns are answered, so what they sent is sent: one welcome between them (the second is
        # deduplicated). Wait for the page to show exactly that, not for a fixed time.
        expect(chat.bot_messages).to_have_count(1)
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
        people, units = write_directory(bot.workdir)
        bot.command("organisation", ORG, "Stockholms stad, kulturförvaltningen", "--tenant", IDENTITIES.tenant_id)
        bot.command("import-directory", str(people), "--org", ORG, "--units", str(units))  # raises unless exit 0
        stack.enter_context(bot)
        # The Playground always says en-US; our people's Teams says sv-SE.
        relay = stack.enter_context(LocaleRelay(bot.port, locale="sv-SE"))
        playground = stack.enter_context(Playground(relay.port, identities=IDENTITIES))
        pw = stack.enter_context(sync_playwright())
        browser = launch_chromium(pw)
        stack.callback(browser.close)
        anna = open_chat(browser, playground, relay, "anna")
        yield World(bot=bot, relay=relay, browser=browser, anna=anna, stack=stack, playgrounds=[playground])


@pytest.fixture(autouse=True)
def screenshots_on_failure(request, world):
    """When a test fails, every open page is saved, named after the test: what the person saw at that moment."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        for c, context in enumerate(world.browser.contexts):
            for p, page in enumerate(context.pages):
                page.screenshot(path=str(RESULTS / f"failed-{request.node.name}-{c}{p}.png"))
        for n, playground in enumerate(world.playgrounds):
            log = playground.log_path.read_text(encoding="utf-8") if playground.log_path.exists() else ""
            (RESULTS / f"failed-{request.node.name}-playground{n}.log").write_text(
                playground.text_output() + log, encoding="utf-8")


def test_welcome_help_and_a_menu_button(world):
    """The first page load greets in Swedish with no error card; "hjälp" gives the menu; a menu button answers."""
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
    # Before any self-assessment the activities say what they need, and offer the whole catalogue meanwhile.
    expect(anna.last_card()).to_contain_text(sv("activities.title.mine"))
    expect(anna.last_card()).to_contain_text(sv("activities.no_assessment"))
    anna.screenshot(RESULTS / "playground-bot-menu.png")
    world.done.add("welcome")


# The long mode's scale, in the order of its answer buttons: all five kinds, "not relevant" (the last) included.
LONG_SCALE = ("Jag vet inte hur", "Med hjälp", "På egen hand", "Med säkerhet, och jag kan vägleda andra",
              "Inte relevant i mitt arbete")


def test_assessment_by_clicking_from_mode_to_profile(world):
    """Long mode by answer buttons (one tap per statement), forward and back; start over in the short mode;
    finish; "Klart!"; the profile."""
    from playwright.sync_api import expect

    anna = world.anna
    shown = anna.bot_messages.count()
    anna.send("skattning")
    anna.wait_for_bot_messages(shown + 1)
    expect(anna.last_card()).to_contain_text(sv("assessment.mode.title"))

    def progress(area: int, number: int, count: int) -> str:
        return sv("assessment.statement.progress", area=area, areas=5, number=number, count=count)

    # Action.Execute answers in place: the first statement replaces the mode card, and each answer replaces
    # the statement with the next; no new message.
    anna.click_button(sv("assessment.mode.long_button"))
    card = anna.wait_for_card_text(progress(1, 1, 12))
    expect(card).not_to_contain_text(sv("assessment.mode.title"))
    for number in range(1, 13):
        anna.wait_for_card_text(progress(1, number, 12))
        if number == 1:
            anna.screenshot(RESULTS / "playground-bot-area-long.png")
        anna.click_button(LONG_SCALE[number % 5])
    anna.wait_for_card_text(progress(2, 1, 24))
    expect(anna.bot_messages).to_have_count(shown + 1)
    anna.click_button(sv("assessment.statement.back"))
    back = anna.wait_for_card_text(progress(1, 12, 12))
    expect(back).to_contain_text(sv("assessment.statement.your_answer", answer=LONG_SCALE[12 % 5]))
    expect(anna.bot_messages).to_have_count(shown + 1)

    # Typing "skattning" again offers to resume; start over in the short mode instead.
    shown = anna.bot_messages.count()
    anna.send("skattning")
    anna.wait_for_bot_messages(shown + 1)
    expect(anna.last_card()).to_contain_text(sv("assessment.resume.title"))
    anna.click_button(sv("assessment.resume.restart"))
    anna.wait_for_card_text(sv("assessment.mode.replaces"))
    anna.click_button(sv("assessment.mode.short_button"))

    # The short mode: one competence per card, a "Välj" button beside each level description; one tap records
    # the answer and replaces the card with the next competence.
    def competence_progress(step: int) -> str:
        view = competence_view(CURRENT_INSTRUMENT, step, "sv")
        return sv("assessment.competence.progress", area=view.area_number, areas=view.area_count,
                  number=view.number_in_area, count=view.area_size)

    shown = anna.bot_messages.count()
    for step in range(21):
        view = competence_view(CURRENT_INSTRUMENT, step, "sv")
        card = anna.wait_for_card_text(competence_progress(step))
        if step == 0:
            anna.screenshot(RESULTS / "playground-bot-area-short.png")
        # Choice 0 is "not yet"; 1-4 the competence's four descriptions. Competence 1.1 gets the first (the
        # same answers as when the short mode was one card per area: the plan below is drafted from them).
        description = view.choices[(view.number_in_area - 1 + view.area_number - 1) % 4 + 1][0]
        # The row of the description: its nearest ancestor with a button in it.
        row = card.get_by_text(description, exact=True).locator("xpath=ancestor::*[.//button][1]")
        row.get_by_role("button", name=sv("assessment.competence.choose"), exact=True).click()
        if step < 20:
            anna.wait_for_card_text(competence_progress(step + 1))
    expect(anna.bot_messages).to_have_count(shown)

    ending = anna.wait_for_card_text(sv("assessment.finished.title"))
    expect(ending.get_by_role("button", name=sv("assessment.finished.plan"), exact=True)).to_be_visible()
    shown = anna.bot_messages.count()
    anna.click_button(sv("assessment.finished.profile"))
    anna.wait_for_bot_messages(shown + 1)
    profile = anna.wait_for_card_text(sv("profile.title"))
    expect(profile).to_contain_text(sv("profile.comparison.first"))
    # 1.1 answered with its first description: level 2, "Grundläggande" in DigComp 2.2.
    expect(profile).to_contain_text("Söka, filtrera och bläddra i data, information och digitalt innehåll: "
                                    "2 (Grundläggande)")
    chart = profile.get_by_role("img", name=before(sv("chart.alt")), exact=False)
    expect(chart).to_be_visible()
    width, height = chart.evaluate("image => [image.naturalWidth, image.naturalHeight]")
    assert width > 100 and height > 100, f"the chart image did not load: {width}×{height}"
    assert "1.1 2" in chart.get_attribute("alt")
    chart.scroll_into_view_if_needed()
    anna.screenshot(RESULTS / "playground-bot-profile.png")
    world.done.add("assessment")


def test_plan_sent_approved_by_the_manager_in_her_own_playground_and_acknowledged(world):
    """Anna drafts, edits and sends her plan; Karin, in a second Playground, gets it, sets levels and approves;
    Anna gets the notice with Karin's values and confirms: the plan is signed by both."""
    from playwright.sync_api import expect

    assert "assessment" in world.done, "the plan is drafted from the assessment of the test before, which failed"
    karin_playground = world.stack.enter_context(Playground(world.relay.port, identities=IDENTITIES.as_user(KARIN)))
    world.playgrounds.append(karin_playground)

    # Karin has the app open: the bot keeps her chat, and the directory makes her a manager. Her page stays open:
    # the Playground (0.2.28) drops a card that arrives while no page is open (see tests/e2e/README.md).
    karin = open_chat(world.browser, karin_playground, world.relay, "karin")
    expect(error_cards(karin), "an error card on opening Karin's chat: see playground-bot.log").to_have_count(0)
    expect(karin.last_card()).to_contain_text(sv("menu.manager"))
    expect(karin.last_card().get_by_role("button", name=sv("menu.team"), exact=True)).to_be_visible()
    karin_shown = karin.bot_messages.count()

    anna = world.anna
    shown = anna.bot_messages.count()
    anna.send("min plan")
    anna.wait_for_bot_messages(shown + 1)
    plan = anna.last_card()
    expect(plan).to_contain_text(re.compile(before(sv("plan.title")) + r" \d{4}"))
    expect(plan).to_contain_text(sv("plan.state.draft"))

    anna.click_button(sv("plan.action.edit"))
    edit = anna.wait_for_card_text(before(sv("plan.edit.title")))
    for slot, competence in enumerate(("3.3", "4.2", "5.1"), start=1):
        dropdown = edit.get_by_role("combobox", name=sv("plan.edit.priority_required", number=slot), exact=False)
        anna.choose_in_dropdown(dropdown, re.compile(rf"^{re.escape(competence)} "))
    anna.fill(sv("plan.goals"), "Göra korta filmer om bibliotekets program.")
    anna.fill(sv("plan.activities"), "Kurs i mobilfilm.")
    edit.get_by_role("combobox", name=sv("plan.target_date"), exact=True).click()
    calendar = anna.page.get_by_role("dialog", name="Calendar")
    # The Playground's date picker opens on the browser's month: the 15th of the next one.
    calendar.get_by_role("button", name=re.compile(r"^Next month")).click()
    calendar.get_by_role("button", name=re.compile(r"^15, ")).click()
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    target_date = date(today.year + today.month // 12, today.month % 12 + 1, 15).isoformat()
    anna.screenshot(RESULTS / "playground-bot-plan-edit.png")
    anna.click_button(sv("plan.action.save"))
    saved = anna.wait_for_card_text(sv("plan.saved_notice"))
    expect(saved).to_contain_text("Kurs i mobilfilm.")
    expect(saved).to_contain_text(target_date)
    anna.click_button(sv("plan.action.send"))
    anna.wait_for_card_text(sv("plan.sent_notice", manager=KARIN.name))
    expect(anna.bot_messages).to_have_count(shown + 1)
    anna.screenshot(RESULTS / "playground-bot-plan-sent.png")

    # The review card reaches Karin's chat through the outbox, as a new message.
    karin.wait_for_bot_messages(karin_shown + 1)
    review = karin.wait_for_card_text(ANNA.name)
    expect(review).to_contain_text(before(sv("review.title")))
    # The activities appear once, in the field where Karin may adjust them.
    expect(review.get_by_role("textbox", name=sv("review.activities"))).to_have_value("Kurs i mobilfilm.")
    # Karin agrees on level 3 and sets target 5 for the first priority (the first pair of dropdowns), approves.
    agreed = review.get_by_role("combobox", name=sv("review.agreed_level"), exact=True)
    targets = review.get_by_role("combobox", name=sv("review.target"), exact=True)
    expect(agreed).to_have_count(3)
    karin.choose_in_dropdown(agreed.first, re.compile(r"\b3$"))
    karin.choose_in_dropdown(targets.first, re.compile(r"\b5$"))
    karin.fill(sv("review.comment"), "Bra plan, vi börjar med upphovsrätten.")
    karin.screenshot(RESULTS / "playground-bot-review.png")
    karin.click_button(sv("review.action.approve"))
    karin.wait_for_card_text(before(sv("review.outcome.approved")))

    # Anna's open page gets the approval notice as a new message; she confirms, and the plan is signed by both.
    anna.wait_for_bot_messages(shown + 2)
    notice = anna.wait_for_card_text(sv("plan.approved_notice.title"))
    expect(notice).to_contain_text(KARIN.name)
    first_priority = [sv("plan.priority.level", level=2), sv("plan.priority.target", target=5),
                      sv("plan.priority.agreed", level=3)]
    expect(notice).to_contain_text(" · ".join(first_priority))
    anna.click_button(sv("plan.action.acknowledge"))
    anna.wait_for_card_text(sv("plan.completed_notice"))
    expect(anna.last_card()).to_contain_text(sv("plan.state.completed"))
    anna.screenshot(RESULTS / "playground-bot-plan-completed.png")
    world.done.add("plan")
