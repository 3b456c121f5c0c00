"""The yearly reminder to reassess, through the running bot on a manual clock: a year after Anna's
self-assessment the scheduled job puts the reminder in her chat during working hours, its button starts a new
self-assessment and the other shows her profile; found in the evening, it waits until the next working morning."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from bot.app import DATABASE, OUTBOX, SCHEDULER, dialog_config
from dialogs.clock import ManualClock
from dialogs.rules.reassessment import REASSESS_AFTER
from scheduler.jobs import JobContext, remind_to_reassess
from scheduler.service import run_job
from tests.directory_fixtures import give_finished_assessment
from tests.harness import Chat, RunningBot, card_text, iter_actions, person_id_of, settings_for_tests

# Anna finishes her self-assessment on Tuesday 10 March 2026, 10:00 in Stockholm.
ASSESSED = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
REMINDER_TITLE = "Dags att skatta dig igen"
START, PROFILE = "Gör en ny självskattning", "Min profil"


@pytest.fixture
def clock():
    return ManualClock(ASSESSED)


@pytest.fixture
async def scheduled_bot(database_url, clock):
    """The bot with its scheduler running (RUN_SCHEDULER=true), on the test's clock."""
    running = await RunningBot(settings_for_tests(database_url, run_scheduler=True), clock=clock).start()
    yield running
    await running.stop()


async def _anna_assessed(bot, chat, anna) -> int:
    await chat.install()
    return give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=ASSESSED)


def _reminders(connector, anna) -> list[dict]:
    return [c for c in connector.cards(anna.conversation_id) if REMINDER_TITLE in card_text(c)]


async def test_a_year_later_the_scheduled_job_puts_the_reminder_in_annas_chat_and_its_button_starts_an_assessment(
        scheduled_bot, connector, anna, clock):
    bot = scheduled_bot
    chat = Chat(bot, connector, anna)
    await _anna_assessed(bot, chat, anna)
    assert "reassessment_reminders" in {job.id for job in bot.app[SCHEDULER].scheduler.get_jobs()}

    clock.set(ASSESSED + REASSESS_AFTER)  # Wednesday 10 March 2027, 10:00: a working morning
    assert await asyncio.to_thread(run_job, "reassessment_reminders") == 1
    await bot.app[OUTBOX].drain()

    (reminder,) = _reminders(connector, anna)
    assert "Du gjorde din senaste självskattning 2026-03-10, och nu har det gått ett år." in card_text(reminder)
    chat.seen = len(chat.cards())
    started = await chat.click(reminder, START)
    assert "Självskattning av digital kompetens" in card_text(started[0])
    assert {action["title"] for action in iter_actions(started[0])} == {"Starta lång skattning",
                                                                        "Starta kort skattning"}


async def test_the_profile_button_shows_the_assessment_a_year_ago(clocked_bot, connector, chat, anna, clock):
    await _anna_assessed(clocked_bot, chat, anna)
    clock.set(ASSESSED + REASSESS_AFTER)
    remind_to_reassess(JobContext(clocked_bot.app[DATABASE], clock, dialog_config(clocked_bot.settings)))
    await clocked_bot.app[OUTBOX].drain()

    (reminder,) = _reminders(connector, anna)
    chat.seen = len(chat.cards())
    profile = await chat.click(reminder, PROFILE)
    assert "Din kompetensprofil" in card_text(profile[0])
    assert "Skattningen slutfördes 2026-03-10" in card_text(profile[0])


async def test_a_reminder_found_in_the_evening_waits_for_the_next_working_morning(
        clocked_bot, connector, chat, anna, clock):
    await _anna_assessed(clocked_bot, chat, anna)
    jobs = JobContext(clocked_bot.app[DATABASE], clock, dialog_config(clocked_bot.settings))
    worker = clocked_bot.app[OUTBOX]

    clock.set(datetime(2027, 3, 12, 17, 30, tzinfo=timezone.utc))  # Friday 18:30 in Stockholm, a year and 2 days on
    assert remind_to_reassess(jobs) == 1
    await worker.drain()
    assert _reminders(connector, anna) == []

    clock.set(datetime(2027, 3, 15, 6, 59, tzinfo=timezone.utc))  # Monday 07:59
    await worker.drain()
    assert _reminders(connector, anna) == []
    clock.set(datetime(2027, 3, 15, 7, 0, tzinfo=timezone.utc))  # Monday 08:00
    assert remind_to_reassess(jobs) == 0, "the morning run finds her already reminded"
    await worker.drain()
    assert len(_reminders(connector, anna)) == 1

