"""A welcome is not lost: whether a person was ever greeted is in the database (person.welcomed_at), so a person
whose install event failed is greeted with their next turn on whichever instance has it, after a restart too,
exactly once; nobody who met the bot before the upgrade is greeted again."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError

from bot.app import DATABASE
from cards.address import ADDRESSEE_KEY
from cards.verbs import Verb
from store.db import Database, upgrade
from store.models.core import Person
from store.people import find_person
from tests.fakes import activities as teams
from tests.harness import Chat, RunningBot, card_text, registered_user, settings_for_tests

WELCOME = "Välkommen till Kompetenslyft"
MENU = "Vad vill du göra?"


def _texts(cards: list[dict]) -> list[str]:
    return [card_text(card) for card in cards]


def _is_welcome(card_text_: str) -> bool:
    return WELCOME in card_text_


async def _install_during_an_outage(chat: Chat, monkeypatch) -> list[dict]:
    db = chat.bot.app[DATABASE]

    def outage():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with monkeypatch.context() as patch:
        patch.setattr(db, "session", outage)
        return await chat.install()


async def test_an_install_lost_to_an_outage_is_greeted_once_by_the_other_instance_that_has_the_next_message(
        bot, connector, anna, database_url, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="dialogs.welcome")
    chat = Chat(bot, connector, anna)
    during = await _install_during_an_outage(chat, monkeypatch)
    other = await RunningBot(settings_for_tests(database_url)).start()
    try:
        chat.bot = other  # the load balancer sends her next turn to the other instance
        next_turn = _texts(await chat.say("hjälp"))
        later = _texts(await chat.say("hjälp"))
        chat.bot = bot
        later += _texts(await chat.say("hjälp"))
    finally:
        await other.stop()

    assert not any(_is_welcome(card_text(card)) for card in during)
    assert len(next_turn) == 2 and _is_welcome(next_turn[0]) and "Hej Anna!" in next_turn[0]
    assert MENU in next_turn[1]
    assert len(later) == 2 and not any(_is_welcome(t) for t in later), "greeted once, whichever instance answers"
    assert any("install event of" in m and "failed before the welcome was recorded" in m for m in caplog.messages)
    assert any("welcoming person" in m and "never been greeted" in m for m in caplog.messages)


async def test_after_a_restart_the_person_whose_install_failed_is_greeted_with_their_next_turn(
        database_url, connector, anna, monkeypatch):
    before = await RunningBot(settings_for_tests(database_url)).start()
    installing = Chat(before, connector, anna)
    try:
        await _install_during_an_outage(installing, monkeypatch)
    finally:
        await before.stop()

    after = await RunningBot(settings_for_tests(database_url)).start()
    try:
        chat = Chat(after, connector, anna, installed=True, seen=installing.seen)
        first = _texts(await chat.say("min plan"))
        second = _texts(await chat.say("hjälp"))
    finally:
        await after.stop()

    assert len(first) == 2 and _is_welcome(first[0]) and not _is_welcome(first[1])
    assert len(second) == 1 and MENU in second[0]


async def test_an_install_that_succeeded_is_not_followed_by_a_second_welcome_on_any_instance(
        bot, connector, anna, database_url):
    chat = Chat(bot, connector, anna)
    installed = _texts(await chat.install())
    other = await RunningBot(settings_for_tests(database_url)).start()
    try:
        here = _texts(await chat.say("hjälp"))
        there = Chat(other, connector, anna, installed=True, seen=chat.seen)
        elsewhere = _texts(await there.say("hjälp"))
    finally:
        await other.stop()

    assert len(installed) == 1 and _is_welcome(installed[0])
    assert len(here) == 1 and MENU in here[0]
    assert len(elsewhere) == 1 and MENU in elsewhere[0]


async def test_a_click_answers_in_place_and_the_owed_welcome_comes_as_a_message_of_its_own(chat: Chat, monkeypatch):
    await _install_during_an_outage(chat, monkeypatch)

    response, messages = await chat.execute(Verb.HELP, {"verb": Verb.HELP})
    _, later = await chat.execute(Verb.HELP, {"verb": Verb.HELP})

    assert response.status == 200 and MENU in card_text(response.card)
    assert len(messages) == 1 and _is_welcome(card_text(messages[0]))
    assert later == []


async def test_a_refused_first_turn_leaves_the_welcome_for_the_next_one(chat: Chat, monkeypatch):
    await _install_during_an_outage(chat, monkeypatch)

    refused = _texts(await chat.submit({"verb": Verb.HELP, ADDRESSEE_KEY: 999_999}))
    next_turn = _texts(await chat.say("hjälp"))

    assert len(refused) == 1 and not _is_welcome(refused[0])
    assert len(next_turn) == 2 and _is_welcome(next_turn[0]) and MENU in next_turn[1]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_turns_at_once_on_two_instances_greet_a_never_greeted_person_once(bot, connector, anna,
                                                                                      database_url):
    """PostgreSQL only (SQLite serves one instance). Both turns are held at the person's row until both wait
    there, so they really race for the welcome; the one that loses finds it claimed and answers without it."""
    db = bot.app[DATABASE]
    with db.session() as session:  # someone the HR file brought in, who has never been greeted
        session.add(Person(tenant_id=anna.tenant_id, teams_user_id=anna.teams_id, aad_object_id=anna.aad_object_id,
                           name=anna.name))
    other = await RunningBot(settings_for_tests(database_url)).start()
    try:
        with db.engine.connect() as holder:
            holder.execute(text("SELECT id FROM person WHERE teams_user_id = :id FOR UPDATE"), {"id": anna.teams_id})
            turns = [asyncio.create_task(running.post(teams.text(anna, "hjälp", service_url=connector.base_url)))
                     for running in (bot, other)]
            await _until_waiting_for_a_lock(holder, 2)
            holder.rollback()
        statuses = [response.status for response in await asyncio.gather(*turns)]
    finally:
        await other.stop()

    texts = _texts(connector.cards(anna.conversation_id))
    assert statuses == [201, 201]
    assert sum(_is_welcome(t) for t in texts) == 1
    assert sum(MENU in t and not _is_welcome(t) for t in texts) == 2


async def _until_waiting_for_a_lock(connection, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
    while connection.execute(text("SELECT pg_stat_clear_snapshot()")) and connection.execute(query).scalar() < count:
        assert time.monotonic() < deadline, f"{count} turns never waited at the person's row"
        await asyncio.sleep(0.05)


async def test_people_who_met_the_bot_before_the_upgrade_are_not_greeted_again_and_their_data_is_kept(
        database_url, connector):
    talked, greeted, never_seen = (registered_user(connector, name) for name in
                                   ("Karin Ek", "Omar Haddad", "Maria Holm"))
    last_seen = datetime(2026, 11, 2, 8, 30, tzinfo=timezone.utc)
    welcomed = datetime(2026, 10, 1, 7, 0, tzinfo=timezone.utc)
    old = Database(database_url)
    upgrade(old.url, "0012_directory_source", engine=old.engine)
    with old.engine.begin() as connection:  # rows as the code before the upgrade left them
        for user, seen, greeted_at in [(talked, last_seen, None), (greeted, last_seen, welcomed),
                                       (never_seen, None, None)]:
            connection.execute(insert(Person.__table__).values(
                tenant_id=user.tenant_id, teams_user_id=user.teams_id, aad_object_id=user.aad_object_id,
                name=user.name, email=user.email, locale="sv-SE", created_at=welcomed - timedelta(days=30),
                last_seen_at=seen, welcomed_at=greeted_at))
    old.dispose()

    running = await RunningBot(settings_for_tests(database_url)).start()
    try:
        with running.app[DATABASE].session() as session:
            rows = {}
            for user in (talked, greeted, never_seen):
                person = find_person(session, tenant_id=user.tenant_id, aad_object_id=user.aad_object_id)
                rows[user.teams_id] = (person.name, person.email, _utc(person.welcomed_at))
        answers = {user.name: _texts(await Chat(running, connector, user, installed=True).say("hjälp"))
                   for user in (talked, greeted, never_seen)}
    finally:
        await running.stop()

    assert [len(answers[user.name]) for user in (talked, greeted)] == [1, 1]
    assert all(MENU in answers[user.name][0] for user in (talked, greeted))
    assert len(answers[never_seen.name]) == 2 and _is_welcome(answers[never_seen.name][0])
    # Backfilled: greeted as of the last turn on record; the one greeted keeps the moment; the other is owed one.
    assert rows[talked.teams_id] == (talked.name, talked.email, last_seen)
    assert rows[greeted.teams_id] == (greeted.name, greeted.email, welcomed)
    assert rows[never_seen.teams_id] == (never_seen.name, never_seen.email, None)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment and moment.tzinfo is None else moment
