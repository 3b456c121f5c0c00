"""Delivers the outbox: claims due messages, sends each through the ProactiveSender, records the outcome.

Teams' answers decide what happens next: 429 waits as long as Retry-After says (or backs off
exponentially with jitter), 403/404 mark the person unreachable and forget the dead chat, other failures
retry with backoff until the last attempt. Quiet hours hold retries too. Several instances may run this
against one PostgreSQL: claims never overlap (store.outbox.claim_due).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.proactive import DeliveryFailed, ProactiveSender, Recipient
from cards.address import address_card
from dialogs.clock import Clock
from dialogs.config import DialogConfig
from store import outbox
from store.db import Database
from store.people import forget_conversation, latest_service_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxPolicy:
    poll_interval: float = 5.0  # seconds between looks when nobody wakes the worker
    batch_size: int = 20
    concurrency: int = 4
    # Sends tried; a message that still fails (5xx, network) on the last one is given up. Throttling never
    # gives up: Teams says when to come back.
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 3600.0
    # Person we cannot address yet (no chat, no AAD object id, or no service URL for the tenant).
    unaddressable_retry: timedelta = timedelta(hours=1)
    lease: timedelta = outbox.LEASE
    # Below Teams' 50 requests per second per app and tenant, leaving room for replies to turns.
    per_tenant_per_second: float = 30.0


def backoff_seconds(attempt: int, policy: OutboxPolicy, rng: random.Random) -> float:
    """Full jitter: uniform in [base, base * 2^(attempt-1)], capped; attempt counts from 1."""
    ceiling = min(policy.backoff_cap, policy.backoff_base * 2 ** max(0, attempt - 1))
    return rng.uniform(min(policy.backoff_base, ceiling), ceiling)


class _TenantPacer:
    """Spaces sends to one tenant at least 1/rate apart, across this worker's concurrent sends."""

    def __init__(self, per_second: float) -> None:
        self._gap = 1.0 / per_second if per_second > 0 else 0.0
        self._next: dict[str, float] = {}

    async def wait(self, tenant_id: str) -> None:
        if not self._gap:
            return
        loop = asyncio.get_running_loop()
        slot = max(loop.time(), self._next.get(tenant_id, 0.0))
        self._next[tenant_id] = slot + self._gap
        delay = slot - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)


