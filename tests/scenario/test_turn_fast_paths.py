"""The outbox worker is woken by a turn that enqueued a message (and by no other), and a turn whose pooled
connection the server dropped still runs: what the faster paths must keep. What they save is in bench/README.md
and bench/round_trips.py."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app import BOT
from cards.verbs import Verb
from dialogs.config import DialogConfig
from dialogs.dispatch import Dispatcher
from dialogs.router import Router
from dialogs.turn import Kind, Reply, Request, Sender
from store import outbox
from store.db import Database
from store.models.outbox import OutboxMessage
from tests.harness import Chat


async def test_the_outbox_worker_is_woken_only_by_a_turn_that_enqueued_something(bot, chat: Chat):
    woken = []
    bot.app[BOT].after_turn = lambda: woken.append(True)

    assert await chat.say("hjälp")
    response, _ = await chat.execute(Verb.HELP, {"verb": Verb.HELP})
    await chat.say("skattning")

    assert response.status == 200 and response.card
    assert woken == [], "no turn here enqueued a message, so none wakes the worker (it still polls)"


def _dispatcher(database_url: str, handler) -> tuple[Dispatcher, Database]:
    db = Database(database_url)
    db.migrate()
    router = Router({}, {}, on_install=handler, on_unrecognised_text=handler, on_unknown_verb=handler)
    return Dispatcher(db, router, DialogConfig()), db


def _request(text: str = "x") -> Request:
    return Request(Sender(tenant_id="t", teams_user_id="29:anna", aad_object_id="aad-anna", name="Anna"),
                   Kind.TEXT, text=text)


def test_a_reply_says_whether_its_turn_enqueued_an_outbox_message(database_url):
    def enqueueing(turn) -> Reply:
        outbox.enqueue(turn.session, campaign=f"test:{turn.request.text}", recipient_person_id=turn.person.id,
                       card={"type": "AdaptiveCard"}, now=turn.now)
        return Reply.of({"type": "AdaptiveCard", "body": []})

    dispatcher, db = _dispatcher(database_url, enqueueing)
    try:
        assert dispatcher.handle(_request("a")).outbox_enqueued is True
        # The same campaign again: enqueue finds it and adds nothing, so there is nothing to wake the worker for.
        assert dispatcher.handle(_request("a")).outbox_enqueued is False
        with db.session() as session:
            assert len(session.exec(select(OutboxMessage)).all()) == 1
    finally:
        db.dispose()


def test_a_failed_turn_that_had_enqueued_wakes_nobody(database_url):
    def failing(turn) -> Reply:
        outbox.enqueue(turn.session, campaign="test:failing", recipient_person_id=turn.person.id,
                       card={"type": "AdaptiveCard"}, now=turn.now)
        raise RuntimeError("the handler fails after enqueueing; the message is rolled back with the turn")

    dispatcher, db = _dispatcher(database_url, failing)
    try:
        reply = dispatcher.handle(_request())
        assert reply.outbox_enqueued is False and reply.cards, "an error card, and nothing to deliver"
        with db.session() as session:
            assert session.exec(select(OutboxMessage)).all() == []
    finally:
        db.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # PostgreSQL only
def test_a_turn_after_the_server_dropped_an_idle_connection_gets_a_live_one(database_url, monkeypatch):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from store import db as db_module

    db = Database(database_url)
    try:
        with db.session() as session:
            backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()

        # The server drops the connection while it sits in the pool (a restart, say), and it then sits idle
        # long enough to be pinged: the turn gets a new connection and never sees the dead one.
        admin = create_engine(db.url, poolclass=NullPool)
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        admin.dispose()
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        with db.session() as session:
            assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != backend
    finally:
        db.dispose()
