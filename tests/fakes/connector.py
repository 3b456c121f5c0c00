"""A fake of Teams' Bot Framework v3 connector on 127.0.0.1, in its own thread, recording what the bot sends.

Point an activity's serviceUrl at `FakeTeamsConnector.base_url`; the SDK's replies (msrest + requests in a
thread executor) then arrive here. Errors carry Teams' bodies: {"error": {"code": ..., "message": ...}}.

Like Teams where it matters: with `bot_token` set (a bot with an app id) a request without exactly that bearer
token gets 401; a message to a conversation it never created or was told of (`register`, `add_member`, a
created chat) gets 404 ConversationNotFound; with `enforce_teams_limits` the per-conversation and per-tenant
rate limits answer 429 with Retry-After. Time for the limits is `clock()` plus what `advance()` added, so a test
can pace a person's clicks without sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .activities import TeamsUser, new_message_id, new_personal_conversation_id

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
# Teams documents about 100 KB as the largest message (older docs: 40 KB).
TEAMS_MAX_MESSAGE_BYTES = 100 * 1024

Waitable = int | Callable[[list[dict[str, Any]]], Any]
_JSON_BODY = web.RequestKey("fake_connector_json_body", object)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    conversation_id: str | None
    body: Any
    status: int
    at: float
    authorization: str | None
    raw: bytes = b""  # the body exactly as sent: its size is what Teams' limit counts


@dataclass
class KnownUser:
    aad_object_id: str
    teams_id: str
    name: str
    email: str
    tenant_id: str
    conversation_id: str
    installed: bool = True

    def to_json(self) -> dict[str, Any]:
        given_name, _, surname = self.name.partition(" ")
        return {
            "id": self.teams_id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": given_name,
            "surname": surname,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": self.tenant_id,
            "userRole": "user",
        }


class TeamsRateLimiter:
    """Teams' documented limits as sliding windows: per bot per conversation, and per app per tenant."""

    PER_CONVERSATION: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))

    def __init__(self, tenant_requests_per_second: int | None = 50) -> None:
        self._tenant_limit = tenant_requests_per_second
        self._by_conversation: dict[str, list[float]] = {}
        self._by_tenant: dict[str, deque[float]] = {}

    def admit(self, now: float, *, conversation_id: str | None, tenant_id: str | None) -> float | None:
        """Record the request and return None, or return how many seconds to wait and record nothing."""
        waits = []
        sent = self._by_conversation.setdefault(conversation_id, []) if conversation_id else None
        if sent is not None:
            del sent[: bisect.bisect_right(sent, now - self.PER_CONVERSATION[-1][1])]
            for limit, window in self.PER_CONVERSATION:
                in_window = sent[bisect.bisect_right(sent, now - window):]
                if len(in_window) >= limit:
                    waits.append(in_window[-limit] + window - now)
        tenant = self._by_tenant.setdefault(tenant_id or "", deque()) if self._tenant_limit else None
        if tenant is not None:
            while tenant and tenant[0] <= now - 1.0:
                tenant.popleft()
            if len(tenant) >= self._tenant_limit:
                waits.append(tenant[-self._tenant_limit] + 1.0 - now)
        if waits:
            return max(waits)
        if sent is not None:
            sent.append(now)
        if tenant is not None:
            tenant.append(now)
        return None