class OutboxWorker:
    def __init__(self, db: Database, sender: ProactiveSender, clock: Clock, config: DialogConfig,
                 policy: OutboxPolicy = OutboxPolicy(), *, rng: random.Random | None = None) -> None:
        self._db = db
        self._sender = sender
        self._clock = clock
        self._config = config
        self.policy = policy
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._pacer = _TenantPacer(policy.per_tenant_per_second)
        self._stopping = False
        self._passes_running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # ---- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def wake(self) -> None:
        """Called on the event loop after each turn: a turn may just have enqueued something."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                processed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database was away, say: log, wait, try again; never die
                log.exception("outbox worker pass failed; retrying after the poll interval")
                processed = 0
            if processed >= self.policy.batch_size:
                continue  # more may be due right now
            try:
                await asyncio.wait_for(self._wake.wait(), self.policy.poll_interval)
            except TimeoutError:
                pass
            self._wake.clear()

    # ---- one pass ----------------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claims and sends what is due now; returns how many messages it handled."""
        self._passes_running += 1
        self._idle.clear()
        try:
            claimed = await asyncio.to_thread(self._claim, self._clock.now())
            if not claimed:
                return 0
            limit = asyncio.Semaphore(self.policy.concurrency)

            async def deliver(message) -> None:
                async with limit:
                    await self._deliver(message)

            await asyncio.gather(*(deliver(message) for message in claimed))
            return len(claimed)
        finally:
            self._passes_running -= 1
            if not self._passes_running:
                self._idle.set()

    async def drain(self) -> None:
        """Until nothing is due: waits for passes in progress, then sends what is left (tests, shutdown)."""
        while True:
            await self._idle.wait()
            if not await self.run_once() and not self._passes_running:
                return

    def _claim(self, now: datetime) -> list[tuple[outbox.Claimed, str | None]]:
        with self._db.session() as session:
            claimed = outbox.claim_due(session, now=now, limit=self.policy.batch_size, lease=self.policy.lease)
            service_urls: dict[str, str | None] = {}
            result = []
            for message in claimed:
                if message.conversation_reference is None and message.tenant_id not in service_urls:
                    service_urls[message.tenant_id] = latest_service_url(session, message.tenant_id)
                result.append((message, message.service_url or service_urls.get(message.tenant_id)))
            return result

    async def _deliver(self, item: tuple[outbox.Claimed, str | None]) -> None:
        message, service_url = item
        recipient = self._recipient(message, service_url)
        if recipient is None:
            await self._record(outbox.mark_retry, message.id,
                               at=self._retry_at(message, self.policy.unaddressable_retry), attempts=message.attempts,
                               error="no address yet: no chat with the person, and no AAD object id or service URL")
            return
        if message.respect_quiet_hours:
            allowed = self._retry_at(message, timedelta(0))
            if allowed > self._clock.now():
                # Claimed late (the worker was down over a weekend, say): quiet hours still hold.
                await self._record(outbox.mark_retry, message.id, at=allowed, attempts=message.attempts,
                                   error="held for quiet hours")
                return
        card = address_card(message.card, message.person_id)
        await self._pacer.wait(message.tenant_id)
        try:
            delivered = await self._sender.send_card(recipient, card)
        except DeliveryFailed as failure:
            await self._failed(message, failure, used_reference=recipient.conversation_reference is not None)
            return
        except Exception as error:  # network errors from requests/msrest: treat like a 5xx
            await self._failed(message, DeliveryFailed("failed", None, None, f"{type(error).__name__}: {error}"),
                               used_reference=recipient.conversation_reference is not None)
            return
        created = recipient.conversation_reference is None
        await asyncio.to_thread(self._sent, message, delivered.activity_id,
                                delivered.conversation_reference if created else None)
        log.info("outbox message %s (%s) delivered to person %s", message.id, message.campaign, message.person_id)

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
            if outbox.mark_sent(session, message.id, now=self._clock.now(), activity_id=activity_id,
                                attempts=message.attempts + 1) and new_reference:
                outbox.remember_conversation(session, message.person_id, new_reference)

    async def _failed(self, message: outbox.Claimed, failure: DeliveryFailed, *, used_reference: bool) -> None:
        error = str(failure)
        attempts = message.attempts + 1
        if failure.kind == "throttled":
            wait = failure.retry_after if failure.retry_after is not None else backoff_seconds(
                attempts, self.policy, self._rng)
            log.info("outbox message %s throttled; retrying in %.1f s", message.id, wait)
            await self._record(outbox.mark_retry, message.id, at=self._retry_at(message, timedelta(seconds=wait)),
                               attempts=attempts, error=error)
            return
        if failure.kind == "gone":
            log.warning("outbox message %s: person %s is unreachable (%s)", message.id, message.person_id, error)
            await asyncio.to_thread(self._unreachable, message, attempts, error, used_reference)
            return
        if attempts >= self.policy.max_attempts:
            log.error("outbox message %s failed for good after %s attempts: %s", message.id, attempts, error)
            await self._record(outbox.mark_failed, message.id, attempts=attempts, error=error)
            return
        wait = backoff_seconds(attempts, self.policy, self._rng)
        log.info("outbox message %s failed (%s); attempt %s, retrying in %.1f s", message.id, error, attempts, wait)
        await self._record(outbox.mark_retry, message.id, at=self._retry_at(message, timedelta(seconds=wait)),
                           attempts=attempts, error=error)

    def _unreachable(self, message: outbox.Claimed, attempts: int, error: str, used_reference: bool) -> None:
        with self._db.session() as session:
            outbox.mark_unreachable(session, message.id, attempts=attempts, error=error)
            if used_reference:
                # The chat is gone (deleted, app removed): the next message must create a new one.
                forget_conversation(session, message.person_id)

    def _retry_at(self, message: outbox.Claimed, wait: timedelta) -> datetime:
        at = max(self._clock.now() + wait, message.not_before)
        if message.respect_quiet_hours:
            at = self._config.next_sending_moment(at)
        return at

    async def _record(self, mark, message_id: int, **values) -> None:
        def write() -> None:
            with self._db.session() as session:
                mark(session, message_id, **values)

        await asyncio.to_thread(write)
