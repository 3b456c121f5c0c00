"""The self-assessment over HTTP: mode, area by area with Action.Execute, stop and resume, back, finish, profile,
history, targets; stale, repeated and foreign cards are refused or answered without changing anything."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import event
from sqlmodel import select

from bot.app import DATABASE
from cards.verbs import Verb
from cards.walk import inputs as iter_inputs
from dialogs.clock import ManualClock
from store.models.assessment import Assessment, AssessmentLevel
from store.people import find_person
from store.role_profiles_csv import SEED_FILE, import_role_profiles
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, RunningBot, card_text, find_action

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# Long mode answers per level group -> level (store/data/digcomp/SCORING.md): intermediate on my own = 3; advanced
# on my own with the top group "with help" = 5; everything with confidence, guiding others = 8.
LEVEL_3 = {"f": "2", "i": "2", "a": "1", "h": "0"}
LEVEL_5 = {"f": "3", "i": "2", "a": "2", "h": "1"}
LEVEL_8 = {"f": "3", "i": "3", "a": "3", "h": "3"}


# --- helpers ---------------------------------------------------------------------------------------------------


def inputs_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    return list(iter_inputs(card))


def long_answers(card: dict[str, Any], by_group: dict[str, str], overrides: dict[str, dict[str, str]] | None = None
                 ) -> dict[str, str]:
    """Answers for every statement on a long-mode area card: by the statement's group letter (c2_1_f -> f)."""
    answers = {}
    for element in inputs_of(card):
        competence = element["id"][1:-2].replace("_", ".")
        groups = (overrides or {}).get(competence, by_group)
        answers[element["id"]] = groups[element["id"][-1]]
    return answers


def short_answers(card: dict[str, Any], choice: str) -> dict[str, str]:
    return {element["id"]: choice for element in inputs_of(card)}


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


async def answer_areas(chat: Chat, card: dict[str, Any], count: int, by_group=LEVEL_3, overrides=None,
                       button: str = "Nästa område") -> dict[str, Any]:
    for _ in range(count):
        cards = await chat.click(card, button, long_answers(card, by_group, overrides))
        assert len(cards) == 2 and "klart" in card_text(cards[0]), [card_text(c)[:80] for c in cards]
        card = cards[1]
    return card


async def finish_long(chat: Chat, by_group=LEVEL_3, overrides=None) -> dict[str, Any]:
    """The whole long assessment; returns the "Klart!" card."""
    card = await start_long(chat)
    card = await answer_areas(chat, card, 4, by_group, overrides)
    cards = await chat.click(card, "Slutför skattningen", long_answers(card, by_group, overrides))
    assert len(cards) == 1 and card_text(cards[0]).startswith("Klart!")
    return cards[0]


async def show_profile(chat: Chat, ending: dict[str, Any]) -> dict[str, Any]:
    return (await chat.click(ending, "Visa min profil"))[0]


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def clocked_chat(clocked_bot, connector, anna) -> Chat:
    return Chat(clocked_bot, connector, anna)


# --- the whole flow --------------------------------------------------------------------------------------------


async def test_long_assessment_goes_area_by_area_each_answered_card_shrinks_and_the_next_comes_as_a_message(
        chat: Chat, bot: RunningBot):
    mode = (await chat.say("skattning"))[0]
    assert "Självskattning av digital kompetens" in card_text(mode)
    assert "CC BY 4.0" in card_text(mode)

    card = (await chat.click(mode, "Starta lång skattning"))[0]
    seen = []
    for number in range(1, 6):
        seen.append(progress(card))
        assert len(inputs_of(card)) == 4 * {1: 3, 2: 6, 3: 4, 4: 4, 5: 4}[number]
        assert all(element["isRequired"] and element["errorMessage"] for element in inputs_of(card))
        response, extra = await chat.execute(Verb.ASSESSMENT_ANSWER, {
            **find_action(card, "Slutför skattningen" if number == 5 else "Nästa område")["data"],
            **long_answers(card, LEVEL_3)})
        assert response.status == 200
        if number < 5:
            # The answered card becomes one line; the next area arrives as a new message, its top in view.
            assert card_text(response.card).startswith(f"Område {number} av 5 klart (lång skattning)")
            assert "actions" not in response.card
            [card] = extra
        else:
            assert extra == [], "the ending replaces the last area, nothing more"
            card = response.card

    assert seen == [f"Område {n} av 5 · lång skattning" for n in range(1, 6)]
    ending = card_text(card)
    assert ending.startswith("Klart!")
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


