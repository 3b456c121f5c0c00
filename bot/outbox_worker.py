"""Delivers the outbox: claims due messages, sends each through the ProactiveSender, records the outcome.

Teams' answers decide what happens next: 429 waits as long as Retry-After says and pauses the whole tenant
for every instance (store.outbox.pause_tenant); 404 on a stored chat creates the 1:1 chat again once, and a
404 after that marks the person unreachable; 403 marks them blocked (the app was removed); other failures
retry with exponential backoff and jitter until the last attempt. Quiet hours hold retries too.

Several instances may run this against one PostgreSQL: claims never overlap and carry a token that every
state change checks (store.outbox), the worker renews its leases while it lives so a killed instance's rows
come back within the lease, and sends to a tenant take slots from one pace shared through the database.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.proactive import Delivered, DeliveryFailed, ProactiveSender, Recipient
from cards.address import address_card
from dialogs.clock import Clock
from dialogs.config import DialogConfig
from store import outbox
from store.db import Database
from store.people import forget_conversation, latest_service_url

log = logging.getLogger(__name__)

# Below Teams' 50 requests per second per app and tenant (DESIGN.md §1, Microsoft Learn "Optimize your bot:
# rate limiting and best practices"), leaving room for replies to turns.
DEFAULT_TENANT_RATE = 40.0


@dataclass(frozen=True)
class OutboxPolicy:
    poll_interval: float = 5.0  # longest sleep between looks when nobody wakes the worker
    # A claim takes about `claim_seconds` of sends at the tenant rate, at least 1 and at most `batch_size`
    # rows: 20 at the default 40/s (so a killed instance leaves few slots unused); at a high rate fewer
    # claims (each a transaction) per send.
    batch_size: int = 200
    claim_seconds: float = 0.5
    concurrency: int = 16  # sends in flight at once
    # Sends tried; a message that still fails (5xx, network) on the last one is given up. Throttling never
    # gives up: Teams says when to come back.
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 3600.0
    # Person we cannot address yet (no chat, no AAD object id, or no service URL for the tenant).
    unaddressable_retry: timedelta = timedelta(hours=1)
    # A claim's lease; the worker renews it every lease / 3 while the send goes on.
    lease: timedelta = outbox.LEASE
    # Sends per second to one tenant, all instances together.
    per_tenant_per_second: float = DEFAULT_TENANT_RATE
    # Slots are this much further apart than the rate says. Teams counts requests in a sliding second: a
    # send that reaches Teams d seconds after its slot while the one a second later is on time makes one
    # more in that second, and the 429 that follows pauses the tenant for a whole second. With slots
    # 1 + headroom times the gap apart, a second holds `rate` sends as long as no send is more than
    # `headroom` seconds later than another (30 ms at 3 %): `late_tolerance` keeps departures within
    # 15 ms of their slots, the rest is for the way to Teams.
    pace_headroom: float = 0.03
    # A send that would leave more than this after its slot (the process was descheduled, the event loop
    # busy) does not go late: it gives the slot up and takes the next one this instance holds (or reserves
    # one). A burst of late sends on top of on-time ones is what trips Teams' sliding second.
    late_tolerance: float = 0.015
    # Reservations start this far ahead of now: the first send of a claim is not late by the claim's own
    # commit and thread hop.
    reserve_lead: float = 0.02
    # While sends wait for their slots, the tenant's shared pause (another instance's 429) is read this often,
    # so that an instance does not send into a pause it has not heard of (each such send a 429 of its own).
    pause_check: float = 0.1
    # For this long after a 429 of the tenant's (any instance's), an answer slower than usual holds this
    # instance's sends as long as it was late (OutboxWorker._timed_send). Off until Teams shows that it
    # counts bunched requests, so that an endpoint whose answers vary costs no slots.
    bunch_guard_seconds: float = 120.0
    # The next batch is claimed this long before the current batch's last send slot.
    claim_ahead: float = 0.3
    # On shutdown: how long sends already under way may take before the worker gives up on them.
    drain_timeout: float = 10.0


def _calls(message: outbox.Claimed) -> int:
    """Teams calls a message takes: sent into its stored chat, or the 1:1 chat created first (Teams counts
    both against the tenant's rate)."""
    return 1 if message.conversation_reference else 2


def backoff_seconds(attempt: int, policy: OutboxPolicy, rng: random.Random) -> float:
    """Full jitter: uniform in [base, base * 2^(attempt-1)], capped; attempt counts from 1."""
    ceiling = min(policy.backoff_cap, policy.backoff_base * 2 ** max(0, attempt - 1))
    return rng.uniform(min(policy.backoff_base, ceiling), ceiling)


@dataclass
class _Flight:
    """A claimed message in this process: its send slot (the one reserved with its claim until it takes one
    from the pool), and whether its send has begun."""

    message: outbox.Claimed
    service_url: str | None
    slot: float
    started: bool = False
    lost: bool = False  # the lease was passed on (renewal found it gone): never send


@dataclass
class _Observer:
    """What the worker reports (bot/metrics.py implements it); the default does nothing."""

    sent: Callable[[int | None], None] = lambda status: None
    throttled: Callable[[str], None] = lambda tenant_id: None


class OutboxWorker:
    def __init__(self, db: Database, sender: ProactiveSender, clock: Clock, config: DialogConfig,
                 policy: OutboxPolicy = OutboxPolicy(), *, rng: random.Random | None = None,
                 observer: _Observer | None = None) -> None:
        self._db = db
        self._sender = sender
        self._clock = clock
        self._config = config
        self.policy = policy
        self._rng = rng or random.Random()
        self._observer = observer or _Observer()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._renewer: asyncio.Task | None = None
        self._stopping = False
        self._passes_running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._flights: dict[int, _Flight] = {}
        self._unstarted: list[_Flight] = []
        self._send_limit = asyncio.Semaphore(policy.concurrency)
        self._tasks: dict[int, asyncio.Task] = {}
        self._task_done = asyncio.Event()
        # Pauses this process learnt of from a 429 (epoch seconds), its own or read from the shared pace.
        self._paused: dict[str, float] = {}
        # Per tenant: the send slots this instance reserved and has not used (sorted), and a FIFO lock that
        # hands them to waiting sends one at a time, in claim order.
        self._slots: dict[str, list[float]] = defaultdict(list)
        self._slot_turn: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._wanting: dict[str, int] = defaultdict(int)  # sends waiting for a slot, per tenant
        # Per tenant: no send of this instance before this moment, after a slow answer (_timed_send), and
        # until when slow answers hold sends (a while after a 429); the last answers' times.
        self._held: dict[str, float] = {}
        self._guard_until: dict[str, float] = {}
        self._answer_times: deque[float] = deque(maxlen=100)
        self._watcher: asyncio.Task | None = None
        # Slots given up because their send would have left too late or inside a pause (for the bench).
        self.slots_given_up = 0

    # ---- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name="outbox-worker")
        self._renewer = loop.create_task(self._renew_forever(), name="outbox-lease-renewal")
        self._watcher = loop.create_task(self._watch_pauses(), name="outbox-pause-watch")

    async def stop(self) -> None:
        """Stops claiming, lets sends under way finish (bounded), hands back claims never started."""
        self._stopping = True
        self._wake.set()
        # A claim under way finishes first, so that its rows are handed back too rather than left claimed
        # until their lease ends (with a claim per slot at a low rate, stop() often came mid-claim).
        try:
            await asyncio.wait_for(self._idle.wait(), self.policy.drain_timeout)
        except TimeoutError:
            pass
        waiting = [task for message_id, task in self._tasks.items()
                   if not getattr(self._flights.get(message_id), "started", True)]
        for task in waiting:
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks.values()), timeout=self.policy.drain_timeout)
        for task in (self._task, self._renewer, self._watcher):
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._task = self._renewer = self._watcher = None
        await asyncio.to_thread(self._release_unstarted)

    def wake(self) -> None:
        """Called on the event loop after each turn: a turn may just have enqueued something."""
        self._wake.set()

    async def _run(self) -> None:
        """Claims a batch, launches its sends, and claims the next one shortly before the batch's last slot,
        so that sends never wait for a claim (a claim took 50-300 ms of each batch's 0.8 s on a busy machine)."""
        while not self._stopping:
            try:
                flights = await self._launch()
                if flights and len(flights) == self._batch_size:
                    await self._until_next_claim(flights)
                    continue  # more may be due right now
                wait = await asyncio.to_thread(self._seconds_until_due)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database was away, say: log, wait, try again; never die
                log.exception("outbox worker pass failed; retrying after the poll interval")
                wait = self.policy.poll_interval
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                pass
            self._wake.clear()

    async def _until_next_claim(self, flights: list[_Flight]) -> None:
        """Sleeps until `claim_ahead` before the batch's last slot, and while too many sends are in flight."""
        last_slot = max(flight.slot for flight in flights)
        await asyncio.sleep(max(0.0, last_slot - self._pace_now() - self.policy.claim_ahead))
        while len(self._tasks) >= 2 * self._batch_size and not self._stopping:
            # An event rather than asyncio.wait over every task: that cost O(tasks) per send at a high rate.
            self._task_done.clear()
            await self._task_done.wait()

    def _seconds_until_due(self) -> float:
        """Until the next retry or lease end (a dead instance's rows), at most the poll interval."""
        with self._db.session() as session:
            due = outbox.next_due_at(session)
        if due is None:
            return self.policy.poll_interval
        return min(self.policy.poll_interval, max(0.0, (due - self._clock.now()).total_seconds()) + 0.05)

    async def _renew_forever(self) -> None:
        interval = self.policy.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self._renew)
            except Exception:
                log.exception("outbox lease renewal failed; claims may pass to another instance")

    async def _watch_pauses(self) -> None:
        """Reads the shared pause of every tenant this instance has sends waiting for, every `pause_check`."""
        while True:
            await asyncio.sleep(self.policy.pause_check)
            tenants = {f.message.tenant_id for f in list(self._flights.values()) if not f.started}
            if not tenants:
                continue
            try:
                pauses = await asyncio.to_thread(self._read_pauses, tenants)
            except Exception:
                log.exception("outbox: reading the tenants' pauses failed")
                continue
            for tenant_id, until in pauses.items():
                if until > self._paused.get(tenant_id, 0.0):
                    self._paused[tenant_id] = until
                    if until > self._pace_now():
                        self._guard(tenant_id)

    def _read_pauses(self, tenants: set[str]) -> dict[str, float]:
        with self._db.session() as session:
            return outbox.tenant_pauses(session, tenant_ids=tenants)

    def _renew(self) -> None:
        by_token: dict[str, list[int]] = defaultdict(list)
        for flight in list(self._flights.values()):
            by_token[flight.message.token].append(flight.message.id)
        if not by_token:
            return
        until = self._clock.now() + self.policy.lease
        with self._db.session() as session:
            for token, ids in by_token.items():
                held = outbox.renew_leases(session, ids=ids, token=token, until=until)
                for message_id in set(ids) - held:
                    flight = self._flights.get(message_id)
                    # A started flight may just have recorded its outcome (which clears the claim).
                    if flight is not None and not flight.lost and not flight.started:
                        flight.lost = True
                        log.warning("outbox message %s: claim passed to another worker; not sending", message_id)

    def _release_unstarted(self) -> None:
        unstarted = self._unstarted + [f for f in self._flights.values() if not f.started]
        self._unstarted = []
        by_token: dict[str, list[int]] = defaultdict(list)
        for flight in unstarted:
            by_token[flight.message.token].append(flight.message.id)
        if not by_token:
            return
        with self._db.session() as session:
            released = sum(outbox.release_claims(session, ids=ids, token=token) for token, ids in by_token.items())
        log.info("outbox: %s claimed messages handed back for another instance", released)

    # ---- one pass ----------------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claims and sends what is due now, and waits for those sends; returns how many it handled."""
        flights = await self._launch()
        await asyncio.gather(*(self._tasks[f.message.id] for f in flights if f.message.id in self._tasks),
                             return_exceptions=True)
        return len(flights)

    async def _launch(self) -> list[_Flight]:
        """Claims what is due now and starts each send as a task (it waits for its slot)."""
        if self._stopping:
            return []
        self._passes_running += 1
        self._idle.clear()
        try:
            flights, slots = await asyncio.to_thread(self._claim, self._clock.now())
            loop = asyncio.get_running_loop()
            for tenant_id, tenant_slots in slots.items() if self._gap else ():
                self._add_slots(tenant_id, tenant_slots)
            for flight in flights:
                self._flights[flight.message.id] = flight
                self._tasks[flight.message.id] = loop.create_task(self._fly(flight, self._send_limit))
            return flights
        finally:
            self._passes_running -= 1
            if not self._passes_running:
                self._idle.set()

    async def _fly(self, flight: _Flight, limit: asyncio.Semaphore) -> None:
        try:
            await self._deliver(flight, limit)
        except asyncio.CancelledError:
            if not flight.started:
                self._unstarted.append(flight)
            raise
        finally:
            self._flights.pop(flight.message.id, None)
            self._tasks.pop(flight.message.id, None)
            self._task_done.set()

    async def drain(self) -> None:
        """Until nothing is due: waits for claims and sends in progress, then sends what is left (tests)."""
        while True:
            await self._idle.wait()
            while self._tasks:
                await asyncio.wait(list(self._tasks.values()))
            if not await self.run_once() and not self._passes_running and not self._tasks:
                return

    def _claim(self, now: datetime) -> tuple[list[_Flight], dict[str, list[float]]]:
        """Claims due rows and reserves their slots: one per Teams call (two for a person without a chat:
        the chat is created, then the message sent). Returns the flights and the slots per tenant."""
        with self._db.session() as session:
            claimed = outbox.claim_due(session, now=now, limit=self._batch_size, lease=self.policy.lease)
            service_urls: dict[str, str | None] = {}
            per_tenant: dict[str, int] = defaultdict(int)
            for message in claimed:
                if message.conversation_reference is None and message.tenant_id not in service_urls:
                    service_urls[message.tenant_id] = latest_service_url(session, message.tenant_id)
                per_tenant[message.tenant_id] += _calls(message)
            # One reservation per tenant per batch: consecutive slots, after every other instance's.
            first_slot = {tenant_id: self._reserve(session, tenant_id, count) for tenant_id, count in per_tenant.items()}
        gap = self._gap
        flights, taken = [], defaultdict(int)
        slots: dict[str, list[float]] = {}
        for message in claimed:
            first = first_slot[message.tenant_id] + taken[message.tenant_id] * gap
            taken[message.tenant_id] += _calls(message)
            flights.append(_Flight(message, message.service_url or service_urls.get(message.tenant_id), first))
        for tenant_id, count in per_tenant.items():
            slots[tenant_id] = [first_slot[tenant_id] + n * gap for n in range(count)]
        return flights, slots

    @property
    def _batch_size(self) -> int:
        if self.policy.per_tenant_per_second <= 0:
            return self.policy.batch_size
        return max(1, min(self.policy.batch_size, math.ceil(self._paced_rate * self.policy.claim_seconds)))

    @property
    def _paced_rate(self) -> float:
        return self.policy.per_tenant_per_second / (1 + self.policy.pace_headroom)

    @property
    def _gap(self) -> float:
        return 1.0 / self._paced_rate if self.policy.per_tenant_per_second > 0 else 0.0

    def _pace_now(self) -> float:
        # The app's clock, so tests that move time move the pace and Retry-After pauses with it.
        return self._clock.now().timestamp()

    def _reserve(self, session, tenant_id: str, count: int) -> float:
        if not self._gap:
            return 0.0
        return outbox.reserve_send_slots(session, tenant_id=tenant_id, count=count, per_second=self._paced_rate,
                                         now=self._pace_now() + self.policy.reserve_lead)

    def _reserve_more(self, tenant_id: str, count: int) -> list[float]:
        with self._db.session() as session:
            first = self._reserve(session, tenant_id, count)
        return [first + n * self._gap for n in range(count)]

    def _add_slots(self, tenant_id: str, slots: list[float]) -> None:
        pool = self._slots[tenant_id]
        pool.extend(slots)
        pool.sort()  # two reservations may come back out of order (each in its own thread)

    def _usable(self, tenant_id: str, slot: float) -> bool:
        """A slot a send may still take: not inside a pause, and not so far gone that the send would be late."""
        return (self._paused.get(tenant_id, 0.0) <= slot and self._held.get(tenant_id, 0.0) <= slot
                and (not self._gap or slot >= self._pace_now() - self.policy.late_tolerance))

    async def _wait_for_slot(self, flight: _Flight, calls: int = 1) -> None:
        """Takes the tenant's next usable slots this instance holds (one per Teams call; reserving more when
        too few are left), in claim order, and sleeps until it may leave: at its slot, or for two calls (a
        chat created, then the message) halfway between its two. Slots passed by too long, or inside a
        429's pause, are given up."""
        tenant_id = flight.message.tenant_id
        if not self._gap:
            return
        self._wanting[tenant_id] += calls
        try:
            await self._take_slot(flight, tenant_id, calls)
        finally:
            self._wanting[tenant_id] -= calls

    async def _take_slot(self, flight: _Flight, tenant_id: str, calls: int) -> None:
        async with self._slot_turn[tenant_id]:
            pool = self._slots[tenant_id]
            while True:
                while pool and not self._usable(tenant_id, pool[0]):
                    pool.pop(0)
                    self.slots_given_up += 1
                if len(pool) < calls:
                    # Every send in line needs its slots; the claims' own slots are gone (given up).
                    self._add_slots(tenant_id, await asyncio.to_thread(self._reserve_more, tenant_id,
                                                                       max(calls, self._wanting[tenant_id])))
                    continue
                taken = [pool.pop(0) for _ in range(calls)]
                flight.slot = (taken[0] + taken[-1]) / 2
                delay = flight.slot - self._pace_now()
                if delay > 0:
                    await asyncio.sleep(delay)
                if self._usable(tenant_id, flight.slot):
                    return
                self.slots_given_up += 1  # a 429 or a slow answer was heard while it waited

    async def _deliver(self, flight: _Flight, limit: asyncio.Semaphore) -> None:
        message = flight.message
        recipient = self._recipient(message, flight.service_url)
        calls = _calls(message)
        if recipient is None:
            await self._record(outbox.mark_retry, message,
                               at=self._retry_at(message, self.policy.unaddressable_retry), attempts=message.attempts,
                               error="no address yet: no chat with the person, and no AAD object id or service URL")
            return
        if message.respect_quiet_hours:
            allowed = self._retry_at(message, timedelta(0))
            if allowed > self._clock.now():
                # Claimed late (the worker was down over a weekend, say): quiet hours still hold.
                await self._record(outbox.mark_retry, message, at=allowed, attempts=message.attempts,
                                   error="held for quiet hours")
                return
        while True:
            await self._wait_for_slot(flight, calls)
            async with limit:
                if flight.lost:
                    return  # passed on to another worker, which sends it
                if self._stopping:
                    self._unstarted.append(flight)  # stop() hands the claim back
                    return
                if not self._gap or self._usable(message.tenant_id, flight.slot):
                    flight.started = True
                    await self._send(flight, recipient)
                    return
            # A 429 arrived while this send waited for a free sender, or it waited too long: sent now, it
            # would be refused too or leave late. It takes the next slot.
            self.slots_given_up += 1

    async def _send(self, flight: _Flight, recipient: Recipient) -> None:
        message = flight.message
        card = address_card(message.card, message.person_id)
        try:
            delivered = await self._timed_send(message.tenant_id, recipient, card)
        except DeliveryFailed as failure:
            self._observer.sent(failure.status)
            if failure.kind == "gone" and recipient.conversation_reference is not None:
                await self._chat_gone(flight, recipient, card, failure)
                return
            await self._failed(message, failure)
            return
        except Exception as error:  # network errors from requests/msrest: treat like a 5xx
            self._observer.sent(None)
            await self._failed(message, DeliveryFailed("failed", None, None, f"{type(error).__name__}: {error}"))
            return
        self._observer.sent(201)
        created = recipient.conversation_reference is None
        await asyncio.to_thread(self._sent, message, delivered.activity_id,
                                delivered.conversation_reference if created else None)
        log.info("outbox message %s (%s) delivered to person %s", message.id, message.campaign, message.person_id)

    async def _chat_gone(self, flight: _Flight, recipient: Recipient, card: dict, failure: DeliveryFailed) -> None:
        """The stored chat is gone (404): forget it and create the 1:1 chat once more, now; a second 404
        means Teams does not know the person any more."""
        message = flight.message
        await asyncio.to_thread(self._forget_chat, message.person_id)
        if not (message.aad_object_id and recipient.service_url):
            await self._failed(message, failure)
            return
        retry = Recipient(message.tenant_id, message.aad_object_id, recipient.service_url)
        await self._wait_for_slot(flight, 2)  # the chat created again, then the message
        try:
            delivered = await self._timed_send(message.tenant_id, retry, card)
        except DeliveryFailed as second:
            self._observer.sent(second.status)
            await self._failed(message, second)
            return
        except Exception as error:
            self._observer.sent(None)
            await self._failed(message, DeliveryFailed("failed", None, None, f"{type(error).__name__}: {error}"))
            return
        self._observer.sent(201)
        await asyncio.to_thread(self._sent, message, delivered.activity_id, delivered.conversation_reference)
        log.info("outbox message %s delivered to person %s in a new chat", message.id, message.person_id)

    async def _timed_send(self, tenant_id: str, recipient: Recipient, card: dict) -> Delivered:
        """Sends, and when the answer was unusually slow while the tenant's bunch guard is on, holds this
        instance's next sends to the tenant: the sends that left while this one waited may have reached
        Teams together (a stall on the way, or at Teams' door), and Teams counts them in one sliding second.
        Holding for as long as the answer was later than usual, beyond what the headroom absorbs, gives
        back to that second what the bunch took from it (a few slots instead of a 429's whole second)."""
        sent_at = self._pace_now()
        try:
            return await self._sender.send_card(recipient, card)
        finally:
            answered_at = self._pace_now()
            self._note_answer(tenant_id, sent_at, answered_at)

    def _note_answer(self, tenant_id: str, sent_at: float, answered_at: float) -> None:
        took = answered_at - sent_at
        usual = self._usual_answer()
        self._answer_times.append(took)
        if usual is None or not self._gap or self._guard_until.get(tenant_id, 0.0) < answered_at:
            return
        late = took - usual - max(0.0, self.policy.pace_headroom - self.policy.late_tolerance)
        if late > 0:
            self._held[tenant_id] = max(self._held.get(tenant_id, 0.0), answered_at + late)

    def _usual_answer(self) -> float | None:
        """The 90th percentile of the last answers' times: slower than that is a stall, not Teams' usual."""
        if len(self._answer_times) < 20:
            return None
        ordered = sorted(self._answer_times)
        return ordered[int(0.9 * (len(ordered) - 1))]

    def _guard(self, tenant_id: str) -> None:
        """Teams answered 429 (here or in another instance): it counts bunches, so guard against them."""
        self._guard_until[tenant_id] = self._pace_now() + self.policy.bunch_guard_seconds

    def _recipient(self, message: outbox.Claimed, service_url: str | None) -> Recipient | None:
        if message.conversation_reference:
            user_id = message.teams_user_id or message.aad_object_id or ""
            url = message.conversation_reference.get("serviceUrl") or service_url or ""
            return Recipient(message.tenant_id, user_id, url, message.conversation_reference)
        if message.aad_object_id and service_url:
            return Recipient(message.tenant_id, message.aad_object_id, service_url)
        return None

    def _sent(self, message: outbox.Claimed, activity_id: str | None, new_reference: dict | None) -> None:
        with self._db.session() as session:
            if outbox.mark_sent(session, message.id, token=message.token, now=self._clock.now(),
                                activity_id=activity_id, attempts=message.attempts + 1) and new_reference:
                outbox.remember_conversation(session, message.person_id, new_reference)

    def _forget_chat(self, person_id: int) -> None:
        with self._db.session() as session:
            forget_conversation(session, person_id)

    async def _failed(self, message: outbox.Claimed, failure: DeliveryFailed) -> None:
        error = str(failure)
        attempts = message.attempts + 1
        if failure.kind == "throttled":
            wait = failure.retry_after if failure.retry_after is not None else backoff_seconds(
                attempts, self.policy, self._rng)
            log.info("outbox message %s throttled; tenant paused, retrying in %.1f s", message.id, wait)
            self._observer.throttled(message.tenant_id)
            until = self._pace_now() + wait
            self._paused[message.tenant_id] = max(self._paused.get(message.tenant_id, 0.0), until)
            self._guard(message.tenant_id)
            await asyncio.to_thread(self._throttled, message, until,
                                    self._retry_at(message, timedelta(seconds=wait)), attempts, error)
            return
        if failure.kind == "gone":
            log.warning("outbox message %s: person %s is not reachable (%s)", message.id, message.person_id, error)
            await self._record(outbox.mark_unreachable, message, attempts=attempts, error=error)
            return
        if failure.kind == "blocked":
            log.warning("outbox message %s: person %s blocked the app (%s)", message.id, message.person_id, error)
            await self._record(outbox.mark_blocked, message, attempts=attempts, error=error)
            return
        if attempts >= self.policy.max_attempts:
            log.error("outbox message %s failed for good after %s attempts: %s", message.id, attempts, error)
            await self._record(outbox.mark_failed, message, attempts=attempts, error=error)
            return
        wait = backoff_seconds(attempts, self.policy, self._rng)
        log.info("outbox message %s failed (%s); attempt %s, retrying in %.1f s", message.id, error, attempts, wait)
        await self._record(outbox.mark_retry, message, at=self._retry_at(message, timedelta(seconds=wait)),
                           attempts=attempts, error=error)

    def _throttled(self, message: outbox.Claimed, until: float, at: datetime, attempts: int, error: str) -> None:
        with self._db.session() as session:
            outbox.pause_tenant(session, tenant_id=message.tenant_id, until=until)
            outbox.mark_retry(session, message.id, token=message.token, at=at, attempts=attempts, error=error,
                              throttled=True)

    def _retry_at(self, message: outbox.Claimed, wait: timedelta) -> datetime:
        at = max(self._clock.now() + wait, message.not_before)
        if message.respect_quiet_hours:
            at = self._config.next_sending_moment(at)
        return at

    async def _record(self, mark, message: outbox.Claimed, **values) -> None:
        def write() -> None:
            with self._db.session() as session:
                mark(session, message.id, token=message.token, **values)

        await asyncio.to_thread(write)
