"""Learning activities over HTTP: a coordinator creates and publishes an activity by card, an employee sees it
proposed with its reason and signs up, the last place goes, the next person waits and moves up when someone
cancels, the reminder comes on the working day before, attendance gives hours that show on the plan; and an
employee's forged coordinator action is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.app import DATABASE, OUTBOX, dialog_config
from cards.verbs import Verb
from scheduler.jobs import JobContext, remind_activity_sessions
from store import activities as activity_store, directory
from store.models.activity import Activity, ActivityHours, ActivityStatus
from tests.directory_fixtures import give_finished_assessment, import_people, person_row, seed_organisation
from tests.harness import Chat, card_text, find_action, person_id_of
from sqlmodel import select

NEW_ACTIVITY = {
    "title_sv": "Mobilfilm för biblioteket", "title_en": "Mobile film for the library",
    "description_sv": "Filma och redigera korta filmer med mobilen.", "description_en": "",
    "format": "course", "competences": "3.1", "level_min": "2", "level_max": "4", "roles": "", "hours": "3",
    "start_date": "2026-03-17", "start_time": "13:00", "end_time": "16:00",
    "place": "Stadsbiblioteket, Sveavägen 73", "online_url": "", "provider": "Stadsbiblioteket",
    "capacity": "1", "deadline": "2026-03-16", "shared": "false",
}
REASON = "Utvecklar 3.1 Utveckla digitalt innehåll: du är på nivå 2, målet är 5"


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


@pytest.fixture
def people(bot, anna, karin, omar, maria, tmp_path, clock):
    """Karin manages Anna and Omar; Maria coordinates the organisation. Anna and Omar have assessed themselves."""
    db = bot.app[DATABASE]
    seed_organisation(db)
    report = import_people(db, tmp_path, [person_row(karin, role="Chef"), person_row(anna, manager=karin),
                                          person_row(omar, manager=karin), person_row(maria, manager=karin)])
    assert report.ok, report.errors
    with db.session() as session:
        organisation = directory.organisation_by_key(session, "stockholm-kultur")
        directory.assign(session, organisation=organisation, email=maria.email, kind="coordinator")


async def _assessed(bot, chat: Chat, clock) -> None:
    await chat.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, chat.user), now=clock.now() - timedelta(days=1))


async def _published_activity(bot, connector, maria) -> tuple[Chat, dict]:
    coordinator = Chat(bot, connector, maria)
    form = (await coordinator.say("ny aktivitet"))[0]
    assert "Ny aktivitet" in card_text(form)
    listing = (await coordinator.click(form, "Spara och publicera", NEW_ACTIVITY))[0]
    assert "Aktiviteten är publicerad" in card_text(listing)
    assert "Mobilfilm för biblioteket" in card_text(listing)
    return coordinator, listing


def _activity(bot) -> Activity:
    with bot.app[DATABASE].session() as session:
        return session.exec(select(Activity)).one()


async def _outbox_cards(bot, connector, user, title: str) -> list[dict]:
    await bot.app[OUTBOX].drain()
    return [c for c in connector.cards(user.conversation_id) if title in card_text(c)]


async def test_coordinator_publishes_employees_sign_up_wait_move_up_get_reminded_and_hours_reach_the_plan(
        bot, connector, people, anna, omar, maria, clock):
    anna_chat, omar_chat = Chat(bot, connector, anna), Chat(bot, connector, omar)
    await _assessed(bot, anna_chat, clock)
    await _assessed(bot, omar_chat, clock)
    coordinator, _listing = await _published_activity(bot, connector, maria)

    # Anna sees it proposed for her, with the reason in her language, and takes the only place.
    mine = (await anna_chat.say("aktiviteter"))[0]
    assert "Aktiviteter för dig" in card_text(mine)
    assert "Mobilfilm för biblioteket" in card_text(mine) and REASON in card_text(mine)
    signed = (await anna_chat.click(mine, "Anmäl mig"))[0]
    assert "Du är anmäld. Du får en påminnelse arbetsdagen före." in card_text(signed)
    assert "0 av 1 platser kvar" not in card_text(signed)

    # The last place is gone: Omar lands on the waiting list, first in line.
    offered = (await omar_chat.say("aktiviteter"))[0]
    assert "Fullbokad: du kan ställa dig på väntelistan." in card_text(offered)
    waiting = (await omar_chat.click(offered, "Ställ mig på väntelistan"))[0]
    assert "Du står på väntelistan, plats 1." in card_text(waiting)

    # Anna cancels: Omar moves up and is told.
    cancelled = (await anna_chat.click(signed, "Avanmäl mig"))[0]
    assert "Du är avanmäld." in card_text(cancelled)
    (promoted,) = await _outbox_cards(bot, connector, omar, "Du har fått en plats")
    assert "En plats blev ledig på ”Mobilfilm för biblioteket”" in card_text(promoted)
    with bot.app[DATABASE].session() as session:
        assert _activity(bot).places_taken == 1

    # The session is on Tuesday 17 March: on Friday 13th nothing, on Monday 16th (the working day before) a
    # reminder at the start of working hours.
    context = JobContext(bot.app[DATABASE], clock, dialog_config(bot.settings))
    clock.set(datetime(2026, 3, 13, 7, 15, tzinfo=timezone.utc))  # Friday 08:15 in Stockholm
    assert remind_activity_sessions(context) == 0
    clock.set(datetime(2026, 3, 16, 7, 15, tzinfo=timezone.utc))  # Monday 08:15
    assert remind_activity_sessions(context) == 1
    assert remind_activity_sessions(context) == 0, "once per person and session"
    (reminder,) = await _outbox_cards(bot, connector, omar, "Påminnelse: du är anmäld")
    assert "”Mobilfilm för biblioteket” är 2026-03-17 13:00–16:00, Stadsbiblioteket, Sveavägen 73." \
        in card_text(reminder)
    assert not await _outbox_cards(bot, connector, anna, "Påminnelse"), "Anna cancelled"

    # After the session the coordinator confirms attendance: Omar's hours show on his plan.
    clock.set(datetime(2026, 3, 18, 9, 0, tzinfo=timezone.utc))
    mine_list = (await coordinator.say("mina aktiviteter"))[0]
    attendance = (await coordinator.click(mine_list, "Närvaro"))[0]
    assert "Omar Haddad" in card_text(attendance) or any(
        element.get("title") == "Omar Haddad" for element in attendance["body"] if isinstance(element, dict))
    omar_id = person_id_of(bot, omar)
    saved = (await coordinator.click(attendance, "Bekräfta närvaro", {f"attended_{omar_id}": "true"}))[0]
    assert "Närvaron är registrerad för 1 deltagare." in card_text(saved)
    with bot.app[DATABASE].session() as session:
        hours = activity_store.hours_per_person_and_month(session, organisation_id=_activity(bot).organisation_id)
    assert [(h.person_id, h.month, h.hours) for h in hours] == [(omar_id, "2026-03", 3.0)]
    omar_chat.seen = len(omar_chat.cards())  # the notices that came through the outbox meanwhile
    plan = (await omar_chat.say("min plan"))[0]
    assert "Genomförda aktiviteter: 3 tim totalt" in card_text(plan)
    assert "Mobilfilm för biblioteket (3 tim)" in card_text(plan)


async def test_an_employees_forged_coordinator_actions_are_refused_logged_and_change_nothing(
        bot, connector, people, anna, maria, clock, caplog):
    await _published_activity(bot, connector, maria)
    activity = _activity(bot)
    anna_chat = Chat(bot, connector, anna)
    await anna_chat.say("hjälp")

    for verb, data in [(Verb.ACTIVITY_CANCEL, {"activity_id": activity.id, "version": activity.version}),
                       (Verb.ACTIVITY_SAVE, {**NEW_ACTIVITY, "activity_id": activity.id, "title_sv": "Kapad"}),
                       (Verb.ACTIVITY_NEW, {}), (Verb.ACTIVITY_ATTENDANCE_SAVE, {"activity_id": activity.id})]:
        response, _ = await anna_chat.execute(verb, data)
        assert "Det här kan bara samordnare för organisationen göra." in card_text(response.card), verb

    after = _activity(bot)
    assert (after.status, after.title_sv, after.version) == (ActivityStatus.PUBLISHED, "Mobilfilm för biblioteket",
                                                             activity.version)
    assert sum("refused coordinator action" in r.message for r in caplog.records) == 4


async def test_a_cancelled_session_tells_everyone_signed_up(bot, connector, people, anna, maria, clock):
    anna_chat = Chat(bot, connector, anna)
    await _assessed(bot, anna_chat, clock)
    coordinator, _ = await _published_activity(bot, connector, maria)
    mine = (await anna_chat.say("aktiviteter"))[0]
    await anna_chat.click(mine, "Anmäl mig")

    listing = (await coordinator.say("mina aktiviteter"))[0]
    after = (await coordinator.click(listing, "Ställ in"))[0]

    assert "Aktiviteten är inställd. 1 anmälda får besked." in card_text(after)
    (notice,) = await _outbox_cards(bot, connector, anna, "En aktivitet är inställd")
    assert "”Mobilfilm för biblioteket” (2026-03-17 13:00–16:00) är inställd." in card_text(notice)


async def test_self_paced_activity_done_with_own_hours_and_the_profile_proposes_the_next_step(
        bot, connector, people, anna, maria, clock):
    anna_chat = Chat(bot, connector, anna)
    await _assessed(bot, anna_chat, clock)
    coordinator = Chat(bot, connector, maria)
    form = (await coordinator.say("ny aktivitet"))[0]
    self_paced = {**NEW_ACTIVITY, "title_sv": "Tillgänglighet i digitalt innehåll", "start_date": "",
                  "start_time": "", "end_time": "", "deadline": "", "capacity": "", "hours": "2"}
    await coordinator.click(form, "Spara och publicera", self_paced)

    profile = (await anna_chat.say("min profil"))[0]
    assert "Nästa steg: aktiviteter som passar dina mål" in card_text(profile)
    assert REASON in card_text(profile)
    opened = (await anna_chat.click(profile, "Läs mer"))[0]
    done = (await anna_chat.click(opened, "Klar: registrera timmarna", {"done_hours": "2,5"}))[0]

    assert "Bra jobbat! 2,5 tim är registrerade." in card_text(done)
    profile = (await anna_chat.say("min profil"))[0]
    assert "Genomförda aktiviteter: 2,5 tim totalt" in card_text(profile)
    assert REASON not in card_text(profile), "a done activity is not proposed again"


async def test_the_plan_draft_proposes_an_activity_per_priority_and_the_employee_adds_it(
        bot, connector, people, anna, maria, clock):
    anna_chat = Chat(bot, connector, anna)
    await _assessed(bot, anna_chat, clock)
    await _published_activity(bot, connector, maria)

    plan = (await anna_chat.say("min plan"))[0]
    assert "Mobilfilm för biblioteket" in card_text(plan)
    added = (await anna_chat.click(plan, "Lägg till i planen"))[0]

    assert "Aktiviteten finns nu i din plan." in card_text(added)
    assert "Valda aktiviteter ur katalogen" in card_text(added)
    find_action(added, "Ta bort ur planen")
