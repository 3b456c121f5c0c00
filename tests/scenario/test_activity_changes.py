"""After an activity is published, over HTTP on the test's clock: a new date or place reaches everyone signed up
and waiting, in their language and after quiet hours; a larger capacity moves the waiting list up in order and
tells each person; and someone who gets a place after the day's reminder run is still reminded, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bot.app import DATABASE, OUTBOX, dialog_config
from cards.verbs import Verb
from scheduler.jobs import JobContext, remind_activity_sessions
from store.models.activity import Activity, ActivitySignup, SignupStatus
from tests.harness import Chat, card_text, person_id_of
from tests.scenario.test_activities import NEW_ACTIVITY, _published_activity, people  # noqa: F401 (a fixture)
from sqlmodel import select

TITLE = "Mobilfilm för biblioteket"


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


def _activity(bot) -> Activity:
    with bot.app[DATABASE].session() as session:
        return session.exec(select(Activity)).one()


def _statuses(bot) -> dict[int, str]:
    with bot.app[DATABASE].session() as session:
        return {s.person_id: s.status for s in session.exec(select(ActivitySignup))}


async def _sign_up(chat: Chat, activity_id: int) -> str:
    response, _ = await chat.execute(Verb.ACTIVITY_SIGN_UP, {"activity_id": activity_id})
    return card_text(response.card)


def _received(connector, user, words: str) -> list[dict]:
    return [c for c in connector.cards(user.conversation_id) if words in card_text(c)]


async def _edit(coordinator: Chat, **changes: str) -> str:
    listing = (await coordinator.say("mina aktiviteter"))[0]
    form = (await coordinator.click(listing, "Redigera"))[0]
    return card_text((await coordinator.click(form, "Spara och publicera", {**NEW_ACTIVITY, **changes}))[0])


async def test_a_new_date_and_place_reach_everyone_signed_up_and_waiting_in_their_language_after_quiet_hours(
        bot, connector, people, anna, omar, maria, clock):
    coordinator, _ = await _published_activity(bot, connector, maria)
    activity_id = _activity(bot).id
    anna_chat = Chat(bot, connector, anna)
    omar_chat = Chat(bot, connector, replace(omar, locale="en-US"))  # Omar reads English
    assert "Du är anmäld." in await _sign_up(anna_chat, activity_id)
    assert "You are on the waiting list, number 1." in await _sign_up(omar_chat, activity_id)

    clock.set(datetime(2026, 3, 10, 17, 30, tzinfo=timezone.utc))  # Tuesday 18:30 in Stockholm
    saved = await _edit(coordinator, start_date="2026-03-18", start_time="14:00", end_time="16:30",
                        place="Kulturhuset, Sergels torg")

    assert "2 personer som är anmälda eller står på väntelistan får besked om ändringen." in saved
    await bot.app[OUTBOX].drain()
    assert not _received(connector, anna, "En aktivitet har ändrats"), "held by quiet hours"
    clock.set(datetime(2026, 3, 11, 7, 0, tzinfo=timezone.utc))  # Wednesday 08:00
    await bot.app[OUTBOX].drain()
    (to_anna,) = _received(connector, anna, "En aktivitet har ändrats")
    assert "Ändrad tid: 2026-03-18 14:00–16:30 (var: 2026-03-17 13:00–16:00)" in card_text(to_anna)
    assert "Ändrad plats: Kulturhuset, Sergels torg (var: Stadsbiblioteket, Sveavägen 73)" in card_text(to_anna)
    (to_omar,) = _received(connector, omar, "An activity has changed")
    assert "New time: 2026-03-18 14:00–16:30 (was: 2026-03-17 13:00–16:00)" in card_text(to_omar)
    assert "You are on the waiting list, number 1" in card_text(to_omar)


async def test_an_edit_that_keeps_date_time_and_place_tells_nobody(bot, connector, people, anna, maria, clock):
    coordinator, _ = await _published_activity(bot, connector, maria)
    await _sign_up(Chat(bot, connector, anna), _activity(bot).id)

    saved = await _edit(coordinator, description_sv="Nu med övningar i redigering.")

    assert "får besked" not in saved
    await bot.app[OUTBOX].drain()
    assert not _received(connector, anna, "En aktivitet har ändrats")


async def test_raising_the_capacity_moves_the_waiting_list_up_in_order_and_tells_each_one(
        bot, connector, people, anna, omar, karin, maria, clock):
    coordinator, _ = await _published_activity(bot, connector, maria)
    activity_id = _activity(bot).id
    await _sign_up(Chat(bot, connector, anna), activity_id)
    await _sign_up(Chat(bot, connector, omar), activity_id)  # first in line
    karin_chat = Chat(bot, connector, karin)
    assert "Du står på väntelistan, plats 2." in await _sign_up(karin_chat, activity_id)

    saved = await _edit(coordinator, capacity="2")

    assert "1 person på väntelistan fick en plats och får besked." in saved
    ids = {user: person_id_of(bot, user) for user in (anna, omar, karin)}
    assert _statuses(bot) == {ids[anna]: SignupStatus.SIGNED_UP, ids[omar]: SignupStatus.SIGNED_UP,
                              ids[karin]: SignupStatus.WAITING}
    await bot.app[OUTBOX].drain()
    (told,) = _received(connector, omar, "Du har fått en plats")
    assert f"En plats blev ledig på ”{TITLE}”" in card_text(told)
    assert not _received(connector, karin, "Du har fått en plats")
    assert "Du står på väntelistan, plats 1." in card_text(
        (await karin_chat.execute(Verb.ACTIVITY_OPEN, {"activity_id": activity_id}))[0].card)

    saved = await _edit(coordinator, capacity="")  # no limit: everyone waiting gets a place
    assert "1 person på väntelistan fick en plats" in saved
    await bot.app[OUTBOX].drain()
    assert len(_received(connector, karin, "Du har fått en plats")) == 1
    assert _activity(bot).places_taken == 3


async def test_an_employees_forged_capacity_raise_is_refused_and_nobody_moves_up(
        bot, connector, people, anna, omar, maria, clock, caplog):
    await _published_activity(bot, connector, maria)
    activity = _activity(bot)
    anna_chat = Chat(bot, connector, anna)
    await _sign_up(anna_chat, activity.id)
    await _sign_up(Chat(bot, connector, omar), activity.id)

    response, _ = await anna_chat.execute(Verb.ACTIVITY_SAVE, {**NEW_ACTIVITY, "activity_id": activity.id,
                                                               "version": activity.version, "capacity": "40"})

    assert "Det här kan bara samordnare för organisationen göra." in card_text(response.card)
    assert any("refused coordinator action" in r.message for r in caplog.records)
    assert _activity(bot).capacity == 1
    assert _statuses(bot)[person_id_of(bot, omar)] == SignupStatus.WAITING


def _reminders(connector, user) -> list[dict]:
    return _received(connector, user, "Påminnelse: du är anmäld")


async def test_a_sign_up_after_the_days_reminder_run_is_reminded_at_once_and_only_once(
        bot, connector, people, anna, omar, karin, maria, clock):
    """The session is on Tuesday 17 March 13:00; its reminders go out on Monday 16th at 08:15."""
    await _published_activity(bot, connector, maria)
    activity_id = _activity(bot).id
    context = JobContext(bot.app[DATABASE], clock, dialog_config(bot.settings))
    karin_chat = Chat(bot, connector, karin)

    # Friday: a sign-up before the reminder day waits for Monday's run.
    clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=timezone.utc))
    await _sign_up(karin_chat, activity_id)
    await bot.app[OUTBOX].drain()
    assert not _reminders(connector, karin)
    with bot.app[DATABASE].session() as session:  # one more place, and sign-up open until the session starts
        activity = session.get(Activity, activity_id)
        activity.capacity, activity.registration_deadline = 2, None
    clock.set(datetime(2026, 3, 16, 7, 15, tzinfo=timezone.utc))  # Monday 08:15: the day's run
    assert remind_activity_sessions(context) == 1
    await bot.app[OUTBOX].drain()
    assert len(_reminders(connector, karin)) == 1

    # Monday afternoon, after the run: Anna signs up and is reminded at once; Omar lands on the waiting list.
    clock.set(datetime(2026, 3, 16, 13, 0, tzinfo=timezone.utc))
    anna_chat = Chat(bot, connector, anna)
    await _sign_up(anna_chat, activity_id)
    await _sign_up(Chat(bot, connector, omar), activity_id)
    await bot.app[OUTBOX].drain()
    (reminder,) = _reminders(connector, anna)
    assert f"”{TITLE}” är 2026-03-17 13:00–16:00, Stadsbiblioteket, Sveavägen 73." in card_text(reminder)
    assert not _reminders(connector, omar), "waiting is not a place"
    assert remind_activity_sessions(context) == 0, "a second run reminds nobody again"

    # Tuesday morning, the day of the session: Anna cancels, Omar moves up and is reminded with his place.
    clock.set(datetime(2026, 3, 17, 8, 0, tzinfo=timezone.utc))
    await anna_chat.execute(Verb.ACTIVITY_CANCEL_SIGNUP, {"activity_id": activity_id})
    await bot.app[OUTBOX].drain()
    assert len(_received(connector, omar, "Du har fått en plats")) == 1
    assert len(_reminders(connector, omar)) == 1

    # Signing up again after cancelling does not bring a second reminder.
    with bot.app[DATABASE].session() as session:
        session.get(Activity, activity_id).capacity = 3
    await _sign_up(anna_chat, activity_id)
    await bot.app[OUTBOX].drain()
    assert len(_reminders(connector, anna)) == 1
    assert len(_reminders(connector, karin)) == 1
