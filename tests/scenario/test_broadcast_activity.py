"""Activity broadcasts over HTTP with the fake Teams connector: a coordinator announces a published activity
to a unit from the activity's own card; recipients sign up from the broadcast card under the activities
rules (a place, then the waiting list), "Inte intresserad" hides it from their proposals, a cancelled
activity answers plainly; an employee's forged announcement and a coordinator's announcement of an activity
that is not open are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import DATABASE, OUTBOX
from cards.verbs import Verb
from cards.walk import inputs
from store import audit
from store.directory import assign, organisation_by_key
from store.directory_import import import_directory, read_people_and_units
from store.models.activity import Activity, ActivitySignup, SignupStatus
from store.models.broadcast import Broadcast
from store.models.directory import Unit
from tests.directory_fixtures import ORG, give_finished_assessment, person_row, seed_organisation, write_people, \
    write_units
from tests.harness import Chat, card_text, find_action, iter_actions, person_id_of

UNITS = [("KF", "Kulturförvaltningen", ""), ("SSB", "Stadsbiblioteket", "KF"),
         ("FIL", "Filial Kista", "SSB"), ("KH", "Kulturhuset", "KF")]
ACTIVITY = {
    "title_sv": "Mobilfilm för biblioteket", "title_en": "Mobile film for the library",
    "description_sv": "Filma och redigera korta filmer med mobilen.", "description_en": "",
    "format": "course", "competences": "3.1", "level_min": "2", "level_max": "4", "roles": "", "hours": "3",
    "start_date": "2026-03-17", "start_time": "13:00", "end_time": "16:00",
    "place": "Stadsbiblioteket, Sveavägen 73", "online_url": "", "provider": "Stadsbiblioteket",
    "capacity": "1", "deadline": "2026-03-16", "shared": "false",
}
TITLE = ACTIVITY["title_sv"]


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


@pytest.fixture
def directory(bot, karin, anna, omar, maria, tmp_path):
    """Karin coordinates. Stadsbiblioteket: Anna; its sub-unit Filial Kista: Omar; Kulturhuset: Maria."""
    db = bot.app[DATABASE]
    seed_organisation(db)
    rows = [person_row(karin, unit="KF", role="Samordnare"), person_row(anna, unit="SSB"),
            person_row(omar, unit="FIL"), person_row(maria, unit="KH")]
    people, units = read_people_and_units(write_people(tmp_path, rows), write_units(tmp_path, UNITS))
    with db.session() as session:
        report = import_directory(session, organisation_key=ORG, people=people, units=units)
        assert report.ok, report.errors
        assign(session, organisation=organisation_by_key(session, ORG), email=karin.email, kind="coordinator")
        return {code: unit_id for unit_id, code in session.exec(select(Unit.id, Unit.code))}


async def _publish(coordinator: Chat, **changes: str) -> dict:
    form = (await coordinator.say("ny aktivitet"))[0]
    listing = (await coordinator.click(form, "Spara och publicera", {**ACTIVITY, **changes}))[0]
    assert "Aktiviteten är publicerad" in card_text(listing)
    return listing


def _activity(bot) -> Activity:
    with bot.app[DATABASE].session() as session:
        return session.exec(select(Activity)).one()


def _announcements(connector, user) -> list[dict]:
    return [c for c in connector.cards(user.conversation_id) if "Några platser kvar i mars!" in card_text(c)]


async def _announce_to_the_library(bot, connector, coordinator: Chat, directory) -> None:
    listing = await _publish(coordinator)
    compose = (await coordinator.click(listing, "Skicka utskick om aktiviteten"))[0]
    [chooser] = [e for e in inputs(compose) if e["id"] == "activity"]
    assert chooser["value"] == str(_activity(bot).id), "the activity's own card chose it already"
    assert any(TITLE in c["title"] and "2026-03-17 13:00" in c["title"] for c in chooser["choices"])
    preview = (await coordinator.click(compose, "Förhandsgranska", {
        "activity": chooser["value"], "title": "", "text": "Några platser kvar i mars!",
        "units": str(directory["SSB"]), "condition": "none", "when": "now"}))[0]
    text = card_text(preview)
    assert TITLE in text and "2026-03-17 13:00–16:00" in text and "1 av 1 platser kvar" in text, text
    assert "2 personer får utskicket." in text and "Anna Lindberg, Omar Haddad" in text
    await coordinator.click(preview, "Skicka till 2")
    await bot.app[OUTBOX].drain()


async def test_recipients_sign_up_from_the_broadcast_card_and_the_next_one_waits_when_it_is_full(
        bot, connector, karin, anna, omar, maria, directory):
    await _announce_to_the_library(bot, connector, Chat(bot, connector, karin), directory)

    [for_anna] = _announcements(connector, anna)
    [for_omar] = _announcements(connector, omar)
    assert _announcements(connector, maria) == [] and _announcements(connector, karin) == []
    text = card_text(for_anna)
    assert TITLE in text and "Stadsbiblioteket, Sveavägen 73" in text and "Omfattning 3 tim" in text
    assert "Från Karin Ek via Kompetenslyft" in text

    signed = (await Chat(bot, connector, anna).click(for_anna, "Anmäl mig"))[0]
    assert "Du är anmäld. Du får en påminnelse arbetsdagen före." in card_text(signed)
    waiting = (await Chat(bot, connector, omar).click(for_omar, "Anmäl mig"))[0]
    assert "Du står på väntelistan, plats 1." in card_text(waiting)

    with bot.app[DATABASE].session() as session:
        statuses = {s.person_id: s.status for s in session.exec(select(ActivitySignup))}
        [broadcast] = session.exec(select(Broadcast)).all()
        [event] = [e for e in audit.events_for(session, subject_type="broadcast", subject_id=broadcast.id)]
    assert statuses == {person_id_of(bot, anna): SignupStatus.SIGNED_UP, person_id_of(bot, omar): SignupStatus.WAITING}
    assert broadcast.content["kind"] == "activity" and event.details["activity_id"] == _activity(bot).id
    assert broadcast.content["title"] == TITLE, "an empty title becomes the activity's"


async def test_not_interested_hides_it_from_proposals_and_a_cancelled_activity_answers_plainly(
        bot, connector, karin, anna, omar, directory, clock):
    anna_chat = Chat(bot, connector, anna)
    await anna_chat.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, anna), now=clock.now() - timedelta(days=1))
    coordinator = Chat(bot, connector, karin)
    await _announce_to_the_library(bot, connector, coordinator, directory)
    assert TITLE in card_text((await anna_chat.say("aktiviteter"))[0]), "proposed before"

    [for_anna] = _announcements(connector, anna)
    declined = (await anna_chat.click(for_anna, "Inte intresserad"))[0]

    assert "Uppfattat. Jag föreslår inte den här aktiviteten igen." in card_text(declined)
    assert TITLE not in card_text((await anna_chat.say("aktiviteter"))[0])

    mine = (await coordinator.say("mina aktiviteter"))[0]
    await coordinator.click(mine, "Ställ in")
    [for_omar] = _announcements(connector, omar)
    closed = (await Chat(bot, connector, omar).click(for_omar, "Anmäl mig"))[0]
    assert "Anmälan är stängd" in card_text(closed)
    with bot.app[DATABASE].session() as session:
        assert session.exec(select(ActivitySignup).where(
            ActivitySignup.person_id == person_id_of(bot, omar))).all() == []


async def test_a_forged_announcement_by_an_employee_and_an_activity_not_open_are_refused(
        bot, connector, karin, anna, directory):
    coordinator = Chat(bot, connector, karin)
    await _publish(coordinator)
    activity_id = _activity(bot).id
    employee = Chat(bot, connector, anna)

    for verb, data in ((Verb.BROADCAST_NEW, {"activity_id": activity_id}),
                       (Verb.BROADCAST_PREVIEW, {"activity": str(activity_id), "units": str(directory["KF"])})):
        response, _ = await employee.execute(verb, data)
        assert "Bara samordnare i organisationen kan göra utskick" in card_text(response.card)

    compose = (await coordinator.say("utskick"))[0]
    for bogus in (str(activity_id + 99), "inte-ett-id"):
        again = (await coordinator.click(compose, "Förhandsgranska",
                                         {"activity": bogus, "units": str(directory["KF"])}))[0]
        assert "Aktiviteten går inte att skicka ut" in card_text(again)
    with bot.app[DATABASE].session() as session:
        assert session.exec(select(Broadcast)).all() == []
    assert "Skicka till" not in [a["title"][:11] for a in iter_actions(again)]
    find_action(again, "Förhandsgranska")
