"""One scheduler at a time: the instance holding a PostgreSQL session-level advisory lock leads.

APScheduler 3 must never share a job store between schedulers, so only the leader runs one. The lock lives
on a connection the leader keeps for as long as it leads: when the process dies (kill -9 included)
PostgreSQL closes the session and frees the lock, and another instance, trying every `retry_every`
seconds, takes over. The leader checks its connection as often; if it is lost, it stops its scheduler
before anyone else can lead. On SQLite there is one instance, and it leads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

# Distinct from the per-job transaction locks in scheduler.jobs.LOCK_KEYS.
LEADER_LOCK_KEY = 0x4B4C_0400


class LeaderElection:
    def __init__(self, engine: Engine, *, on_elected: Callable[[], None], on_deposed: Callable[[], None],
                 retry_every: float = 2.0, key: int = LEADER_LOCK_KEY) -> None:
        self._engine = engine
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._retry_every = retry_every
        self._key = key
        self._connection: Connection | None = None
        self._task: asyncio.Task | None = None
        self.leading = False

    @property
    def _postgres(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    def start(self) -> None:
        if not self._postgres:
            self._elected()
            return
        self._task = asyncio.get_running_loop().create_task(self._campaign(), name="scheduler-leader-election")

    async def stop(self) -> None:
        """Gives up leadership: stops the scheduler first, then frees the lock for another instance."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self.leading:
            self._deposed()
        await asyncio.to_thread(self._release)

    async def _campaign(self) -> None:
        while True:
            try:
                if not self.leading:
                    if await asyncio.to_thread(self._try_acquire):
                        self._elected()
                elif not await asyncio.to_thread(self._still_holding):
                    log.error("lost the scheduler leader's database session; stepping down")
                    self._deposed()
                    await asyncio.to_thread(self._release)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler leader election failed; trying again")
            await asyncio.sleep(self._retry_every)

    def _elected(self) -> None:
        self.leading = True
        log.info("this instance leads: it runs the scheduler")
        self._on_elected()

    def _deposed(self) -> None:
        self.leading = False
        self._on_deposed()

    def _try_acquire(self) -> bool:
        if self._connection is None:
            self._connection = self._engine.connect()
        got = bool(self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar())
        # A session-level lock outlives the transaction; ending it keeps the session from idling in one.
        self._connection.commit()
        if not got:
            self._release()
        return got

    def _still_holding(self) -> bool:
        try:
            self._connection.execute(text("SELECT 1")).scalar()
            self._connection.commit()
            return True
        except Exception:
            return False

    def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock_all()"))
            connection.commit()
            connection.close()
        except Exception:
            connection.invalidate()  # the session is gone, and the lock with it
