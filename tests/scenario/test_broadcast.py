"""Broadcasts over HTTP with the fake Teams connector: a coordinator composes, previews and sends to a unit
with its sub-units, follows the report, stops a scheduled broadcast and downloads the not-reachable list;
an employee's forged cards are refused; the job sends the final summary."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlmodel import select

from bot.app import DATABASE, OUTBOX, dialog_config
from cards.verbs import Verb
from scheduler.broadcasts import advance_broadcasts
from scheduler.jobs import JobContext
from store import audit, broadcasts
from store.directory import assign, organisation_by_key
from store.directory_import import import_directory, read_people_and_units
from store.models.broadcast import Broadcast, BroadcastStatus
from store.models.directory import Unit
from store.models.outbox import OutboxMessage, OutboxStatus
from tests.directory_fixtures import ORG, person_row, seed_organisation, write_people, write_units
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, card_text, find_action, iter_actions, registered_user

UNITS = [("KF", "Kulturförvaltningen", ""), ("SSB", "Stadsbiblioteket", "KF"),
         ("FIL", "Filial Kista", "SSB"), ("KH", "Kulturhuset", "KF")]
MESSAGE = {"title": "Kurs i tillgänglighet", "text": "Välkommen till en halvdag om tillgängliga dokument.",
           "link": "https://intranat.stockholm.se/kurs"}


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


@pytest.fixture
def bo(connector) -> TeamsUser:
    return registered_user(connector, "Bo Ek")


@pytest.fixture
def ghost() -> TeamsUser:
    """In the directory with an AAD object id, but Teams does not know them (left the tenant): 404."""
    return TeamsUser.create("Greta Spöke")


@pytest.fixture
def directory(bot, karin, anna, omar, maria, bo, ghost, tmp_path):
    """Karin coordinates. Stadsbiblioteket: Anna, Greta, Filip (no AAD id, never wrote); its sub-unit Filial
    Kista: Omar; Kulturhuset: Maria; Bo works in Kulturhuset too and has left."""
    db = bot.app[DATABASE]
    seed_organisation(db)
    rows = [person_row(karin, unit="KF", role="Samordnare"), person_row(anna, unit="SSB"),
            person_row(omar, unit="FIL", role="Pedagog"), person_row(maria, unit="KH"),
            person_row(ghost, unit="SSB"),
            person_row(email="filip.ny@stockholm.se", name="Filip Ny", unit="SSB", aad=False)]
    people, units = read_people_and_units(write_people(tmp_path, rows), write_units(tmp_path, UNITS))
    with db.session() as session:
        report = import_directory(session, organisation_key=ORG, people=people, units=units)
        assert report.ok, report.errors
        assign(session, organisation=organisation_by_key(session, ORG), email=karin.email, kind="coordinator")
        return {code: unit_id for unit_id, code in session.exec(select(Unit.id, Unit.code))}


def _db(bot):
    return bot.app[DATABASE]


def _broadcasts(bot) -> list[Broadcast]:
    with _db(bot).session() as session:
        return list(session.exec(select(Broadcast).order_by(Broadcast.id)))


def _rows(bot, broadcast_id: int) -> list[OutboxMessage]:
    with _db(bot).session() as session:
        return list(session.exec(select(OutboxMessage).where(
            OutboxMessage.campaign == broadcasts.campaign_of(broadcast_id))))


def _received(connector, user: TeamsUser, title: str = MESSAGE["title"]) -> list[dict]:
    return [c for c in connector.cards(user.conversation_id) if title in card_text(c)]


async def _preview(coordinator: Chat, inputs: dict) -> dict:
    compose = (await coordinator.say("utskick"))[0]
    assert "Nytt utskick" in card_text(compose)
    return (await coordinator.click(compose, "Förhandsgranska", {**MESSAGE, **inputs}))[0]


async def test_a_coordinator_sends_to_a_unit_and_its_sub_units_and_exactly_they_receive_it(
        bot, connector, karin, anna, omar, maria, directory):
    coordinator = Chat(bot, connector, karin)

    preview = await _preview(coordinator, {"units": str(directory["SSB"]), "condition": "none", "when": "now"})

    text = card_text(preview)
    assert "4 personer får utskicket." in text
    assert "Det är Anna Lindberg, Filip Ny, Greta Spöke, Omar Haddad." in text
    assert "Enheter med underenheter: Stadsbiblioteket" in text
    assert "1 av dem går inte att nå i Teams" in text
    assert "Kurs i tillgänglighet" in text and "Skickas: nu" in text

    report = (await coordinator.click(preview, "Skicka till 4"))[0]
    await bot.app[OUTBOX].drain()

    assert "Rapport för utskicket" in card_text(report)
    assert len(_received(connector, anna)) == 1 and len(_received(connector, omar)) == 1
    assert _received(connector, maria) == [] and _received(connector, karin) == []
    message = _received(connector, anna)[0]
    assert "Från Karin Ek via Kompetenslyft" in card_text(message)
    assert find_action(message, "Öppna länken")["url"] == MESSAGE["link"]
    [broadcast] = _broadcasts(bot)
    assert broadcast.audience_count == 4 and broadcast.status == BroadcastStatus.SENDING
    with _db(bot).session() as session:
        [event] = audit.events_for(session, subject_type="broadcast", subject_id=broadcast.id)
    assert event.action == "broadcast.created" and event.details["count"] == 4
    assert event.details["audience"]["units"] == [directory["SSB"]]
    assert event.details["audience"]["labels"]["units"] == ["Stadsbiblioteket"]


async def test_the_report_counts_what_happened_and_the_job_sends_the_final_summary(
        bot, connector, karin, anna, omar, ghost, directory, clock):
    coordinator = Chat(bot, connector, karin)
    preview = await _preview(coordinator, {"units": str(directory["SSB"])})
    report = (await coordinator.click(preview, "Skicka till 4"))[0]
    await bot.app[OUTBOX].drain()

    refreshed = (await coordinator.click(report, "Uppdatera"))[0]

    text = card_text(refreshed)
    assert "Skickade 2" in text, text  # Anna, Omar
    assert "Ej nåbara 2" in text  # Greta (Teams: 404), Filip (no AAD object id)
    assert "I kö 0" in text and "Misslyckade 0" in text and "Blockerade 0" in text
    assert "Gånger Teams bromsade 0" in text
    assert refreshed["refresh"]["userIds"] == [karin.teams_id]
    assert refreshed["refresh"]["action"]["verb"] == Verb.BROADCAST_REPORT

    context = JobContext(_db(bot), clock, dialog_config(bot.settings))
    advance_broadcasts(context)
    await bot.app[OUTBOX].drain()

    summary = connector.cards(karin.conversation_id)[-1]
    assert "Utskicket är klart" in card_text(summary) and "Skickade 2" in card_text(summary)
    assert _broadcasts(bot)[0].status == BroadcastStatus.DONE
    advance_broadcasts(context)
    await bot.app[OUTBOX].drain()
    assert sum("Utskicket är klart" in card_text(c) for c in connector.cards(karin.conversation_id)) == 1


async def test_a_big_audience_is_queued_by_the_job_in_batches(bot, connector, karin, anna, omar, maria, directory,
                                                              clock, monkeypatch):
    monkeypatch.setattr("dialogs.broadcast.TURN_BATCH", 2)
    coordinator = Chat(bot, connector, karin)
    preview = await _preview(coordinator, {})
    await coordinator.click(preview, "Skicka till 6")
    assert _broadcasts(bot)[0].status == BroadcastStatus.QUEUING

    advance_broadcasts(JobContext(_db(bot), clock, dialog_config(bot.settings)), batch_size=2)
    await bot.app[OUTBOX].drain()

    assert [len(_received(connector, user)) for user in (anna, omar, maria, karin)] == [1, 1, 1, 1]
    assert len(_rows(bot, _broadcasts(bot)[0].id)) == 5, "everyone with an AAD object id, once"


async def test_stopping_a_scheduled_broadcast_leaves_every_unsent_message_unsent(
        bot, connector, karin, anna, omar, directory, clock):
    coordinator = Chat(bot, connector, karin)
    preview = await _preview(coordinator, {"units": str(directory["SSB"]), "when": "later",
                                           "send_date": "2026-03-12", "send_time": "14:30"})
    assert "Skickas: 2026-03-12 14:30" in card_text(preview)
    report = (await coordinator.click(preview, "Skicka till 4"))[0]
    await bot.app[OUTBOX].drain()
    assert "Första meddelandet går ut 2026-03-12 14:30." in card_text(report)

    stopped = (await coordinator.click(report, "Stoppa utskicket"))[0]

    assert "stoppat" in card_text(stopped) and "Stoppade 3" in card_text(stopped)
    clock.set(datetime(2026, 3, 12, 13, 30, tzinfo=timezone.utc))
    await bot.app[OUTBOX].drain()
    assert _received(connector, anna) == [] and _received(connector, omar) == []
    [broadcast] = _broadcasts(bot)
    assert {row.status for row in _rows(bot, broadcast.id)} == {OutboxStatus.CANCELLED}
    with _db(bot).session() as session:
        actions = [e.action for e in audit.events_for(session, subject_type="broadcast", subject_id=broadcast.id)]
    assert actions == ["broadcast.created", "broadcast.cancelled"]
    again = (await coordinator.click(stopped, "Uppdatera"))[0]
    assert "Stoppa utskicket" not in [a["title"] for a in iter_actions(again)], "nothing left to stop"


async def test_a_bad_link_or_a_past_time_brings_back_the_card_with_what_was_written(bot, connector, karin, directory):
    coordinator = Chat(bot, connector, karin)

    again = await _preview(coordinator, {"link": "http://osäker.se"})

    assert "Länken måste vara en fullständig adress som börjar med https://." in card_text(again)
    title = next(e for e in _inputs(again) if e["id"] == "title")
    assert title["value"] == MESSAGE["title"]
    later = (await coordinator.click(again, "Förhandsgranska", {**MESSAGE, "when": "later", "send_date": "2026-03-01",
                                                                "send_time": "10:00"}))[0]
    assert "framåt i tiden" in card_text(later)
    assert _broadcasts(bot) == []


def _inputs(card: dict) -> list[dict]:
    from cards.walk import inputs
    return list(inputs(card))


async def test_an_employees_forged_broadcast_cards_are_refused_and_change_nothing(
        bot, connector, karin, anna, directory):
    coordinator = Chat(bot, connector, karin)
    preview = await _preview(coordinator, {"units": str(directory["SSB"])})
    await coordinator.click(preview, "Skicka till 4")
    [broadcast] = _broadcasts(bot)
    # Anna is one of the four: let her copy arrive first, so her chat's last card is the bot's answer to her.
    await bot.app[OUTBOX].drain()
    employee = Chat(bot, connector, anna)
    employee.seen = len(employee.cards())
    before = len(_rows(bot, broadcast.id))

    refusals = [await employee.say("utskick")]
    for verb, data in ((Verb.BROADCAST_PREVIEW, {**MESSAGE, "units": str(directory["KF"])}),
                       (Verb.BROADCAST_SEND, {"draft": "whatever"}),
                       (Verb.BROADCAST_REPORT, {"broadcast_id": broadcast.id}),
                       (Verb.BROADCAST_CANCEL, {"broadcast_id": broadcast.id}),
                       (Verb.BROADCAST_DOWNLOAD, {"broadcast_id": broadcast.id})):
        response, _ = await employee.execute(verb, data)
        assert response.status == 200
        refusals.append([response.card])

    for cards in refusals:
        assert "Bara samordnare i organisationen kan göra utskick" in card_text(cards[-1])
    assert len(_broadcasts(bot)) == 1 and _broadcasts(bot)[0].status != BroadcastStatus.CANCELLED
    assert len(_rows(bot, broadcast.id)) == before


async def test_a_send_from_an_old_preview_or_twice_sends_nothing_more(bot, connector, karin, directory):
    coordinator = Chat(bot, connector, karin)
    first = await _preview(coordinator, {"units": str(directory["FIL"])})
    second = (await coordinator.click(first, "Ändra"))[0]
    second_preview = (await coordinator.click(second, "Förhandsgranska", {**MESSAGE, "units": str(directory["KH"])}))[0]

    stale = (await coordinator.click(first, "Skicka till 1"))[0]
    assert "Förhandsgranskningen är inaktuell" in card_text(stale)
    await coordinator.click(second_preview, "Skicka till 1")
    twice = (await coordinator.click(second_preview, "Skicka till 1"))[0]

    assert "Förhandsgranskningen är inaktuell" in card_text(twice)
    [broadcast] = _broadcasts(bot)
    assert broadcast.audience["units"] == [directory["KH"]]


async def test_the_not_reachable_list_downloads_only_with_a_valid_token(bot, connector, karin, ghost, directory):
    coordinator = Chat(bot, connector, karin)
    preview = await _preview(coordinator, {"units": str(directory["SSB"])})
    report = (await coordinator.click(preview, "Skicka till 4"))[0]
    await bot.app[OUTBOX].drain()
    report = (await coordinator.click(report, "Uppdatera"))[0]
    [broadcast] = _broadcasts(bot)

    link_card = (await coordinator.click(report, "Hämta listan över ej nådda (CSV)"))[0]

    url = urlsplit(find_action(link_card, "Hämta CSV")["url"])
    path = url.path
    assert path == f"/downloads/broadcasts/{broadcast.id}/not-reachable.csv"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{bot.url}{path}?{url.query}") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/csv")
            body = (await response.read()).decode("utf-8-sig")
        lines = body.strip().splitlines()
        assert lines[0] == "namn;e-post;enhet;orsak"
        assert lines[1].startswith("Filip Ny;filip.ny@stockholm.se;Stadsbiblioteket;Har aldrig öppnat")
        assert lines[2].startswith(f"Greta Spöke;{ghost.email};Stadsbiblioteket;Teams:")
        for query in ("", "?token=", "?token=forged", f"?{url.query}x"):
            async with http.get(f"{bot.url}{path}{query}") as response:
                assert response.status == 403, query
        async with http.get(f"{bot.url}/downloads/broadcasts/{broadcast.id + 1}/not-reachable.csv?{url.query}") as r:
            assert r.status == 403, "a token is bound to its broadcast"
        bot.clock.advance(timedelta(minutes=11))
        async with http.get(f"{bot.url}{path}?{url.query}") as response:
            assert response.status == 403, "the link has expired"
    with _db(bot).session() as session:
        actions = [e.action for e in audit.events_for(session, subject_type="broadcast", subject_id=broadcast.id)]
    assert actions.count("broadcast.not_reachable_downloaded") == 1
