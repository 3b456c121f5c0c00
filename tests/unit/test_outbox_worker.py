"""The outbox worker's decisions, with a scripted sender on a real database (SQLite and PostgreSQL):
backoff with jitter, giving up, quiet hours on retries and late claims, addressing, unreachable people."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.outbox_worker import OutboxPolicy, OutboxWorker, backoff_seconds
from bot.proactive import Delivered, DeliveryFailed, Recipient
from cards.elements import card, execute, text
from dialogs.clock import ManualClock
from dialogs.config import DialogConfig
from store import outbox
from store.models.core import Person
from store.models.outbox import OutboxStatus

TUESDAY_10 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # 10:00 in Stockholm
REFERENCE = {"serviceUrl": "https://smba.example/emea/", "conversation": {"id": "a:anna"}, "user": {"id": "29:anna"}}
CARD = card([text("Hej")], [execute("Öppna", "plan.show", {"plan_id": 1})], lang="sv")


class ScriptedSender:
    """Answers each send with the next scripted outcome: a DeliveryFailed, any exception, or success."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[tuple[Recipient, dict[str, Any]]] = []

    async def send_card(self, recipient: Recipient, card: dict[str, Any]) -> Delivered:
        self.sent.append((recipient, card))
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        reference = recipient.conversation_reference or {**REFERENCE, "conversation": {"id": "a:created"}}
        return Delivered(f"activity-{len(self.sent)}", reference)


@pytest.fixture
def clock():
    return ManualClock(TUESDAY_10)


def _person(db, **values) -> int:
    with db.session() as session:
        person = Person(tenant_id="tenant", **values)
        session.add(person)
        session.flush()
        return person.id


def _enqueue(db, person_id, clock, *, quiet_hours=True) -> int:
    with db.session() as session:
        return outbox.enqueue(session, campaign="c", recipient_person_id=person_id, card=CARD, now=clock.now(),
                              respect_quiet_hours=quiet_hours).id


def _row(db, message_id):
    with db.session() as session:
        (row,) = [m for m in outbox.messages_for(session) if m.id == message_id]
        return row


def _worker(db, clock, sender, **policy) -> OutboxWorker:
    return OutboxWorker(db, sender, clock, DialogConfig(), OutboxPolicy(**policy), rng=random.Random(7))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    policy, rng = OutboxPolicy(backoff_base=2, backoff_cap=60), random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(60, 2 * 2 ** (attempt - 1))
        draws = [backoff_seconds(attempt, policy, rng) for _ in range(50)]
        assert all(2 <= d <= ceiling for d in draws), attempt
        if ceiling > 2:
            assert len(set(draws)) > 1, "jitter spreads retries of many messages apart"


async def test_a_message_is_sent_with_every_action_addressed_to_its_recipient(db, clock):
    person = _person(db, teams_user_id="29:anna", aad_object_id="aad-anna", conversation_reference=REFERENCE,
                     service_url=REFERENCE["serviceUrl"])
    message = _enqueue(db, person, clock)
    sender = ScriptedSender()

    await _worker(db, clock, sender).run_once()

    ((recipient, sent),) = sender.sent
    assert recipient.conversation_reference == REFERENCE and recipient.user_id == "29:anna"
    assert sent["actions"][0]["data"]["to"] == person and sent["actions"][0]["fallback"]["data"]["to"] == person
    row = _row(db, message)
    assert (row.status, row.attempts, row.activity_id) == (OutboxStatus.SENT, 1, "activity-1")


async def test_throttling_without_retry_after_backs_off_and_never_gives_up(db, clock):
    person = _person(db, teams_user_id="29:anna", conversation_reference=REFERENCE)
    message = _enqueue(db, person, clock)
    throttled = [DeliveryFailed("throttled", 429) for _ in range(10)]
    worker = _worker(db, clock, ScriptedSender(*throttled), max_attempts=3)

    waits = []
    for _ in range(10):
        before = clock.now()
        assert await worker.run_once() == 1
        row = _row(db, message)
        waits.append((_aware(row.next_attempt_at) - before).total_seconds())
        clock.set(_aware(row.next_attempt_at))

    assert _row(db, message).status == OutboxStatus.PENDING and _row(db, message).attempts == 10
    assert all(2 <= wait <= min(3600, 2 * 2 ** n) for n, wait in enumerate(waits))
    assert max(waits) > 100, "the waits grow"


