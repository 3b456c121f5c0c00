"""Notices say when they arrive: when quiet hours hold the other person's message, the sender is told when it
goes out ("Karin får planen i morgon kl. 08.00"), and nobody is told that someone "har fått besked" before
the notice has gone out. Over HTTP on the test's clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.app import DATABASE, OUTBOX
from store.models.plan import PlanState
from tests.directory_fixtures import give_finished_assessment, import_people, person_row
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, card_text, latest_plan_of, person_id_of
from tests.plan_fixtures import import_anna_under_karin, open_plan_draft
from tests.scenario.test_plan_signoff import _write_goal

REVIEW = "Utvecklingsplan 2026: Anna Lindberg"


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


@pytest.fixture
def directory(bot, anna, karin, tmp_path):
    import_anna_under_karin(bot, tmp_path, anna, karin)


async def _drafted_plan(chat: Chat, bot, clock) -> dict:
    return await _write_goal(chat, await open_plan_draft(chat, bot, clock, assessed_days_ago=1))


def _reviews(connector, karin) -> list[dict]:
    return [c for c in connector.cards(karin.conversation_id) if REVIEW in card_text(c)]


async def test_a_plan_sent_in_the_evening_tells_the_employee_the_manager_gets_it_tomorrow_at_eight(
        bot, connector, chat, anna, karin, directory, clock):
    draft = await _drafted_plan(chat, bot, clock)
    clock.set(datetime(2026, 3, 10, 17, 30, tzinfo=timezone.utc))  # Tuesday 18:30 in Stockholm

    sent = (await chat.click(draft, "Skicka till min chef"))[0]
    await bot.app[OUTBOX].drain()

    assert "Planen är skickad till Karin Ek. Karin får planen i morgon kl. 08.00." in card_text(sent)
    assert _reviews(connector, karin) == [], "held by quiet hours"
    clock.set(datetime(2026, 3, 11, 7, 0, tzinfo=timezone.utc))  # Wednesday 08:00
    await bot.app[OUTBOX].drain()
    assert len(_reviews(connector, karin)) == 1


async def test_within_working_hours_the_sent_notice_names_no_later_time(
        bot, connector, chat, anna, karin, directory, clock):
    draft = await _drafted_plan(chat, bot, clock)

    sent = (await chat.click(draft, "Skicka till min chef"))[0]

    assert "Planen är skickad till Karin Ek." in card_text(sent)
    assert "får planen" not in card_text(sent)


async def test_an_approval_on_friday_evening_says_the_employee_hears_of_it_on_monday_not_that_she_has(
        bot, connector, chat, anna, karin, directory, clock):
    sent = (await chat.click(await _drafted_plan(chat, bot, clock), "Skicka till min chef"))[0]
    assert "Planen är skickad" in card_text(sent)
    await connector.wait_for_async(lambda activities: bool(_reviews(connector, karin)),
                                   conversation_id=karin.conversation_id)
    review = _reviews(connector, karin)[-1]
    clock.set(datetime(2026, 3, 13, 17, 0, tzinfo=timezone.utc))  # Friday 18:00
    manager = Chat(bot, connector, karin, seen=len(connector.cards(karin.conversation_id)))

    outcome = card_text((await manager.click(review, "Godkänn planen"))[0])
    await bot.app[OUTBOX].drain()

    assert "Du har godkänt planen. Anna får beskedet på måndag kl. 08.00" in outcome
    assert "har fått" not in outcome
    assert latest_plan_of(bot, anna).state == PlanState.APPROVED
    assert not any("Din utvecklingsplan är godkänd" in card_text(c) for c in connector.cards(anna.conversation_id))


async def test_asking_for_changes_late_in_the_evening_says_when_the_comment_arrives(
        bot, connector, chat, anna, karin, directory, clock):
    await chat.click(await _drafted_plan(chat, bot, clock), "Skicka till min chef")
    await connector.wait_for_async(lambda activities: bool(_reviews(connector, karin)),
                                   conversation_id=karin.conversation_id)
    review = _reviews(connector, karin)[-1]
    clock.set(datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc))  # Tuesday 23:30
    manager = Chat(bot, connector, karin, seen=len(connector.cards(karin.conversation_id)))

    outcome = card_text((await manager.click(review, "Begär ändringar", {"comment": "Lägg till en kurs."}))[0])

    assert "Du har begärt ändringar. Anna får din kommentar i morgon kl. 08.00." in outcome


async def test_an_english_speaking_employee_is_told_in_english_when_the_manager_gets_the_plan(
        bot, connector, karin, directory, clock, tmp_path):
    erik = TeamsUser.create("Erik Nyström", locale="en-US")
    connector.register(erik)
    import_people(bot.app[DATABASE], tmp_path, [person_row(karin, role="Chef"), person_row(erik, manager=karin)])
    chat = Chat(bot, connector, erik)
    await chat.say("help")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, erik), now=clock.now() - timedelta(days=1))
    plan = (await chat.say("my plan"))[0]
    edit = (await chat.click(plan, "Edit the plan"))[0]
    draft = (await chat.click(edit, "Save", {"priority_1": "3.1", "priority_2": "4.2", "priority_3": "1.2",
                                             "goals": "Short films about the library's events."}))[0]
    clock.set(datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc))  # Saturday 10:00

    sent = (await chat.click(draft, "Send to my manager"))[0]

    assert "Karin gets the plan on Monday at 08:00." in card_text(sent)
