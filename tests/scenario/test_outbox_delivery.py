"""The outbox over HTTP against the fake Teams connector: Retry-After honoured to the second, a deleted chat
marks the person unreachable, no duplicates, quiet hours, and messages left by a stopped instance delivered
by the next one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.app import DATABASE, OUTBOX
from cards.notices import coming_soon_card
from dialogs.config import DialogConfig
from dialogs.notify import notify
from store import outbox
from store.db import Database
from store.models.outbox import OutboxStatus
from store.people import aware, find_person
from tests.harness import Chat, RunningBot, card_text, settings_for_tests

@pytest.fixture
def bot(clocked_bot):
    """Every test here runs on the clock: notifications respect working hours."""
    return clocked_bot


def _enqueue(db: Database, user, clock, campaign: str = "test:1") -> int | None:
    with db.session() as session:
        person = find_person(session, tenant_id=user.tenant_id, aad_object_id=user.aad_object_id)
        row = outbox.enqueue(session, campaign=campaign, recipient_person_id=person.id,
                             card=coming_soon_card("sv", "plan"), now=clock.now())
        return row.id if row else None


def _row(db: Database, message_id: int):
    with db.session() as session:
        return next(m for m in outbox.messages_for(session) if m.id == message_id)


def _plan_cards(connector, user) -> list[dict]:
    return [c for c in connector.cards(user.conversation_id) if "Utvecklingsplanen kommer snart" in card_text(c)]


async def test_a_throttled_message_waits_exactly_as_long_as_retry_after_says(bot, connector, chat, anna, clock):
    await chat.install()
    db, worker = bot.app[DATABASE], bot.app[OUTBOX]
    connector.throttle_next(1, retry_after=30)
    message = _enqueue(db, anna, clock)

    await worker.drain()

    row = _row(db, message)
    assert row.status == OutboxStatus.PENDING and "throttled (HTTP 429)" in row.last_error
    assert aware(row.next_attempt_at) == clock.now() + timedelta(seconds=30)
    assert [r.status for r in connector.requests if r.method == "POST"][-1] == 429
    clock.advance(timedelta(seconds=29))
    await worker.drain()
    assert _plan_cards(connector, anna) == [], "not a second before Retry-After"

    clock.advance(timedelta(seconds=1))
    await worker.drain()

    assert len(_plan_cards(connector, anna)) == 1
    assert _row(db, message).status == OutboxStatus.SENT and _row(db, message).attempts == 2


async def test_a_deleted_chat_marks_the_person_unreachable_and_forgets_the_reference(bot, connector, chat, anna,
                                                                                    clock):
    await chat.install()
    db = bot.app[DATABASE]
    connector.delete_conversation(anna.conversation_id)
    message = _enqueue(db, anna, clock)

    await bot.app[OUTBOX].drain()

    row = _row(db, message)
    assert row.status == OutboxStatus.UNREACHABLE and "HTTP 404" in row.last_error
    with db.session() as session:
        person = find_person(session, tenant_id=anna.tenant_id, aad_object_id=anna.aad_object_id)
        assert person.conversation_reference is None
    clock.advance(timedelta(days=1))
    await bot.app[OUTBOX].drain()
    assert _row(db, message).status == OutboxStatus.UNREACHABLE, "an unreachable message is not retried"


async def test_a_campaign_enqueued_twice_and_run_twice_reaches_the_person_once(bot, connector, chat, anna, clock):
    await chat.install()
    db, worker = bot.app[DATABASE], bot.app[OUTBOX]

    first = _enqueue(db, anna, clock)
    second = _enqueue(db, anna, clock)
    await worker.drain()
    await worker.drain()
    assert await worker.run_once() == 0

    assert first is not None and second is None
    assert len(_plan_cards(connector, anna)) == 1


async def test_a_notification_after_working_hours_goes_out_the_next_morning(bot, connector, chat, anna, clock):
    await chat.install()
    db, worker = bot.app[DATABASE], bot.app[OUTBOX]
    clock.set(datetime(2026, 3, 13, 17, 30, tzinfo=timezone.utc))  # Friday 18:30 in Stockholm
    with db.session() as session:
        person = find_person(session, tenant_id=anna.tenant_id, aad_object_id=anna.aad_object_id)
        notify(session, recipient=person, campaign="evening", card=lambda lang: coming_soon_card(lang, "plan"),
               now=clock.now(), config=DialogConfig())

    clock.set(datetime(2026, 3, 16, 6, 59, tzinfo=timezone.utc))  # Monday 07:59
    await worker.drain()
    assert _plan_cards(connector, anna) == []
    clock.set(datetime(2026, 3, 16, 7, 0, tzinfo=timezone.utc))  # Monday 08:00
    await worker.drain()

    assert len(_plan_cards(connector, anna)) == 1


async def test_messages_left_by_a_stopped_instance_are_delivered_by_the_next_one(database_url, connector, anna,
                                                                                clock):
    first = await RunningBot(settings_for_tests(database_url), clock=clock).start()
    await Chat(first, connector, anna).install()
    await first.stop()
    db = Database(database_url)
    interrupted = _enqueue(db, anna, clock, campaign="test:interrupted")
    with db.session() as session:
        # A worker claimed this one and died before sending: its lease runs out.
        assert [c.id for c in outbox.claim_due(session, now=clock.now(), limit=1)] == [interrupted]
    waiting = _enqueue(db, anna, clock, campaign="test:waiting")
    clock.advance(outbox.LEASE + timedelta(seconds=1))

    second = await RunningBot(settings_for_tests(database_url), clock=clock).start()
    try:
        await connector.wait_for_async(lambda activities: len(_plan_cards(connector, anna)) == 2,
                                       conversation_id=anna.conversation_id)
        await second.app[OUTBOX].drain()
    finally:
        await second.stop()

    assert _row(db, waiting).status == OutboxStatus.SENT and _row(db, interrupted).status == OutboxStatus.SENT
    db.dispose()