async def test_a_failing_message_is_retried_with_backoff_then_given_up_after_the_last_attempt(db, clock):
    person = _person(db, teams_user_id="29:anna", conversation_reference=REFERENCE)
    message = _enqueue(db, person, clock)
    failures = [DeliveryFailed("failed", 502), ConnectionError("connection reset"), DeliveryFailed("failed", 503)]
    worker = _worker(db, clock, ScriptedSender(*failures), max_attempts=3)

    for attempt in (1, 2):
        await worker.run_once()
        row = _row(db, message)
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
        clock.set(_aware(row.next_attempt_at))
    assert "ConnectionError" in _row(db, message).last_error
    await worker.run_once()

    row = _row(db, message)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert "HTTP 503" in row.last_error


async def test_a_retry_that_would_land_after_working_hours_waits_for_the_next_morning(db, clock):
    clock.set(datetime(2026, 3, 10, 15, 59, 59, tzinfo=timezone.utc))  # 16:59:59 in Stockholm
    person = _person(db, teams_user_id="29:anna", conversation_reference=REFERENCE)
    message = _enqueue(db, person, clock)

    await _worker(db, clock, ScriptedSender(DeliveryFailed("throttled", 429, retry_after=5))).run_once()

    assert _aware(_row(db, message).next_attempt_at) == datetime(2026, 3, 11, 7, 0, tzinfo=timezone.utc)


async def test_a_message_claimed_on_a_saturday_is_held_until_monday_unless_it_ignores_quiet_hours(db, clock):
    person = _person(db, teams_user_id="29:anna", conversation_reference=REFERENCE)
    held = _enqueue(db, person, clock)
    with db.session() as session:
        urgent = outbox.enqueue(session, campaign="urgent", recipient_person_id=person, card=CARD, now=clock.now(),
                                respect_quiet_hours=False).id
    clock.set(datetime(2026, 3, 14, 11, 0, tzinfo=timezone.utc))  # the worker was down until Saturday noon
    sender = ScriptedSender()

    await _worker(db, clock, sender).run_once()

    assert len(sender.sent) == 1 and _row(db, urgent).status == OutboxStatus.SENT
    row = _row(db, held)
    assert row.status == OutboxStatus.PENDING and row.attempts == 0
    assert _aware(row.next_attempt_at) == datetime(2026, 3, 16, 7, 0, tzinfo=timezone.utc)  # Monday 08:00


async def test_someone_who_never_wrote_gets_a_new_chat_by_aad_object_id_and_the_reference_is_kept(db, clock):
    _person(db, teams_user_id="29:someone", conversation_reference=REFERENCE, service_url="https://smba.example/x/")
    manager = _person(db, aad_object_id="aad-karin", name="Karin Ek")
    message = _enqueue(db, manager, clock)
    sender = ScriptedSender()

    await _worker(db, clock, sender).run_once()

    ((recipient, _),) = sender.sent
    assert recipient == Recipient("tenant", "aad-karin", "https://smba.example/x/", None)
    assert _row(db, message).status == OutboxStatus.SENT
    with db.session() as session:
        assert session.get(Person, manager).conversation_id == "a:created"


async def test_someone_we_cannot_address_waits_without_using_an_attempt(db, clock):
    nobody = _person(db, name="Utan adress")
    message = _enqueue(db, nobody, clock)
    sender = ScriptedSender()

    await _worker(db, clock, sender, unaddressable_retry=timedelta(hours=1)).run_once()

    row = _row(db, message)
    assert sender.sent == [] and row.status == OutboxStatus.PENDING and row.attempts == 0
    assert _aware(row.next_attempt_at) == clock.now() + timedelta(hours=1)


async def test_a_deleted_chat_makes_the_person_unreachable_and_forgets_the_chat(db, clock):
    person = _person(db, teams_user_id="29:anna", conversation_reference=REFERENCE, conversation_id="a:anna")
    message = _enqueue(db, person, clock)

    await _worker(db, clock, ScriptedSender(DeliveryFailed("gone", 404))).run_once()

    assert _row(db, message).status == OutboxStatus.UNREACHABLE
    with db.session() as session:
        stored = session.get(Person, person)
        assert stored.conversation_reference is None and stored.conversation_id is None


