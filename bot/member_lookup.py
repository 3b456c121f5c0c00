"""Asks Teams for the e-mail and UPN of a person we cannot link to the directory yet, once.

Off the hot path: a person whose e-mail is on record (Person.email) is never looked up again, and this
process remembers whom it has settled so that it does not even ask the database twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from dialogs.turn import Request
from store.db import Database
from store.directory import needs_member_lookup

log = logging.getLogger(__name__)


class MemberLookup:
    def __init__(self, db: Database, *, remember: int = 10_000) -> None:
        self._db = db
        self._remember = remember
        self._settled: set[tuple[str, str]] = set()

    async def enrich(self, turn_context: TurnContext, request: Request) -> Request:
        """The request, with the sender's e-mail and UPN from Teams when we do not know them yet."""
        sender = request.sender
        key = (sender.tenant_id, sender.teams_user_id)
        if key in self._settled:
            return request
        if not await asyncio.to_thread(self._needs_lookup, request):
            self._settle(key)
            return request
        try:
            member = await TeamsInfo.get_member(turn_context, sender.teams_user_id)
        except Exception as error:  # Teams may refuse (guest, throttled); the turn goes on without it
            log.warning("member lookup for %s failed: %s: %s", sender.teams_user_id, type(error).__name__, error)
            self._settle(key)
            return request
        self._settle(key)
        email = getattr(member, "email", None)
        upn = getattr(member, "user_principal_name", None)
        if not email and not upn:
            return request
        return replace(request, sender=replace(sender, email=email, upn=upn))

    def _needs_lookup(self, request: Request) -> bool:
        sender = request.sender
        with self._db.session() as session:
            return needs_member_lookup(session, tenant_id=sender.tenant_id, teams_user_id=sender.teams_user_id,
                                       aad_object_id=sender.aad_object_id)

    def _settle(self, key: tuple[str, str]) -> None:
        if len(self._settled) >= self._remember:
            self._settled.clear()  # crude but bounded; a cleared entry costs one indexed query
        self._settled.add(key)
