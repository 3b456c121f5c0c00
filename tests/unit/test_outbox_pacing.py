"""The shared per-tenant pace under stalls: two outbox workers on one database (SQLite and PostgreSQL) never send
more than the tenant's rate in any second, measured on the times at which the fake sender received the calls,
even when a process stalls (the clock jumps) or Teams' answers come back bunched; and an instance does not send
into a pause another instance recorded after a 429.

The workers run on a clock that follows real time plus the stalls a test injects, so a stall makes the sends
whose slots passed meanwhile late, exactly as a descheduled process would, on any machine load: the rule under
test is checked right before the call is recorded, with nothing between them that could take time."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.outbox_worker import OutboxPolicy, OutboxWorker
from bot.proactive import Delivered, Recipient
from dialogs.config import DialogConfig
from store import outbox
from store.models.core import Person
from tests.fakes.connector import busiest_second

REFERENCE = {"serviceUrl": "https://smba.example/emea/", "conversation": {"id": "a:x"}, "user": {"id": "29:x"}}
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Nyhet"}]}
RATE = 20.0


class SteppingClock:
    """Real time, plus the stalls the test injects (a process descheduled for a while sees time jump)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def stall(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


class RecordingSender:
    """Records when each call arrived (the clock's time, as Teams would stamp it) and for whom."""

    def __init__(self, clock: SteppingClock, calls: list[tuple[float, str]], *, stall_every: int = 0,
                 stall: float = 0.0) -> None:
        self.clock, self.calls, self.stall_every, self.stall = clock, calls, stall_every, stall
        self.count = 0

    async def send_card(self, recipient: Recipient, card: dict[str, Any]) -> Delivered:
        reference = recipient.conversation_reference or {
            **REFERENCE, "conversation": {"id": f"new:{recipient.user_id}"}, "user": {"id": f"29:{recipient.user_id}"}}
        self.calls.append((self.clock.now().timestamp(), reference["conversation"]["id"]))
        self.count += 1
        if self.stall_every and self.count % self.stall_every == 0:
            self.clock.stall(self.stall)  # this process stops for a while right after the call left
        await asyncio.sleep(0)
        return Delivered(f"activity-{self.count}", reference)


def _people(db, count: int) -> list[int]:
    with db.session() as session:
        people = [Person(tenant_id="tenant", teams_user_id=f"29:{n}",
                         conversation_reference={**REFERENCE, "conversation": {"id": f"a:{n}"}})
                  for n in range(count)]
        session.add_all(people)
        session.flush()
        return [p.id for p in people]


def _enqueue(db, people: list[int], clock: SteppingClock) -> None:
    with db.session() as session:
        outbox.enqueue_many(session, campaign="news", cards=[(p, CARD) for p in people], now=clock.now(),
                            respect_quiet_hours=False)


def _worker(db, clock, sender, **policy) -> OutboxWorker:
    return OutboxWorker(db, sender, clock, DialogConfig(), OutboxPolicy(per_tenant_per_second=RATE, **policy),
                        rng=random.Random(7))


async def test_two_instances_together_never_exceed_the_tenant_rate_in_any_second_even_when_one_stalls(db):
    clock, calls = SteppingClock(), []
    people = _people(db, 50)
    _enqueue(db, people, clock)
    # One instance stops for 0.3 s after every 7th call: the sends whose slots passed meanwhile would
    # otherwise all leave at once when it resumes, on top of the other instance's on-time sends.
    stalling = _worker(db, clock, RecordingSender(clock, calls, stall_every=7, stall=0.3))
    steady = _worker(db, clock, RecordingSender(clock, calls))

    await asyncio.gather(stalling.drain(), steady.drain())

    assert sorted(chat for _, chat in calls) == sorted(f"a:{n}" for n in range(50)), "everyone once"
    assert busiest_second([at for at, _ in calls]) <= RATE
    assert stalling.slots_given_up + steady.slots_given_up > 0, "the stalls made slots pass"


async def test_after_a_429_an_answer_slower_than_usual_holds_the_instance_s_next_sends(db):
    clock = SteppingClock()
    worker = _worker(db, clock, RecordingSender(clock, []))
    now = clock.now().timestamp()
    for n in range(30):
        worker._note_answer("tenant", now, now + 0.005)
    worker._note_answer("tenant", now, now + 0.2)
    assert worker._usable("tenant", now + 0.05), "no hold before Teams has throttled the tenant"

    worker._guard("tenant")  # Teams answered 429: it counts bunched requests
    worker._note_answer("tenant", now, now + 0.2)

    # The answer came 0.195 s later than usual; the headroom absorbs 0.015 s of that.
    assert not worker._usable("tenant", now + 0.2 + 0.17)
    assert worker._usable("tenant", now + 0.2 + 0.19)


async def test_an_instance_sends_nothing_into_a_pause_another_instance_recorded_after_a_429(db):
    clock, calls = SteppingClock(), []
    people = _people(db, 30)
    _enqueue(db, people, clock)
    sender = RecordingSender(clock, calls)
    # All 30 claimed at once, their slots reserved over 1.5 s: the pause falls on slots already held.
    worker = _worker(db, clock, sender, poll_interval=0.2, claim_seconds=2.0)
    worker.start()
    try:
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        # Another instance heard 429 with Retry-After: 1 and recorded the tenant's pause.
        recorded = clock.now().timestamp()
        with db.session() as session:
            outbox.pause_tenant(session, tenant_id="tenant", until=recorded + 1.5)
        while len(calls) < 30:
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()

    # It reads the shared pause every 0.1 s; give it 0.3 s on a loaded machine.
    inside = [at for at, _ in calls if recorded + 0.3 <= at < recorded + 1.5]
    assert inside == [], "no send inside the pause once it was read"
    assert len({chat for _, chat in calls}) == 30


async def test_a_person_who_never_opened_the_bot_takes_two_slots_the_new_chat_and_the_message(db):
    clock, calls = SteppingClock(), []
    with db.session() as session:
        people = [Person(tenant_id="tenant", aad_object_id=f"00000000-0000-4000-8000-{n:012d}",
                         service_url="https://smba.example/emea/") for n in range(30)]
        session.add_all(people)
        session.flush()
        ids = [p.id for p in people]
    _enqueue(db, ids, clock)
    worker = _worker(db, clock, RecordingSender(clock, calls))

    await worker.drain()

    assert sorted(chat for _, chat in calls) == sorted(f"new:00000000-0000-4000-8000-{n:012d}" for n in range(30))
    # Teams counts both calls, creating the chat and sending into it, against the tenant's rate.
    assert busiest_second([at for at, _ in calls for _call in ("create", "send")]) <= RATE