class _Reply(Exception):
    """Ends request handling with a Teams-shaped response."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, {"error": {"code": code, "message": message}}, headers)


_FAILURE_CODES = {
    412: "PreconditionFailed", 500: "InternalServerError", 502: "ServiceError",
    503: "ServiceUnavailable", 504: "GatewayTimeout",
}


@dataclass
class _Accepted:
    kind: str
    conversation_id: str
    activity_id: str
    body: dict[str, Any]
    at: float

    def as_activity(self) -> dict[str, Any]:
        return {**self.body, "id": self.activity_id, "_kind": self.kind, "_conversation_id": self.conversation_id}


@dataclass
class _Faults:
    throttle: deque[float] = field(default_factory=deque)
    failures: deque[int] = field(default_factory=deque)
    random: random.Random = field(default_factory=lambda: random.Random(0))
    throttle_probability: float = 0.0
    failure_probability: float = 0.0
    retry_after: float = 1
    failure_status: int = 502

    def next_refusal(self) -> _Reply | None:
        if self.throttle:
            return _throttled(self.throttle.popleft())
        if self.failures:
            return _failure(self.failures.popleft())
        draw = self.random.random() if self.throttle_probability or self.failure_probability else 1.0
        if draw < self.throttle_probability:
            return _throttled(self.retry_after)
        if draw < self.throttle_probability + self.failure_probability:
            return _failure(self.failure_status)
        return None


class FakeTeamsConnector:
    """Teams' connector for one bot: conversations, messages, members, throttling and failures on demand."""

    def __init__(
        self,
        *,
        enforce_teams_limits: bool = False,
        tenant_requests_per_second: int | None = 50,
        require_auth_token: bool = False,
        bot_token: str | None = None,
        known_conversations_only: bool = True,
        max_message_bytes: int | None = TEAMS_MAX_MESSAGE_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.require_auth_token = require_auth_token or bot_token is not None
        # The one token Teams would accept from this bot (its app id's); None: any bearer token, if required.
        self.bot_token = bot_token
        self.known_conversations_only = known_conversations_only
        self._advanced = 0.0
        self.max_message_bytes = max_message_bytes
        self._enforce_limits = enforce_teams_limits
        self._tenant_rps = tenant_requests_per_second
        self._clock = clock
        # Reentrant, so that a wait_for predicate may call activities() or cards() while the lock is held.
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._users: dict[str, KnownUser] = {}
        self._conversation_tenants: dict[str, str] = {}
        self._conversation_members: dict[str, list[KnownUser]] = {}
        self._reset_traffic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._gate: asyncio.Event | None = None
        self._held = 0

    # ---- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> "FakeTeamsConnector":
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as error:  # surfaced in start() on the caller's thread
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-teams-connector", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop = self._thread = self._runner = None
        self._port = None

    def __enter__(self) -> "FakeTeamsConnector":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTeamsConnector is not started")
        return f"http://127.0.0.1:{self._port}/"

    async def _open(self) -> None:
        self._gate = asyncio.Event()
        self._gate.set()
        app = web.Application(middlewares=[self._middleware], client_max_size=16 * 1024 * 1024)
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
        app.router.add_get("/v3/conversations/{cid}/members", self._members)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
        # The SDK keeps connections alive across turns; access logs would only add noise and CPU.
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]

    # ---- registry and failure injection ----------------------------------------------------------------

    def add_user(
        self, aad_object_id: str, teams_id: str, name: str, email: str, tenant_id: str, *,
        conversation_id: str | None = None, installed: bool = True,
    ) -> KnownUser:
        """A user Teams knows; `installed=False` models a user who has not got the app (create gives 403)."""
        user = KnownUser(aad_object_id, teams_id, name, email, tenant_id,
                         conversation_id or new_personal_conversation_id(), installed)
        with self._lock:
            self._users[aad_object_id.lower()] = user
            self._users[teams_id] = user
            self._conversation_tenants[user.conversation_id] = tenant_id
            self._conversation_members[user.conversation_id] = [user]
        return user

    def register(self, user: TeamsUser, *, installed: bool = True) -> KnownUser:
        return self.add_user(user.aad_object_id, user.teams_id, user.name, user.email, user.tenant_id,
                             conversation_id=user.conversation_id, installed=installed)

    def add_member(self, conversation_id: str, user_id: str) -> None:
        """Put a known user in a group chat, channel or team (conversation ids as Teams gives them)."""
        with self._lock:
            user = self._users[_user_key(user_id)]
            members = self._conversation_members.setdefault(_thread_id(conversation_id), [])
            if user not in members:
                members.append(user)
            self._conversation_tenants.setdefault(_thread_id(conversation_id), user.tenant_id)

    def delete_conversation(self, conversation_id: str) -> None:
        """As when the user deleted the chat or removed the app: sends then get 404 ConversationNotFound."""
        with self._lock:
            self._deleted.add(conversation_id)

    def throttle_next(self, n: int = 1, retry_after: float = 1) -> None:
        with self._lock:
            self._faults.throttle.extend([retry_after] * n)

    def fail_next(self, n: int = 1, status: int = 502) -> None:
        with self._lock:
            self._faults.failures.extend([status] * n)

    def fail_randomly(self, *, throttle: float = 0.0, fail: float = 0.0, retry_after: float = 1,
                      status: int = 502, seed: int = 0) -> None:
        """From now on refuse that share of POSTs with 429 or `status`, reproducibly for a given seed."""
        with self._lock:
            self._faults.random = random.Random(seed)
            self._faults.throttle_probability, self._faults.failure_probability = throttle, fail
            self._faults.retry_after, self._faults.failure_status = retry_after, status

    def advance(self, seconds: float) -> None:
        """Moves the connector's time on (for its rate limits): a person's pace between clicks, without a sleep."""
        with self._lock:
            self._advanced += seconds

    def _now(self) -> float:
        return self._clock() + self._advanced
    def hold_sends(self) -> None:
        """From now on every message a bot posts (send or reply) waits before Teams accepts it, until
        `release_sends()`; a message whose bot went away meanwhile (killed mid-send) is never accepted."""
        asyncio.run_coroutine_threadsafe(self._set_gate(False), self._loop).result()

    def release_sends(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set_gate(True), self._loop).result()

    async def _set_gate(self, open_: bool) -> None:
        if open_:
            self._gate.set()
        else:
            self._gate.clear()

    def wait_for_held(self, count: int, *, timeout: float = 10.0) -> None:
        """Block until at least `count` messages wait at the gate `hold_sends()` closed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._held < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"waited {timeout:g} s for {count} held messages; {self._held} held")
                self._changed.wait(remaining)

    async def _pass_gate(self, request: web.Request) -> None:
        if self._gate.is_set():
            return
        with self._changed:
            self._held += 1
            self._notify_waiters()
        try:
            await self._gate.wait()
        finally:
            with self._changed:
                self._held -= 1
        if request.transport is None or request.transport.is_closing():
            raise _error(400, "BadArgument", "The client went away before the message was accepted.")

    def reset(self) -> None:
        """Forget traffic, failures and deleted conversations; known users stay."""
        with self._lock:
            self._reset_traffic()

    def _reset_traffic(self) -> None:
        self._requests: list[RecordedRequest] = []
        self._accepted: list[_Accepted] = []
        self._deleted: set[str] = set()
        self._faults = _Faults()
        self._limiter = TeamsRateLimiter(self._tenant_rps)
        # Indexes so that updates and count waits stay cheap when a benchmark sends ten thousand messages.
        self._own_messages: set[tuple[str, str]] = set()
        self._counts: Counter[str | None] = Counter()

    # ---- read helpers for tests ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def accepted_count(self) -> int:
        """How many activities were accepted, without copying them (a bench polls this while sending)."""
        with self._lock:
            return self._counts[None]

    def activities(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Accepted activities in arrival order; each has the assigned "id", "_kind" (send, reply, update,
        delete) and "_conversation_id"."""
        with self._lock:
            return self._activities(conversation_id)

    def _activities(self, conversation_id: str | None) -> list[dict[str, Any]]:
        return [a.as_activity() for a in self._accepted
                if conversation_id is None or a.conversation_id == conversation_id]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [a["text"] for a in self.activities(conversation_id) if a.get("text") and a["_kind"] != "delete"]

    def cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Adaptive Card contents of every accepted send, reply and update, in order."""
        return [card for activity in self.activities(conversation_id) for card in adaptive_cards(activity)]

    def transcript(self, conversation_id: str) -> list[dict[str, Any]]:
        """The chat as the user sees it now: each message in its latest version, deleted ones gone."""
        current: dict[str, dict[str, Any]] = {}
        for activity in self.activities(conversation_id):
            if activity["_kind"] == "delete":
                current.pop(activity["id"], None)
            elif activity["_kind"] == "update" and activity["id"] in current:
                current[activity["id"]] = activity
            elif activity["_kind"] in ("send", "reply"):
                current[activity["id"]] = activity
        return list(current.values())

    def wait_for(self, what: Waitable, *, conversation_id: str | None = None,
                 timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until `what` (a count of activities, or a predicate over them) holds; for bots in another
        thread or process. A bot on the caller's event loop needs `await wait_for_async(...)` instead."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if self._satisfied(what, conversation_id):
                    return self._activities(conversation_id)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(_timeout_message(what, timeout, self._activities(conversation_id)))
                self._changed.wait(remaining)

    async def wait_for_async(self, what: Waitable, *, conversation_id: str | None = None,
                             timeout: float = 5.0) -> list[dict[str, Any]]:
        """Like wait_for, but yields the event loop so a bot running on it can make its proactive sends."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = asyncio.Event()
            waiter = (loop, changed)
            with self._lock:
                self._async_waiters.add(waiter)
                done = self._satisfied(what, conversation_id)
            try:
                if done:
                    return self.activities(conversation_id)
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise AssertionError(_timeout_message(what, timeout, self.activities(conversation_id)))
                try:
                    await asyncio.wait_for(changed.wait(), remaining)
                except TimeoutError:
                    pass
            finally:
                with self._lock:
                    self._async_waiters.discard(waiter)

    def _satisfied(self, what: Waitable, conversation_id: str | None) -> bool:
        if isinstance(what, int):
            return self._counts[conversation_id] >= what
        return bool(what(self._activities(conversation_id)))

    # ---- HTTP --------------------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        conversation_id = request.match_info.get("cid")
        try:
            self._admit(request, raw, body, conversation_id)
            request[_JSON_BODY] = body
            result = await handler(request)
            reply = result if isinstance(result, _Reply) else _Reply(200, result)
        except _Reply as refused:
            reply = refused
        except web.HTTPException as http_error:  # unknown route or method
            reply = _error(http_error.status, "NotFound" if http_error.status == 404 else "BadArgument",
                           http_error.reason)
        with self._changed:
            self._requests.append(RecordedRequest(
                request.method, request.path, conversation_id, body, reply.status, self._now(),
                request.headers.get("Authorization"), raw))
            self._notify_waiters()
        if reply.body is None:
            return web.Response(status=reply.status, headers=reply.headers)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    def _notify_waiters(self) -> None:
        self._changed.notify_all()
        for loop, event in list(self._async_waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that test's loop is already closed
                self._async_waiters.discard((loop, event))

    def _admit(self, request: web.Request, raw: bytes, body: Any, conversation_id: str | None) -> None:
        """Refuse as Teams would, in its order: auth, gateway faults, throttling, gone conversation, size."""
        authorization = request.headers.get("Authorization")
        if self.require_auth_token and not _has_bearer_token(authorization):
            raise _Reply(401, {"message": "Authorization has been denied for this request."})
        if self.bot_token is not None and authorization != f"Bearer {self.bot_token}":
            raise _Reply(401, {"message": "Authorization has been denied for this request."})
        writes = request.method in ("POST", "PUT", "DELETE")
        with self._lock:
            refusal = self._faults.next_refusal() if request.method == "POST" else None
            if refusal:
                raise refusal
            if self._enforce_limits:
                tenant_id = self._tenant_of(conversation_id, body)
                limited_conversation = _thread_id(conversation_id) if conversation_id and writes else None
                wait = self._limiter.admit(self._now(), conversation_id=limited_conversation, tenant_id=tenant_id)
                if wait is not None:
                    raise _throttled(max(1, math.ceil(wait)))
            if conversation_id and conversation_id in self._deleted:
                raise _error(404, "ConversationNotFound", "Conversation not found.")
            if (conversation_id and self.known_conversations_only
                    and _thread_id(conversation_id) not in self._conversation_tenants):
                raise _error(404, "ConversationNotFound", "Conversation not found.")
        if writes and raw and self.max_message_bytes and len(raw) > self.max_message_bytes:
            raise _error(413, "MessageSizeTooBig", f"Message size {len(raw)} bytes is over the limit.")

    def _tenant_of(self, conversation_id: str | None, body: Any) -> str | None:
        if conversation_id and _thread_id(conversation_id) in self._conversation_tenants:
            return self._conversation_tenants[_thread_id(conversation_id)]
        return _tenant_in(body) if isinstance(body, dict) else None

    async def _create_conversation(self, request: web.Request) -> Any:
        body = request[_JSON_BODY]
        if not isinstance(body, dict) or not body.get("members"):
            raise _error(400, "BadArgument", "Exactly one member is required to create a personal conversation.")
        tenant_id = _tenant_in(body)
        if not tenant_id:
            raise _error(400, "BadArgument", "A tenant id is required to create a conversation.")
        member_id = (body["members"][0] or {}).get("id") or ""
        with self._lock:
            user = self._users.get(_user_key(member_id))
        if user is None or user.tenant_id.lower() != tenant_id.lower():
            raise _error(404, "NotFound", "User not found")
        if not user.installed:
            raise _error(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
        # Teams returns the one personal chat of this user with this bot, however often it is asked.
        return _Reply(201, {"id": user.conversation_id})

    async def _send(self, request: web.Request) -> Any:
        await self._pass_gate(request)
        return self._accept("send", request.match_info["cid"], new_message_id(), request[_JSON_BODY])

    async def _reply(self, request: web.Request) -> Any:
        await self._pass_gate(request)
        return self._accept("reply", request.match_info["cid"], new_message_id(), request[_JSON_BODY])

    async def _update(self, request: web.Request) -> Any:
        conversation_id, activity_id = request.match_info["cid"], request.match_info["aid"]
        self._require_own_message(conversation_id, activity_id)
        return self._accept("update", conversation_id, activity_id, request[_JSON_BODY], status=200)

    async def _delete(self, request: web.Request) -> Any:
        conversation_id, activity_id = request.match_info["cid"], request.match_info["aid"]
        self._require_own_message(conversation_id, activity_id)
        self._accept("delete", conversation_id, activity_id, {})
        return _Reply(200)

    def _accept(self, kind: str, conversation_id: str, activity_id: str, body: Any, status: int = 201) -> _Reply:
        if kind != "delete" and (not isinstance(body, dict) or not body.get("type")):
            raise _error(400, "BadArgument", "The activity must be a JSON object with a type.")
        with self._lock:
            self._accepted.append(_Accepted(kind, conversation_id, activity_id, body, self._now()))
            self._counts.update((None, conversation_id))
            if kind in ("send", "reply"):
                self._own_messages.add((conversation_id, activity_id))
        return _Reply(status, {"id": activity_id})

    def _require_own_message(self, conversation_id: str, activity_id: str) -> None:
        # Teams only lets a bot update or delete a message it sent in that conversation.
        with self._lock:
            known = (conversation_id, activity_id) in self._own_messages
        if not known:
            raise _error(404, "ActivityNotFoundInConversation", "Activity not found in conversation.")

    async def _members(self, request: web.Request) -> Any:
        return [m.to_json() for m in self._members_of(request.match_info["cid"])]

    async def _member(self, request: web.Request) -> Any:
        key = _user_key(request.match_info["mid"])
        for member in self._members_of(request.match_info["cid"]):
            if key in (member.teams_id, member.aad_object_id.lower()):
                return member.to_json()
        raise _error(404, "MemberNotFoundInConversation", "The member is not part of the conversation.")

    async def _paged_members(self, request: web.Request) -> Any:
        members = self._members_of(request.match_info["cid"])
        try:
            size = min(int(request.query.get("pageSize") or 200), 500)
            start = int(request.query.get("continuationToken") or 0)
        except ValueError:
            raise _error(400, "BadArgument", "pageSize and continuationToken must be numbers.") from None
        page = members[start:start + size]
        token = str(start + size) if start + size < len(members) else None
        return {"continuationToken": token, "members": [m.to_json() for m in page]}

    def _members_of(self, conversation_id: str) -> list[KnownUser]:
        with self._lock:
            members = self._conversation_members.get(_thread_id(conversation_id))
        if members is None:
            raise _error(404, "ConversationNotFound", "Conversation not found.")
        return list(members)


def adaptive_cards(activity: dict[str, Any]) -> list[dict[str, Any]]:
    cards = []
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == ADAPTIVE_CARD:
            content = attachment.get("content")
            cards.append(json.loads(content) if isinstance(content, str) else content)
    return cards


def _failure(status: int) -> _Reply:
    return _error(status, _FAILURE_CODES.get(status, "ServiceError"), "Injected failure.")


def _throttled(retry_after: float) -> _Reply:
    return _error(429, "Throttled", "Too many requests.", {"Retry-After": f"{retry_after:g}"})


def _has_bearer_token(header: str | None) -> bool:
    scheme, _, token = (header or "").partition(" ")
    return scheme == "Bearer" and bool(token.strip())


def _tenant_in(body: dict[str, Any]) -> str | None:
    # The SDK's schema writes tenantID; Teams sends tenantId; either may be missing, channelData rarely is.
    for key in ("tenantId", "tenantID"):
        if body.get(key):
            return body[key]
        if isinstance(body.get("conversation"), dict) and body["conversation"].get(key):
            return body["conversation"][key]
    tenant = (body.get("channelData") or {}).get("tenant") or {}
    return tenant.get("id")


def _user_key(user_id: str) -> str:
    # AAD object ids are GUIDs, compared case-insensitively; 29: ids are case-sensitive.
    return user_id if user_id.startswith("29:") else user_id.lower()


def _thread_id(conversation_id: str) -> str:
    # A channel reply thread ("19:...@thread.tacv2;messageid=...") belongs to its channel.
    return conversation_id.split(";", 1)[0]


def _timeout_message(what: Waitable, timeout: float, activities: list[dict[str, Any]]) -> str:
    wanted = f"{what} activities" if isinstance(what, int) else getattr(what, "__name__", "the predicate")
    seen = [(a["_kind"], a.get("type"), (a.get("text") or "")[:60]) for a in activities[-10:]]
    return f"waited {timeout:g} s for {wanted}; {len(activities)} arrived, the last: {seen}"


def busiest_second(times: list[float]) -> int:
    """The most calls in any one-second window (the times need not be sorted): what Teams' sliding per-tenant
    limit counts."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
