"""The self-assessment over HTTP: mode, one statement per card (long) or one competence per card (short) with
Action.Execute,
stop and resume, back, finish, profile, history, targets; stale, repeated and foreign cards are refused or answered
without changing anything."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from PIL import Image
from sqlmodel import select

from bot.app import DATABASE
from cards.verbs import Verb
from cards.walk import actions as iter_actions
from cards.walk import inputs as iter_inputs
from dialogs.clock import ManualClock
from dialogs.rules.answers import LONG_VALUES, SHORT_VALUES, area_items, levels_from_answers, long_steps, short_steps
from store.digcomp import CURRENT_INSTRUMENT, load_framework, load_instrument
from store.assessments import save_area_answers, start_assessment
from store.models.assessment import Assessment, AssessmentLevel
from store.people import find_person
from store.role_profiles_csv import SEED_FILE, import_role_profiles
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, RunningBot, card_text

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# Long mode answers per level group -> level (store/data/digcomp/SCORING.md): intermediate on my own = 3; advanced
# on my own with the top group "with help" = 5; everything with confidence, guiding others = 8.
LEVEL_3 = {"f": "2", "i": "2", "a": "1", "h": "0"}
LEVEL_5 = {"f": "3", "i": "2", "a": "2", "h": "1"}
LEVEL_8 = {"f": "3", "i": "3", "a": "3", "h": "3"}


# --- helpers ---------------------------------------------------------------------------------------------------

STEPS = long_steps(CURRENT_INSTRUMENT)
AREA_SIZES = (12, 24, 16, 16, 16)


def inputs_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    return list(iter_inputs(card))


def answer_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [action for action in iter_actions(card) if action.get("verb") == Verb.ASSESSMENT_ANSWER]


def step_of(card: dict[str, Any]) -> int:
    return answer_buttons(card)[0]["data"]["step"]


def statement_of(card: dict[str, Any]) -> str:
    return STEPS[step_of(card)].statement_id


def answer_for(statement_id: str, by_group: dict[str, str], overrides: dict[str, dict[str, str]] | None = None
               ) -> str:
    """The answer to a long-mode statement by its group letter (c2_1_f -> f), per competence if overridden."""
    competence = statement_id[1:-2].replace("_", ".")
    return (overrides or {}).get(competence, by_group)[statement_id[-1]]


def button_for(card: dict[str, Any], value: str) -> dict[str, Any]:
    [button] = [action for action in answer_buttons(card) if action["data"]["value"] == value]
    return button


async def tap(chat: Chat, card: dict[str, Any], value: str) -> dict[str, Any]:
    """One tap on the answer `value`'s button (the short mode's are all titled "Välj", so it is found by its
    value); returns the card that replaces this one in place (nothing else arrives)."""
    button = button_for(card, value)
    response, extra = await chat.execute(button["verb"], button["data"])
    assert response.status == 200, response
    assert extra == [], [card_text(c)[:80] for c in extra]
    return response.card


async def answer_statements(chat: Chat, card: dict[str, Any], count: int, by_group=LEVEL_3, overrides=None
                            ) -> dict[str, Any]:
    for _ in range(count):
        card = await tap(chat, card, answer_for(statement_of(card), by_group, overrides))
    return card


async def answer_areas(chat: Chat, card: dict[str, Any], count: int, by_group=LEVEL_3, overrides=None
                       ) -> dict[str, Any]:
    """Every statement of `count` areas from the first statement of an area: the next area's first statement, or
    "Klart!" after the last."""
    area = STEPS[step_of(card)].area_index
    return await answer_statements(chat, card, sum(AREA_SIZES[area:area + count]), by_group, overrides)


SHORT_STEPS = short_steps(CURRENT_INSTRUMENT)


def competence_of(card: dict[str, Any]) -> str:
    """The competence a short-mode card asks about: "2.1"."""
    return SHORT_STEPS[step_of(card)].statement_id[1:].replace("_", ".")


async def start_short(chat: Chat) -> dict[str, Any]:
    return await start_long(chat, button="Starta kort skattning")


def progress(card: dict[str, Any]) -> str:
    return card["body"][0]["text"]


def prefilled(card: dict[str, Any]) -> dict[str, str]:
    return {element["id"]: element["value"] for element in inputs_of(card) if "value" in element}


def assessments(bot: RunningBot, user: TeamsUser) -> list[Assessment]:
    with bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=user.tenant_id, aad_object_id=user.aad_object_id)
        return list(session.exec(select(Assessment).where(Assessment.person_id == person.id)
                                 .order_by(Assessment.id)))


def levels_of(bot: RunningBot, assessment_id: int) -> dict[str, int | None]:
    with bot.app[DATABASE].session() as session:
        rows = session.exec(select(AssessmentLevel).where(AssessmentLevel.assessment_id == assessment_id))
        return {row.competence: row.level for row in rows}


def snapshot(bot: RunningBot) -> list[tuple]:
    """Everything the assessment tables hold, to prove that a refused card changed nothing."""
    with bot.app[DATABASE].session() as session:
        rows = [(a.id, a.status, a.revision, a.area_index, dict(a.answers), a.finished_at)
                for a in session.exec(select(Assessment).order_by(Assessment.id))]
        levels = [(lv.assessment_id, lv.competence, lv.level)
                  for lv in session.exec(select(AssessmentLevel).order_by(AssessmentLevel.id))]
    return rows + levels


async def start_long(chat: Chat, start_words: str = "skattning", button: str = "Starta lång skattning"
                     ) -> dict[str, Any]:
    mode = (await chat.say(start_words))[0]
    cards = await chat.click(mode, button)
    assert len(cards) == 1
    return cards[0]


async def finish_long(chat: Chat, by_group=LEVEL_3, overrides=None) -> dict[str, Any]:
    """The whole long assessment; returns the "Klart!" card."""
    ending = await answer_areas(chat, await start_long(chat), 5, by_group, overrides)
    assert card_text(ending).startswith("Klart!")
    return ending


async def show_profile(chat: Chat, ending: dict[str, Any]) -> dict[str, Any]:
    return (await chat.click(ending, "Visa min profil"))[0]


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def clocked_chat(clocked_bot, connector, anna) -> Chat:
    return Chat(clocked_bot, connector, anna)


# --- the whole flow --------------------------------------------------------------------------------------------


async def test_long_assessment_is_one_tap_per_statement_each_card_replaced_in_place_by_the_next(
        chat: Chat, bot: RunningBot):
    mode = (await chat.say("skattning"))[0]
    assert "Självskattning av digital kompetens" in card_text(mode)
    assert "CC BY 4.0" in card_text(mode)

    card = (await chat.click(mode, "Starta lång skattning"))[0]
    seen, taps = [], 0
    while not card_text(card).startswith("Klart!"):
        seen.append(progress(card))
        assert [b["title"] for b in answer_buttons(card)] == [
            "Jag vet inte hur", "Med hjälp", "På egen hand", "Med säkerhet, och jag kan vägleda andra",
            "Inte relevant i mitt arbete"]
        assert "Hur gör du det i dag?" in card_text(card)
        response, extra = await chat.execute(
            Verb.ASSESSMENT_ANSWER, button_for(card, answer_for(statement_of(card), LEVEL_3))["data"])
        taps += 1
        assert response.status == 200
        assert extra == [], "each answer replaces its card, no new message"
        card = response.card

    assert taps == len(seen) == 84
    assert seen[0] == "Område 1 av 5 · påstående 1 av 12"
    assert seen[12] == "Område 2 av 5 · påstående 1 av 24"
    assert seen[-1] == "Område 5 av 5 · påstående 16 av 16"
    ending = card_text(card)
    assert "1 Informations- och datakunskap: 3,0" in ending
    assert [action["title"] for action in card["actions"]] == ["Ta fram min utvecklingsplan", "Visa min profil"]
    assert "Gör en ny skattning" not in str(card), "never where the finishing button was"
    profile = card_text(await show_profile(chat, card))
    assert "Din kompetensprofil" in profile
    assert "1.1 Söka, filtrera och bläddra i data, information och digitalt innehåll: 3 (Medel)" in profile
    assert "Det här är din första slutförda skattning" in profile
    assert "Du har inga mål ännu" in profile
    [finished] = assessments(bot, chat.user)
    assert finished.status == "finished" and finished.finished_at is not None
    assert finished.framework_version == "2.2" and finished.instrument_version == "2026.1"
    assert set(levels_of(bot, finished.id).values()) == {3}
    assert len(levels_of(bot, finished.id)) == 21


async def test_a_long_assessment_answered_card_by_card_gets_the_levels_the_scoring_rule_gives_its_answers(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    given = {}
    for n in range(84):
        statement = statement_of(card)
        given[statement] = LONG_VALUES[(n * 7 + n // 5) % len(LONG_VALUES)]  # every answer, in varied patterns
        card = await tap(chat, card, given[statement])
    assert card_text(card).startswith("Klart!")

    [finished] = assessments(bot, chat.user)
    assert finished.answers == given, "stored as before: statement id -> value"
    instrument = load_instrument(finished.instrument_version)
    expected = levels_from_answers(instrument, load_framework(instrument.framework_version), "long", given)
    assert levels_of(bot, finished.id) == expected
    assert len(set(expected.values())) > 3, "the answers spread over several levels"


async def test_profile_chart_is_an_embedded_png_drawn_at_twice_its_size(chat: Chat):
    profile = await show_profile(chat, await finish_long(chat))

    [chart] = [element for element in profile["body"] if element.get("type") == "Image"]
    prefix = "data:image/png;base64,"
    assert chart["url"].startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(chart["url"][len(prefix):])))
    assert image.format == "PNG" and image.size[0] == 880 and chart["size"] == "Stretch"
    assert "1.1 3" in chart["altText"] and "1 Informations- och datakunskap" in chart["altText"]


async def test_stopping_and_resuming_continues_at_the_statement_where_the_person_left_off(chat: Chat):
    card = await answer_areas(chat, await start_long(chat), 2)
    await answer_statements(chat, card, 3)

    again = (await chat.say("skattning"))[0]
    assert "Du har svarat på 2 av 5 områden (lång skattning), påbörjad" in card_text(again)
    resumed = (await chat.click(again, "Fortsätt"))[0]
    assert progress(resumed) == "Område 3 av 5 · påstående 4 av 16"

    typed = (await chat.say("fortsätt"))[0]
    assert progress(typed) == "Område 3 av 5 · påstående 4 av 16"


async def test_going_back_shows_the_earlier_answer_and_a_changed_answer_counts_in_the_result(
        chat: Chat, bot: RunningBot):
    card = await answer_statements(chat, await start_long(chat), 13)
    assert progress(card) == "Område 2 av 5 · påstående 2 av 24"

    back = (await chat.click(card, "Föregående påstående"))[0]
    assert progress(back) == "Område 2 av 5 · påstående 1 av 24"
    assert "Ditt svar nu: På egen hand." in card_text(back)
    back = (await chat.click(back, "Föregående påstående"))[0]
    assert progress(back) == "Område 1 av 5 · påstående 12 av 12"
    assert "Ditt svar nu: Jag vet inte hur." in card_text(back)  # c1_3_h, the highly specialised group
    assert button_for(back, "0").get("style") == "positive"

    onward = await tap(chat, back, "3")
    assert progress(onward) == "Område 2 av 5 · påstående 2 av 24", "on where the person was"
    resumed = (await chat.say("fortsätt"))[0]
    assert progress(resumed) == progress(onward)
    ending = await answer_statements(chat, onward, 84 - 13)
    assert card_text(ending).startswith("Klart!")

    [finished] = assessments(bot, chat.user)
    assert finished.answers["c1_3_h"] == "3"
    instrument = load_instrument(finished.instrument_version)
    assert levels_of(bot, finished.id) == levels_from_answers(
        instrument, load_framework(instrument.framework_version), "long", finished.answers)


async def test_the_first_statement_has_no_way_back_and_an_answer_off_the_scale_saves_nothing(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    assert "Föregående påstående" not in card_text(card) and "Föregående påstående" not in str(card)
    before = snapshot(bot)

    response, extra = await chat.execute(Verb.ASSESSMENT_ANSWER, {**button_for(card, "2")["data"], "value": "7"})

    assert response.status == 200 and extra == []
    assert snapshot(bot) == before


async def test_an_area_card_of_the_long_mode_from_before_one_statement_per_card_is_refused(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    data = {key: value for key, value in button_for(card, "2")["data"].items() if key not in ("step", "value")}
    before = snapshot(bot)

    response, _ = await chat.execute(Verb.ASSESSMENT_ANSWER, {**data, "area": 0, "c1_1_f": "2"})

    assert "Kortet visar ett äldre läge av din skattning" in card_text(response.card)
    assert snapshot(bot) == before


# --- refusals and repeats --------------------------------------------------------------------------------------


async def test_a_double_clicked_answer_is_saved_once_and_shows_the_same_next_statement(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)

    first = await tap(chat, card, "2")
    after_first = snapshot(bot)
    second = await tap(chat, card, "2")

    assert progress(first) == "Område 1 av 5 · påstående 2 av 12"
    assert card_text(second) == card_text(first) and second == first
    assert snapshot(bot) == after_first
    [assessment] = assessments(bot, chat.user)
    assert assessment.revision == 2


async def test_simultaneous_clicks_on_one_card_are_saved_once_and_all_show_the_next_card(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    for number in range(2, 6):
        data = button_for(card, "2")["data"]
        results = await asyncio.gather(*(chat.execute(Verb.ASSESSMENT_ANSWER, data) for _ in range(3)))
        assert [progress(response.card) for response, _ in results] == [
            f"Område 1 av 5 · påstående {number} av 12"] * 3
        assert all(extras == [] for _, extras in results)
        card = results[0][0].card
    [assessment] = assessments(bot, chat.user)
    assert (assessment.revision, assessment.area_index) == (5, 4)


async def test_a_double_clicked_finish_shows_the_ending_again_and_stores_the_levels_once(
        chat: Chat, bot: RunningBot):
    card = await answer_statements(chat, await start_long(chat), 83)
    assert progress(card) == "Område 5 av 5 · påstående 16 av 16"

    first = await tap(chat, card, "2")
    after_first = snapshot(bot)
    second = await tap(chat, card, "2")

    assert card_text(first).startswith("Klart!") and card_text(second) == card_text(first)
    assert snapshot(bot) == after_first
    [assessment] = assessments(bot, chat.user)
    assert len(levels_of(bot, assessment.id)) == 21


async def test_a_statement_answered_after_the_assessment_was_finished_is_refused_and_changes_nothing(
        chat: Chat, bot: RunningBot):
    area_2 = await answer_areas(chat, await start_long(chat), 1)
    await answer_areas(chat, area_2, 4)
    before = snapshot(bot)

    refused = await tap(chat, area_2, "3")

    assert "Den här skattningen är redan slutförd och kan inte ändras. Ingenting har sparats." in card_text(refused)
    assert snapshot(bot) == before


async def test_a_statement_answered_after_starting_over_is_refused_and_changes_neither_assessment(
        chat: Chat, bot: RunningBot):
    area_2 = await answer_areas(chat, await start_long(chat), 1)
    resume = (await chat.say("skattning"))[0]
    mode = (await chat.click(resume, "Börja om"))[0]
    assert "När du startar en ny skattning avslutas den du har påbörjat" in card_text(mode)
    new_first = (await chat.click(mode, "Starta kort skattning"))[0]
    assert progress(new_first) == "Område 1 av 5 · kompetens 1 av 3"
    old, new = assessments(bot, chat.user)
    assert (old.status, new.status) == ("restarted", "in_progress")
    before = snapshot(bot)

    refused = await tap(chat, area_2, "3")

    assert "Du har börjat om" in card_text(refused)
    assert snapshot(bot) == before


async def test_an_answer_from_an_earlier_card_of_the_same_assessment_is_refused(chat: Chat, bot: RunningBot):
    first = await start_long(chat)
    await answer_statements(chat, first, 3)
    before = snapshot(bot)

    refused = await tap(chat, first, "3")
    repeated_late = await tap(chat, first, answer_for(statement_of(first), LEVEL_3))

    assert "Kortet visar ett äldre läge av din skattning" in card_text(refused)
    assert "Kortet visar ett äldre läge av din skattning" in card_text(repeated_late)
    assert snapshot(bot) == before


async def test_a_payload_naming_someone_elses_assessment_is_refused_and_changes_nothing(
        chat: Chat, bot: RunningBot, connector):
    card = await answer_statements(chat, await start_long(chat), 1)
    data = button_for(card, "3")["data"]
    bertil = TeamsUser.create("Bertil Holm")
    connector.register(bertil)
    intruder = Chat(bot, connector, bertil)
    await intruder.say("hjälp")  # Bertil is known to the bot
    before = snapshot(bot)

    for verb in (Verb.ASSESSMENT_ANSWER, Verb.ASSESSMENT_BACK, Verb.ASSESSMENT_RESTART, Verb.ASSESSMENT_RESUME,
                 Verb.PROFILE_SHOW):
        forged = {key: value for key, value in data.items() if key != "to"}  # without Anna's addressee stamp
        response, _ = await intruder.execute(verb, forged)
        assert "Du har inte behörighet till det här" in card_text(response.card), verb
    assert snapshot(bot) == before


async def test_a_card_answered_after_30_days_finds_the_assessment_expired(clocked_chat: Chat, clocked_bot):
    area_2 = await answer_areas(clocked_chat, await start_long(clocked_chat), 1)
    clocked_bot.clock.advance(timedelta(days=30, minutes=1))

    refused = await tap(clocked_chat, area_2, "2")

    assert "Skattningen gick ut eftersom den inte slutfördes inom 30 dagar" in card_text(refused)
    [expired] = assessments(clocked_bot, clocked_chat.user)
    assert expired.status == "expired" and expired.area_index == 12
    mode = (await clocked_chat.say("skattning"))[0]
    assert "Din förra skattning slutfördes inte inom 30 dagar" in card_text(mode)


async def test_resume_after_29_days_still_works(clocked_chat: Chat, clocked_bot):
    await answer_areas(clocked_chat, await start_long(clocked_chat), 1)
    clocked_bot.clock.advance(timedelta(days=29))

    resumed = (await clocked_chat.say("fortsätt"))[0]

    assert progress(resumed) == "Område 2 av 5 · påstående 1 av 24"


# --- short mode, language, profile, history, targets -----------------------------------------------------------


async def test_short_mode_each_competence_is_its_own_card_and_one_tap_advances(chat: Chat, bot: RunningBot):
    card = await start_short(chat)
    seen, taps = [], 0
    while not card_text(card).startswith("Klart!"):
        seen.append(progress(card))
        assert "Vilket stämmer bäst på det du gör på egen hand i dag?" in card_text(card)
        assert [b["title"] for b in answer_buttons(card)] == ["Välj"] * 6
        assert [b["data"]["value"] for b in answer_buttons(card)] == list(SHORT_VALUES)
        response, extra = await chat.execute(Verb.ASSESSMENT_ANSWER, button_for(card, "i")["data"])
        taps += 1
        assert response.status == 200
        assert extra == [], "each answer replaces its card, no new message"
        card = response.card

    assert taps == len(seen) == 21
    assert seen[:4] == ["Område 1 av 5 · kompetens 1 av 3", "Område 1 av 5 · kompetens 2 av 3",
                        "Område 1 av 5 · kompetens 3 av 3", "Område 2 av 5 · kompetens 1 av 6"]
    assert seen[-1] == "Område 5 av 5 · kompetens 4 av 4"
    [finished] = assessments(bot, chat.user)
    assert finished.mode == "short" and finished.status == "finished"
    # "Intermediate on my own" is level 3 whichever mode it is given in (SCORING.md).
    assert set(levels_of(bot, finished.id).values()) == {3} and len(levels_of(bot, finished.id)) == 21


async def test_short_mode_end_to_end_gives_the_level_of_doing_the_chosen_group_on_ones_own(
        chat: Chat, bot: RunningBot):
    card = await start_short(chat)
    given = {}
    while not card_text(card).startswith("Klart!"):
        competence = competence_of(card)
        given[competence] = "na" if competence == "5.4" else "a" if competence.startswith("5.") else "i"
        card = await tap(chat, card, given[competence])
    profile = await show_profile(chat, card)

    assert "Din kompetensprofil" in card_text(profile)
    [finished] = assessments(bot, chat.user)
    levels = levels_of(bot, finished.id)
    assert finished.answers == {f"s{key.replace('.', '_')}": value for key, value in given.items()}
    # The same levels as the long mode answered "on my own" up to the chosen group (SCORING.md).
    assert levels["1.1"] == 3 and levels["5.1"] == 5 and levels["5.4"] is None
    assert "5.4 Identifiera digitala kompetensluckor: Inte relevant" in card_text(profile)
    instrument = load_instrument(finished.instrument_version)
    assert levels == levels_from_answers(instrument, load_framework(instrument.framework_version), "short",
                                         finished.answers)


async def test_short_mode_goes_back_one_competence_with_its_answer_marked_and_resumes_where_the_person_was(
        chat: Chat, bot: RunningBot):
    card = first = await start_short(chat)
    for value in ("f", "i", "a", "h"):
        card = await tap(chat, card, value)
    assert progress(card) == "Område 2 av 5 · kompetens 2 av 6"
    assert "Föregående kompetens" not in str(first) and "Föregående kompetens" in str(card)

    back = (await chat.click(card, "Föregående kompetens"))[0]
    assert progress(back) == "Område 2 av 5 · kompetens 1 av 6"
    assert button_for(back, "h").get("style") == "positive" and button_for(back, "h")["title"] == "Ditt svar"
    back = (await chat.click(back, "Föregående kompetens"))[0]
    assert progress(back) == "Område 1 av 5 · kompetens 3 av 3"

    onward = await tap(chat, back, "f")
    assert progress(onward) == "Område 2 av 5 · kompetens 2 av 6", "on where the person was"
    resumed = (await chat.say("fortsätt"))[0]
    assert progress(resumed) == progress(onward)
    [in_progress] = assessments(bot, chat.user)
    assert in_progress.answers == {"s1_1": "f", "s1_2": "i", "s1_3": "f", "s2_1": "h"}


async def test_a_short_answer_tapped_twice_is_saved_once_and_an_earlier_or_forged_card_is_refused(
        chat: Chat, bot: RunningBot):
    first = await start_short(chat)
    before = snapshot(bot)
    for forged in ({"value": "2"}, {"value": "x"}, {"step": 21}, {"step": -1}):  # off the scale, no such competence
        response, extra = await chat.execute(Verb.ASSESSMENT_ANSWER, {**button_for(first, "f")["data"], **forged})
        assert response.status == 200 and extra == []
        assert "Kortet skickade ofullständiga uppgifter, så ingenting har sparats" in card_text(response.card)
        assert snapshot(bot) == before, forged
    second = await tap(chat, first, "f")
    after_first = snapshot(bot)

    again = await tap(chat, first, "f")
    assert again == second and snapshot(bot) == after_first

    await tap(chat, second, "i")
    before = snapshot(bot)
    refused = await tap(chat, first, "a")
    assert "Kortet visar ett äldre läge av din skattning" in card_text(refused)
    assert snapshot(bot) == before


def start_old_short_assessment(bot: RunningBot, user: TeamsUser, areas_answered: int) -> Assessment:
    """A short assessment as the short mode saved it before one competence per card: whole areas, and
    `area_index` the area the person is on."""
    with bot.app[DATABASE].session() as session:
        person = find_person(session, tenant_id=user.tenant_id, aad_object_id=user.aad_object_id)
        instrument = load_instrument(CURRENT_INSTRUMENT)
        assessment = start_assessment(session, person_id=person.id, mode="short",
                                      framework_version=instrument.framework_version,
                                      instrument_version=instrument.version, now=datetime.now(timezone.utc))
        for area in range(areas_answered):
            save_area_answers(session, assessment=assessment, now=datetime.now(timezone.utc), next_area=area + 1,
                              answers={i: "a" for i in area_items(CURRENT_INSTRUMENT, "short", area).item_ids})
        session.commit()
        session.refresh(assessment)
        session.expunge(assessment)
        return assessment


async def test_a_short_assessment_begun_area_by_area_before_the_upgrade_resumes_and_finishes(
        chat: Chat, bot: RunningBot):
    await chat.say("hjälp")  # Anna is known to the bot
    old = start_old_short_assessment(bot, chat.user, areas_answered=2)
    assert (old.area_index, len(old.answers)) == (2, 9)

    offer = (await chat.say("skattning"))[0]
    assert "Du har svarat på 2 av 5 områden (kort skattning)" in card_text(offer)
    resumed = (await chat.click(offer, "Fortsätt"))[0]
    assert progress(resumed) == "Område 3 av 5 · kompetens 1 av 4"
    typed = (await chat.say("fortsätt"))[0]
    assert progress(typed) == "Område 3 av 5 · kompetens 1 av 4"

    # The old area card still in the chat ("Nästa område" with its radio buttons) is refused and saves nothing.
    before = snapshot(bot)
    response, _ = await chat.execute(Verb.ASSESSMENT_ANSWER, {"assessment": old.id, "area": 2, "rev": old.revision,
                                                              **{i: "h" for i in ("s3_1", "s3_2", "s3_3", "s3_4")}})
    assert "Kortet visar ett äldre läge av din skattning" in card_text(response.card)
    response, _ = await chat.execute(Verb.ASSESSMENT_BACK, {"assessment": old.id, "area": 2, "rev": old.revision})
    assert "Kortet visar ett äldre läge av din skattning" in card_text(response.card)
    assert snapshot(bot) == before

    card, taps = typed, 0
    while not card_text(card).startswith("Klart!"):
        card = await tap(chat, card, "f")
        taps += 1
    assert taps == 21 - 9
    [finished] = assessments(bot, chat.user)
    levels = levels_of(bot, finished.id)
    assert finished.status == "finished"
    assert levels["1.1"] == levels["2.6"] == 5 and levels["3.1"] == levels["5.4"] == 2


async def test_an_english_user_takes_the_assessment_in_english(bot: RunningBot, connector):
    oliver = TeamsUser.create("Oliver Smith", locale="en-US")
    connector.register(oliver)
    chat = Chat(bot, connector, oliver)

    mode = (await chat.say("assessment"))[0]
    assert "Self-assessment of digital competence" in card_text(mode)
    card = (await chat.click(mode, "Start full assessment"))[0]
    assert progress(card) == "Area 1 of 5 · statement 1 of 12"
    assert "Information and data literacy" in card_text(card)
    assert "How do you do this today?" in card_text(card)
    ending = await answer_areas(chat, card, 5, LEVEL_5)
    assert card_text(ending).startswith("Done!")
    profile = (await chat.click(ending, "Show my profile"))[0]

    text = card_text(profile)
    assert "Your competence profile" in text
    assert "5 (Advanced)" in text
    assert "Din" not in text


async def test_min_profil_without_a_finished_assessment_offers_to_start_or_continue(chat: Chat):
    empty = (await chat.say("min profil"))[0]
    assert "Du har ingen profil ännu" in card_text(empty)

    await start_long(chat)
    in_progress = (await chat.say("min profil"))[0]
    assert "Du har en påbörjad skattning" in card_text(in_progress)
    resumed = (await chat.click(in_progress, "Fortsätt"))[0]
    assert progress(resumed) == "Område 1 av 5 · påstående 1 av 12"


async def test_min_profil_and_history_compare_the_two_latest_assessments(clocked_chat: Chat, clocked_bot):
    await finish_long(clocked_chat, LEVEL_3)
    clocked_bot.clock.advance(timedelta(days=200))
    await finish_long(clocked_chat, LEVEL_3, overrides={"2.1": LEVEL_5, "3.3": LEVEL_8})

    profile = card_text((await clocked_chat.say("min profil"))[0])
    assert "Skattningen slutfördes 2026-09-18 (lång skattning)." in profile
    assert "Jämfört med skattningen 2026-03-02: höjt i 2, sänkt i 0 av 21 kompetenser." in profile
    assert "2.1 Interagera genom digitala teknologier: 5 (Avancerad) · +2 sedan förra" in profile

    history = (await clocked_chat.say("historik"))[0]
    text = card_text(history)
    assert "2026-09-18, lång skattning" in text and "2026-03-02, lång skattning" in text
    assert "Förändring från 2026-03-02 till 2026-09-18" in text
    assert "Höjt: 2.1 (+2), 3.3 (+5)" in text
    older = (await clocked_chat.click(history, "Visa 2026-03-02"))[0]
    assert "Skattningen slutfördes 2026-03-02" in card_text(older)
    assert "Det här är din första slutförda skattning" in card_text(older)


async def test_role_and_personal_targets_give_the_three_largest_gaps_on_the_profile(chat: Chat, bot: RunningBot):
    with bot.app[DATABASE].session() as session:
        import_role_profiles(session, content=SEED_FILE.read_text(encoding="utf-8"))
    await finish_long(chat, LEVEL_3, overrides={"1.1": LEVEL_5})

    targets = (await chat.say("mina mål"))[0]
    assert "Mina mål" in card_text(targets)
    profile = (await chat.click(targets, "Spara mål", {"role": "bibliotekarie", "t3_4": "8", "t2_5": "role"}))[0]

    text = card_text(profile)
    assert "Dina mål är sparade" in text
    assert "Yrkesroll: Bibliotekarie." in text
    # Bibliotekarie: 1.2 target 6 (gap 3), 1.3 5, 2.3 5, 3.3 5 (gaps 2); personal 3.4 target 8 (gap 5).
    gaps = text.split("Störst avstånd till dina mål\n")[1].split("\n")[:3]
    assert gaps == [
        "3.4 Programmering: nivå 3, mål 8 (5 steg kvar)",
        "1.2 Utvärdera data, information och digitalt innehåll: nivå 3, mål 6 (3 steg kvar)",
        "1.3 Hantera data, information och digitalt innehåll: nivå 3, mål 5 (2 steg kvar)",
    ]
    reopened = (await chat.say("mål"))[0]
    assert prefilled(reopened)["role"] == "bibliotekarie" and prefilled(reopened)["t3_4"] == "8"
    assert prefilled(reopened)["t2_5"] == "role"


# --- not relevant, the ending, starting again --------------------------------------------------------------------


async def test_not_relevant_in_the_long_mode_is_left_out_never_counted_as_the_highest_answer(
        chat: Chat, bot: RunningBot):
    na = {"f": "na", "i": "na", "a": "na", "h": "na"}
    top_na = {"f": "2", "i": "2", "a": "2", "h": "na"}  # advanced on my own, the top group not relevant
    middle_na = {"f": "2", "i": "na", "a": "3", "h": "0"}  # intermediate skipped, advanced guiding others
    ending = await finish_long(chat, LEVEL_3, overrides={"2.3": na, "1.1": top_na, "1.2": middle_na})

    [finished] = assessments(bot, chat.user)
    levels = levels_of(bot, finished.id)
    assert levels["2.3"] is None, "all four not relevant: not assessed, not level 0 and not level 8"
    assert levels["1.1"] == 5, "the top group not relevant does not lift advanced 'on my own' to 7 or 8"
    assert levels["1.2"] == 6
    assert "Att bekräfta i utvecklingssamtalet" not in card_text(ending)
    profile = card_text(await show_profile(chat, ending))
    assert "2.3 Engagera medborgarskap genom digitala teknologier: Inte relevant" in profile


async def test_levels_7_and_8_are_shown_as_to_be_confirmed_in_the_development_dialogue(chat: Chat, bot: RunningBot):
    ending = await finish_long(chat, LEVEL_3, overrides={"2.1": LEVEL_8})

    text = card_text(ending)
    assert "Att bekräfta i utvecklingssamtalet:" in text
    assert "2.1 Interagera genom digitala teknologier, nivå 8" in text
    [finished] = assessments(bot, chat.user)
    assert finished.scoring_version == 2


async def test_starting_again_within_30_days_of_a_finished_assessment_asks_first(clocked_chat: Chat, clocked_bot):
    await finish_long(clocked_chat)
    clocked_bot.clock.advance(timedelta(days=29))

    asked = (await clocked_chat.say("skattning"))[0]
    assert "Du har nyligen gjort en skattning" in card_text(asked)
    assert "Du slutförde en skattning 2026-03-02" in card_text(asked)
    profile = (await clocked_chat.click(asked, "Visa min profil"))
    assert "Din kompetensprofil" in card_text(profile[0])
    mode = (await clocked_chat.click(asked, "Ja, gör en ny skattning"))[0]
    assert "Självskattning av digital kompetens" in card_text(mode)
    assert len(assessments(clocked_bot, clocked_chat.user)) == 1, "nothing starts before a mode is chosen"

    clocked_bot.clock.advance(timedelta(days=2))
    later = (await clocked_chat.say("skattning"))[0]
    assert "Självskattning av digital kompetens" in card_text(later), "after 30 days: straight to the modes"