async def test_profile_chart_is_an_embedded_png_drawn_at_twice_its_size(chat: Chat):
    profile = await show_profile(chat, await finish_long(chat))

    [chart] = [element for element in profile["body"] if element.get("type") == "Image"]
    prefix = "data:image/png;base64,"
    assert chart["url"].startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(chart["url"][len(prefix):])))
    assert image.format == "PNG" and image.size[0] == 880 and chart["size"] == "Stretch"
    assert "1.1 3" in chart["altText"] and "1 Informations- och datakunskap" in chart["altText"]


async def test_stopping_and_resuming_continues_at_the_area_where_the_person_left_off(chat: Chat):
    card = await start_long(chat)
    await answer_areas(chat, card, 2)

    again = (await chat.say("skattning"))[0]
    assert "Du har svarat på 2 av 5 områden (lång skattning), påbörjad" in card_text(again)
    resumed = (await chat.click(again, "Fortsätt"))[0]
    assert progress(resumed) == "Område 3 av 5 · lång skattning"

    typed = (await chat.say("fortsätt"))[0]
    assert progress(typed) == "Område 3 av 5 · lång skattning"


async def test_going_back_shows_the_earlier_answers_and_a_changed_answer_counts_in_the_result(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    first_answers = long_answers(card, LEVEL_3)
    card = await answer_areas(chat, card, 2)

    area_2 = (await chat.click(card, "Föregående område"))[0]
    assert progress(area_2) == "Område 2 av 5 · lång skattning"
    area_1 = (await chat.click(area_2, "Föregående område"))[0]
    assert progress(area_1) == "Område 1 av 5 · lång skattning"
    assert prefilled(area_1) == first_answers

    changed = long_answers(area_1, LEVEL_3, overrides={"1.2": LEVEL_8})
    card = (await chat.click(area_1, "Nästa område", changed))[-1]
    assert progress(card) == "Område 2 av 5 · lång skattning"
    assert prefilled(card) == long_answers(card, LEVEL_3), "area 2 keeps its answers when passed again"
    card = await answer_areas(chat, card, 3)
    await chat.click(card, "Slutför skattningen", long_answers(card, LEVEL_3))

    [finished] = assessments(bot, chat.user)
    levels = levels_of(bot, finished.id)
    assert levels["1.2"] == 8 and levels["1.1"] == 3


async def test_a_missing_answer_brings_the_same_card_back_with_a_message_and_nothing_lost_or_saved(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    answers = long_answers(card, LEVEL_3)
    del answers["c1_2_a"]
    before = snapshot(bot)

    again = (await chat.click(card, "Nästa område", answers))[0]

    assert progress(again) == "Område 1 av 5 · lång skattning"
    assert "Svar saknas för 1.2" in card_text(again)
    assert prefilled(again) == answers
    assert snapshot(bot) == before


# --- refusals and repeats --------------------------------------------------------------------------------------


async def test_a_double_clicked_answer_is_saved_once_and_sends_the_next_area_once(chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    answers = long_answers(card, LEVEL_3)

    done, area_2 = await chat.click(card, "Nästa område", answers)
    after_first = snapshot(bot)
    second = await chat.click(card, "Nästa område", answers)

    assert progress(area_2) == "Område 2 av 5 · lång skattning"
    assert [card_text(c) for c in second] == [card_text(done)], "the same one line, and no second area 2"
    assert snapshot(bot) == after_first
    [assessment] = assessments(bot, chat.user)
    assert assessment.revision == 2


async def test_simultaneous_clicks_on_one_card_are_saved_once_and_all_show_the_next_card(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    for number in range(2, 6):
        data = {**find_action(card, "Nästa område")["data"], **long_answers(card, LEVEL_3)}
        results = await asyncio.gather(*(chat.execute(Verb.ASSESSMENT_ANSWER, data) for _ in range(3)))
        assert [progress(response.card) for response, _ in results] == [
            f"Område {number - 1} av 5 klart (lång skattning)"] * 3
        [card] = [extra for _, extras in results for extra in extras]  # the next area is sent once
    [assessment] = assessments(bot, chat.user)
    assert (assessment.revision, assessment.area_index) == (5, 4)


async def test_answering_an_area_takes_two_sql_statements_whatever_the_area(chat: Chat, bot: RunningBot):
    """Find the sender with the assessment their card names (locked), write it: the framework and instrument
    come from memory."""
    card = await answer_areas(chat, await start_long(chat), 1)
    by_connection: dict[int, list[str]] = {}

    def count(connection, _cursor, statement, *_):
        by_connection.setdefault(id(connection.connection), []).append(statement)

    event.listen(bot.app[DATABASE].engine, "before_cursor_execute", count)
    try:
        await answer_areas(chat, card, 1)
    finally:
        event.remove(bot.app[DATABASE].engine, "before_cursor_execute", count)

    # Background workers (the outbox) may poll meanwhile on their own connections; the turn has one.
    [turn] = [statements for statements in by_connection.values()
              if any(statement.startswith("UPDATE assessment") for statement in statements)]
    assert [statement.split()[0] for statement in turn] == ["SELECT", "UPDATE"]
    assert "FROM person JOIN assessment" in turn[0]
    if bot.app[DATABASE].engine.dialect.name == "postgresql":
        assert turn[0].rstrip().endswith("FOR UPDATE OF assessment")


async def test_a_double_clicked_finish_shows_the_ending_again_and_stores_the_levels_once(
        chat: Chat, bot: RunningBot):
    card = await answer_areas(chat, await start_long(chat), 4)
    answers = long_answers(card, LEVEL_3)

    first = (await chat.click(card, "Slutför skattningen", answers))[0]
    after_first = snapshot(bot)
    second = (await chat.click(card, "Slutför skattningen", answers))[0]

    assert card_text(first).startswith("Klart!") and card_text(second) == card_text(first)
    assert snapshot(bot) == after_first
    [assessment] = assessments(bot, chat.user)
    assert len(levels_of(bot, assessment.id)) == 21


async def test_an_area_answered_after_the_assessment_was_finished_is_refused_and_changes_nothing(
        chat: Chat, bot: RunningBot):
    card = await start_long(chat)
    area_2 = await answer_areas(chat, card, 1)
    card = await answer_areas(chat, area_2, 3)
    await chat.click(card, "Slutför skattningen", long_answers(card, LEVEL_3))
    before = snapshot(bot)

    refused = (await chat.click(area_2, "Nästa område", long_answers(area_2, LEVEL_8)))[0]

    assert "Den här skattningen är redan slutförd och kan inte ändras. Ingenting har sparats." in card_text(refused)
    assert snapshot(bot) == before


async def test_an_area_answered_after_starting_over_is_refused_and_changes_neither_assessment(
        chat: Chat, bot: RunningBot):
    area_2 = await answer_areas(chat, await start_long(chat), 1)
    resume = (await chat.say("skattning"))[0]
    mode = (await chat.click(resume, "Börja om"))[0]
    assert "När du startar en ny skattning avslutas den du har påbörjat" in card_text(mode)
    new_first = (await chat.click(mode, "Starta kort skattning"))[0]
    assert progress(new_first) == "Område 1 av 5 · kort skattning"
    old, new = assessments(bot, chat.user)
    assert (old.status, new.status) == ("restarted", "in_progress")
    before = snapshot(bot)

    refused = (await chat.click(area_2, "Nästa område", long_answers(area_2, LEVEL_8)))[0]

    assert "Du har börjat om" in card_text(refused)
    assert snapshot(bot) == before


async def test_an_answer_from_an_earlier_card_of_the_same_assessment_is_refused(chat: Chat, bot: RunningBot):
    area_1 = await start_long(chat)
    await answer_areas(chat, area_1, 2)
    before = snapshot(bot)

    refused = (await chat.click(area_1, "Nästa område", long_answers(area_1, LEVEL_8)))[0]

    assert "Kortet visar ett äldre läge av din skattning" in card_text(refused)
    assert snapshot(bot) == before


async def test_a_payload_naming_someone_elses_assessment_is_refused_and_changes_nothing(
        chat: Chat, bot: RunningBot, connector):
    card = await start_long(chat)
    data = {**find_action(card, "Nästa område")["data"], **long_answers(card, LEVEL_8)}
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

    refused = (await clocked_chat.click(area_2, "Nästa område", long_answers(area_2, LEVEL_3)))[0]

    assert "Skattningen gick ut eftersom den inte slutfördes inom 30 dagar" in card_text(refused)
    [expired] = assessments(clocked_bot, clocked_chat.user)
    assert expired.status == "expired" and expired.area_index == 1
    mode = (await clocked_chat.say("skattning"))[0]
    assert "Din förra skattning slutfördes inte inom 30 dagar" in card_text(mode)


async def test_resume_after_29_days_still_works(clocked_chat: Chat, clocked_bot):
    await answer_areas(clocked_chat, await start_long(clocked_chat), 1)
    clocked_bot.clock.advance(timedelta(days=29))

    resumed = (await clocked_chat.say("fortsätt"))[0]

    assert progress(resumed) == "Område 2 av 5 · lång skattning"


# --- short mode, language, profile, history, targets -----------------------------------------------------------


async def test_short_mode_end_to_end_gives_the_level_of_doing_the_chosen_group_on_ones_own(
        chat: Chat, bot: RunningBot):
    mode = (await chat.say("skattning"))[0]
    card = (await chat.click(mode, "Starta kort skattning"))[0]
    for number in range(1, 5):
        assert progress(card) == f"Område {number} av 5 · kort skattning"
        card = (await chat.click(card, "Nästa område", short_answers(card, "i")))[-1]
    answers = short_answers(card, "a")
    answers["s5_4"] = "na"
    profile = await show_profile(chat, (await chat.click(card, "Slutför skattningen", answers))[0])

    assert "Din kompetensprofil" in card_text(profile)
    [finished] = assessments(bot, chat.user)
    levels = levels_of(bot, finished.id)
    assert finished.mode == "short"
    # The same levels as the long mode answered "on my own" up to the chosen group (SCORING.md).
    assert levels["1.1"] == 3 and levels["5.1"] == 5 and levels["5.4"] is None
    assert "5.4 Identifiera digitala kompetensluckor: Inte relevant" in card_text(profile)


async def test_an_english_user_takes_the_assessment_in_english(bot: RunningBot, connector):
    oliver = TeamsUser.create("Oliver Smith", locale="en-US")
    connector.register(oliver)
    chat = Chat(bot, connector, oliver)

    mode = (await chat.say("assessment"))[0]
    assert "Self-assessment of digital competence" in card_text(mode)
    card = (await chat.click(mode, "Start full assessment"))[0]
    assert progress(card) == "Area 1 of 5 · full assessment"
    assert "Information and data literacy" in card_text(card)
    for _ in range(4):
        card = (await chat.click(card, "Next area", long_answers(card, LEVEL_5)))[-1]
    ending = (await chat.click(card, "Finish the assessment", long_answers(card, LEVEL_5)))[0]
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
    assert progress(resumed) == "Område 1 av 5 · lång skattning"


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
