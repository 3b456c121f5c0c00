"""One turn at a time per person in this process: Teams sends the two install events, and a double click its
two invokes, at the same moment; serialising them keeps one person row and one greeting without retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class SenderLocks:
    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            # Forget the lock with its last user, so the map does not grow with every person ever seen.
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
