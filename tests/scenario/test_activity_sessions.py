"""A course of three meetings over HTTP on the test's clock: the coordinator gives the meetings in the form, the
employee sees them all on the activity's card and signs up once, each meeting is reminded the working day
before it, and cancelling one meeting tells everyone signed up while the others are still reminded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.app import DATABASE, OUTBOX, dialog_config
from cards.verbs import Verb
from scheduler.jobs import JobContext, remind_activity_sessions
from store.models.activity import Activity, ActivitySession
from tests.directory_fixtures import give_finished_assessment
from tests.harness import Chat, card_text, person_id_of
from tests.scenario.test_activities import NEW_ACTIVITY, people  # noqa: F401 (a fixture)

TITLE = "Mobilfilm i tre träffar"
COURSE = {**NEW_ACTIVITY, "title_sv": TITLE, "capacity": "10",
          "more_sessions": "2026-03-24 13:00-16:00\n2026-03-31 13:00-16:00 Kulturhuset, Sergels torg"}


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


def _reminders(connector, user) -> list[str]:
    return [card_text(c) for c in connector.cards(user.conversation_id) if "Påminnelse: du är anmäld" in card_text(c)]


async def _course(bot, connector, maria) -> tuple[Chat, int]:
    coordinator = Chat(bot, connector, maria)
    form = (await coordinator.say("ny aktivitet"))[0]
    listing = (await coordinator.click(form, "Spara och publicera", COURSE))[0]
    assert "Aktiviteten är publicerad" in card_text(listing)
    with bot.app[DATABASE].session() as session:
        return coordinator, session.exec(select(Activity.id)).one()


async def test_a_course_of_three_meetings_is_signed_up_for_once_and_each_meeting_is_reminded_the_day_before(
        bot, connector, people, anna, maria, clock):
    _coordinator, activity_id = await _course(bot, connector, maria)
    anna_chat = Chat(bot, connector, anna)
    await anna_chat.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(days=1))

    opened = (await anna_chat.execute(Verb.ACTIVITY_OPEN, {"activity_id": activity_id}))[0].card
    assert "Träffar: 3 blir av" in card_text(opened)
    for line in ("2026-03-17 13:00–16:00 · Stadsbiblioteket, Sveavägen 73",
                 "2026-03-24 13:00–16:00 · Stadsbiblioteket, Sveavägen 73",
                 "2026-03-31 13:00–16:00 · Kulturhuset, Sergels torg"):
        assert line in card_text(opened)
    signed = (await anna_chat.click(opened, "Anmäl mig"))[0]
    assert "Du är anmäld." in card_text(signed)

    context = JobContext(bot.app[DATABASE], clock, dialog_config(bot.settings))
    for monday, expected in ((16, "2026-03-17 13:00–16:00, Stadsbiblioteket"),
                             (23, "2026-03-24 13:00–16:00, Stadsbiblioteket"),
                             (30, "2026-03-31 13:00–16:00, Kulturhuset")):
        clock.set(datetime(2026, 3, monday, 7, 15, tzinfo=timezone.utc))
        assert remind_activity_sessions(context) == 1
        assert remind_activity_sessions(context) == 0, "once per meeting and person"
        await bot.app[OUTBOX].drain()
        assert expected in _reminders(connector, anna)[-1]
    assert len(_reminders(connector, anna)) == 3


async def test_cancelling_one_meeting_tells_everyone_signed_up_and_it_is_no_longer_reminded(
        bot, connector, people, anna, omar, maria, clock, caplog):
    coordinator, activity_id = await _course(bot, connector, maria)
    await Chat(bot, connector, anna).execute(Verb.ACTIVITY_SIGN_UP, {"activity_id": activity_id})
    omar_chat = Chat(bot, connector, omar)
    await omar_chat.say("hjälp")

    # Omar, signed up for nothing and no coordinator, cannot cancel a meeting by a forged card.
    with bot.app[DATABASE].session() as session:
        second = session.exec(select(ActivitySession).order_by(ActivitySession.starts_at)).all()[1]
        version = session.get(Activity, activity_id).version
    forged, _ = await omar_chat.execute(Verb.ACTIVITY_SESSION_CANCEL, {"activity_id": activity_id,
                                                                       "session_id": second.id, "version": version})
    assert "Det här kan bara samordnare för organisationen göra." in card_text(forged.card)
    assert any("refused coordinator action" in r.message for r in caplog.records)

    listing = (await coordinator.say("mina aktiviteter"))[0]
    meetings = (await coordinator.click(listing, "Träffar"))[0]
    assert "Träffar: Mobilfilm i tre träffar" in card_text(meetings)
    buttons = [a for a in meetings["body"] if a.get("type") == "Container"]
    after = (await coordinator.click(buttons[1], "Ställ in träffen"))[0]

    assert "Träffen är inställd. 1 anmälda och väntande får besked." in card_text(after)
    assert "2026-03-24 13:00–16:00 · Stadsbiblioteket, Sveavägen 73 (inställd)" in card_text(after)
    await bot.app[OUTBOX].drain()
    (notice,) = [c for c in connector.cards(anna.conversation_id) if "En träff är inställd" in card_text(c)]
    assert ("Träffen 2026-03-24 13:00–16:00 · Stadsbiblioteket, Sveavägen 73 på ”Mobilfilm i tre träffar” är "
            "inställd. Övriga träffar blir av som planerat, och din anmälan gäller.") in card_text(notice)
    assert "Träffar: 2 blir av" in card_text(notice)

    context = JobContext(bot.app[DATABASE], clock, dialog_config(bot.settings))
    clock.set(datetime(2026, 3, 23, 7, 15, tzinfo=timezone.utc))  # the Monday before the cancelled meeting
    assert remind_activity_sessions(context) == 0
    clock.set(datetime(2026, 3, 30, 7, 15, tzinfo=timezone.utc))
    assert remind_activity_sessions(context) == 1


async def test_moving_a_later_meeting_in_the_form_tells_everyone_signed_up_what_changed(
        bot, connector, people, anna, maria, clock):
    coordinator, activity_id = await _course(bot, connector, maria)
    await Chat(bot, connector, anna).execute(Verb.ACTIVITY_SIGN_UP, {"activity_id": activity_id})
    listing = (await coordinator.say("mina aktiviteter"))[0]
    form = (await coordinator.click(listing, "Redigera"))[0]
    (field,) = [e for e in form["body"] if e.get("id") == "more_sessions"]
    assert field["value"] == ("2026-03-24 13:00-16:00 Stadsbiblioteket, Sveavägen 73\n"
                              "2026-03-31 13:00-16:00 Kulturhuset, Sergels torg")

    saved = (await coordinator.click(form, "Spara och publicera", {
        **COURSE, "more_sessions": "2026-03-24 13:00-16:00\n2026-04-01 09:00-12:00 Kulturhuset, Sergels torg"}))[0]

    assert "1 person som är anmäld eller står på väntelistan får besked om ändringen." in card_text(saved)
    await bot.app[OUTBOX].drain()
    (notice,) = [c for c in connector.cards(anna.conversation_id) if "En aktivitet har ändrats" in card_text(c)]
    assert ("Ändrade träffar: 2026-03-24 13:00–16:00 · Stadsbiblioteket, Sveavägen 73; 2026-04-01 09:00–12:00 · "
            "Kulturhuset, Sergels torg (var: 2026-03-24 13:00–16:00 · Stadsbiblioteket, Sveavägen 73; "
            "2026-03-31 13:00–16:00 · Kulturhuset, Sergels torg)") in card_text(notice)
    assert "Ändrad tid" not in card_text(notice), "the first meeting did not move"