async def test_a_deleted_chat_is_created_again_once_and_the_message_arrives_in_the_new_chat(db, clock):
    person = _person(db, teams_user_id="29:anna", aad_object_id="aad-anna", conversation_reference=REFERENCE,
                     conversation_id="a:anna", service_url=REFERENCE["serviceUrl"])
    message = _enqueue(db, person, clock)
    sender = ScriptedSender(DeliveryFailed("gone", 404))

    await _worker(db, clock, sender).run_once()

    (first, _), (second, _) = sender.sent
    assert first.conversation_reference == REFERENCE
    assert second.conversation_reference is None and second.user_id == "aad-anna"
    assert _row(db, message).status == OutboxStatus.SENT
    with db.session() as session:
        assert session.get(Person, person).conversation_id == "a:created"


async def test_a_chat_that_cannot_be_created_again_makes_the_person_not_reachable(db, clock):
    person = _person(db, teams_user_id="29:anna", aad_object_id="aad-anna", conversation_reference=REFERENCE,
                     conversation_id="a:anna", service_url=REFERENCE["serviceUrl"])
    message = _enqueue(db, person, clock)
    sender = ScriptedSender(DeliveryFailed("gone", 404), DeliveryFailed("gone", 404))

    await _worker(db, clock, sender).run_once()
    await _worker(db, clock, sender).run_once()

    assert len(sender.sent) == 2, "one new chat, not more"
    assert _row(db, message).status == OutboxStatus.UNREACHABLE


async def test_a_person_who_removed_the_app_is_marked_blocked_and_not_retried(db, clock):
    person = _person(db, teams_user_id="29:anna", conversation_reference=REFERENCE, conversation_id="a:anna")
    message = _enqueue(db, person, clock)
    sender = ScriptedSender(DeliveryFailed("blocked", 403))

    await _worker(db, clock, sender).run_once()
    await _worker(db, clock, sender).run_once()

    assert len(sender.sent) == 1 and _row(db, message).status == OutboxStatus.BLOCKED


async def test_a_429_pauses_the_tenant_for_every_message_not_just_the_throttled_one(db, clock):
    first = _enqueue(db, _person(db, teams_user_id="29:a", conversation_reference=REFERENCE), clock)
    sender = ScriptedSender(DeliveryFailed("throttled", 429, retry_after=30))
    worker = _worker(db, clock, sender)
    await worker.run_once()
    second = _enqueue(db, _person(db, teams_user_id="29:b", conversation_reference=REFERENCE), clock)
    with db.session() as session:
        # Another instance asking for a slot now gets one after the pause.
        slot = outbox.reserve_send_slots(session, tenant_id="tenant", count=1, per_second=40,
                                         now=clock.now().timestamp())
        assert outbox.tenant_throttled(session) == {"tenant": 1}

    assert slot >= clock.now().timestamp() + 30
    assert _row(db, first).throttled == 1 and _row(db, second).status == OutboxStatus.PENDING


class FirstSendSignalled(ScriptedSender):
    """Says when the first message went out."""

    def __init__(self) -> None:
        super().__init__()
        self.first_sent = asyncio.Event()

    async def send_card(self, recipient: Recipient, card: dict[str, Any]) -> Delivered:
        delivered = await super().send_card(recipient, card)
        self.first_sent.set()
        return delivered


async def test_stopping_hands_back_the_claims_whose_send_had_not_begun(db, clock):
    messages = [_enqueue(db, _person(db, teams_user_id=f"29:{n}", conversation_reference=REFERENCE), clock)
                for n in range(3)]
    sender = FirstSendSignalled()
    # One send a second: after the first, the others wait for their slots when the worker stops.
    worker = _worker(db, clock, sender, per_tenant_per_second=1.0)
    worker.start()
    await sender.first_sent.wait()

    await worker.stop()

    rows = [_row(db, m) for m in messages]
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.PENDING]
    assert all(r.claim_token is None and r.lease_until is None for r in rows[1:])
