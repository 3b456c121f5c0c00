"""Work-arounds for botbuilder 4.17.1 and msrest that must be in place before the adapter is built.

msrest's ClientRetryPolicy rebuilds its retry list with `i not in <list of 501 codes>` for every client,
twice per turn: about 7 ms of CPU, most of a stock bot's turn. A frozenset gives the identical list.

CloudAdapter also builds a new ConnectorClient and a new UserTokenClient for every turn, each with its own
msrest configuration, requests.Session and connection pool, so every reply opens a new TCP (in Teams: TLS)
connection. ReusingBotFrameworkAuthentication keeps them instead (see bench/README.md for the figures).

msrest writes JSON bodies with \\u escapes for every non-ASCII character; they go out compact UTF-8 instead.

msrest serializes an attachment's content (our card, a plain dict) node by node, and for every dict and
list it scans all ~100 connector model classes (`obj_type in self.dependencies.values()`) and calls
eval() for every number: 0.6 ms for a 1 KB menu card, linear in the card's size. Plain JSON data comes
out of that walk unchanged, so it is passed through as it is.

The same walk runs the other way for every inbound activity's `value` and `channelData`: an assessment area
answer carries its 24 inputs there. Plain JSON is copied by a plain loop instead, which gives the same result.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from importlib import metadata
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import ClaimsIdentity, ConnectorFactory
from botframework.connector.auth._built_in_bot_framework_authentication import _BuiltinBotFrameworkAuthentication
from botframework.connector.auth._connector_factory_impl import _ConnectorFactoryImpl
from botframework.connector.auth.authenticate_request_result import AuthenticateRequestResult
from botframework.connector.auth.user_token_client import UserTokenClient
from msrest.serialization import Deserializer, Serializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.requests import ClientRetryPolicy

log = logging.getLogger(__name__)

_applied = False

# This module, bot/inbound.py, bot/outbound.py and bot/reply_sender.py rely on private attributes of these exact
# releases (msrest's Serializer and Deserializer internals, ClientRetryPolicy.safe_codes, the SDK's
# _ConnectorFactoryImpl fields, AppCredentials._should_set_token, ConnectorClient._client and _deserialize).
# Another release may rename or change any of them without notice: the bot refuses to start until they are
# re-checked (tests/unit/test_inbound_activity.py, test_outbound_activity.py, tests/scenario/test_reply_sender.py
# compare each with the SDK's own result) and these pins moved with constraints.txt.
PINNED_VERSIONS = {
    "botbuilder-core": "4.17.1",
    "botbuilder-schema": "4.17.1",
    "botbuilder-integration-aiohttp": "4.17.1",
    "botframework-connector": "4.17.1",
    "msrest": "0.7.1",
}


class UncheckedSdkVersion(RuntimeError):
    pass


def check_pinned_versions(installed=metadata.version) -> None:
    """Raises UncheckedSdkVersion naming every package whose installed version is not the one checked."""
    wrong = []
    for package, pinned in PINNED_VERSIONS.items():
        try:
            version = installed(package)
        except metadata.PackageNotFoundError:
            version = "not installed"
        if version != pinned:
            wrong.append(f"{package} {version} (checked: {pinned})")
    if wrong:
        raise UncheckedSdkVersion(
            "bot/sdk_fixes.py, inbound.py, outbound.py and reply_sender.py use private parts of the Bot Framework "
            "SDK and msrest as released in the pinned versions; re-check them before running with "
            + ", ".join(wrong))


def apply_sdk_fixes() -> None:
    global _applied
    if _applied:
        return
    check_pinned_versions()
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)
    ClientRequest.add_content = _add_content_as_compact_utf8(ClientRequest.add_content)
    Serializer.serialize_object = _serialize_plain_json_as_is(Serializer.serialize_object)
    Deserializer.deserialize_object = _deserialize_plain_json_by_copy(Deserializer.deserialize_object)
    _applied = True


def _add_content_as_compact_utf8(add_content):
    """msrest writes a JSON body with json.dumps' defaults: ", " and ": ", and every non-ASCII character as a \\u
    escape, so an all-Swedish card goes out at twice its size, and Teams' message limit counts what is sent.
    The same JSON, compact and UTF-8 (what bot/reply_sender.py sends); msrest's own way for anything else."""
    def add_content_compact_utf8(self, data):
        if data is None or not isinstance(data, (dict, list)):
            return add_content(self, data)
        try:
            body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        except (TypeError, ValueError):  # not JSON, or a lone surrogate UTF-8 cannot hold: msrest escapes it
            return add_content(self, data)
        self.data = body
        self.headers["Content-Length"] = str(len(body))

    add_content_compact_utf8.__wrapped__ = add_content
    return add_content_compact_utf8


# Exact types only: a str or int subclass (an Enum, say) still goes through msrest, which may change it.
JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def is_plain_json(value: Any) -> bool:
    """Exact dicts (str keys), lists and JSON scalars all the way down: what msrest would rebuild as it is."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and is_plain_json(item) for key, item in value.items())
    if kind is list:
        return all(is_plain_json(item) for item in value)
    return kind in JSON_SCALARS


def _serialize_plain_json_as_is(serialize_object):
    def serialize_object_fast(self, attr, **kwargs):
        # msrest would rebuild an equal structure (str() of each str, int() of each int, ...): skip the walk.
        if type(attr) in (dict, list) and is_plain_json(attr):
            return attr
        return serialize_object(self, attr, **kwargs)

    serialize_object_fast.__wrapped__ = serialize_object
    return serialize_object_fast


_NOT_PLAIN = object()


def _plain_json_copy(value: Any) -> Any:
    """A copy of exact dicts, lists and JSON scalars (what msrest's deserialize_object would rebuild), or
    _NOT_PLAIN as soon as something else turns up."""
    kind = type(value)
    if kind is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            item = _plain_json_copy(item)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            copied[key] = item
        return copied
    if kind is list:
        items = []
        for item in value:
            item = _plain_json_copy(item)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(item)
        return items
    return value if kind in JSON_SCALARS else _NOT_PLAIN


def _deserialize_plain_json_by_copy(deserialize_object):
    def deserialize_object_fast(self, attr, **kwargs):
        if type(attr) in (dict, list):
            copied = _plain_json_copy(attr)
            if copied is not _NOT_PLAIN:
                return copied
        return deserialize_object(self, attr, **kwargs)

    deserialize_object_fast.__wrapped__ = deserialize_object
    return deserialize_object_fast


class _Lru:
    """A small LRU map; an evicted client is simply dropped (its session closes when collected)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def pop_all(self) -> list[Any]:
        values = list(self._items.values())
        self._items.clear()
        return values


class _ReusingConnectorFactory(ConnectorFactory):
    """Hands out one ConnectorClient per (app id, scope, login endpoint, service URL, audience).

    A client is safe to share between concurrent turns: its operations keep no per-call state, and msrest
    sends every request of one client through the same requests.Session (created on the event loop's
    thread) from its executor threads, whose urllib3 pool is thread-safe and keeps connections alive.
    """

    def __init__(self, inner: _ConnectorFactoryImpl, clients: _Lru) -> None:
        self._inner = inner
        self._clients = clients
        # The SDK keeps these private; they are everything a client's credentials depend on.
        self._key = (inner._app_id, inner._to_channel_from_bot_oauth_scope, inner._login_endpoint,
                     inner._validate_authority)

    async def create(self, service_url: str, audience: str = None):
        key = (*self._key, service_url, audience)
        client = self._clients.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._clients.put(key, client)
        await fetch_token_off_the_loop(client.config.credentials)
        return client


async def fetch_token_off_the_loop(credentials: Any) -> str | None:
    """The bot's outbound token, fetched in a worker thread: msrest asks for it on the event loop before every
    request, and MSAL answers a cache miss (the first send, then about once an hour) with a blocking HTTPS call
    to Azure AD. Asked here first, the call on the loop finds it in MSAL's cache. None when auth is off."""
    if credentials is None or not getattr(credentials, "microsoft_app_id", None):
        return None
    return await asyncio.to_thread(credentials.get_access_token)


class ReusingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication that reuses connector and user-token clients across turns.

    Per turn the SDK otherwise builds two msrest clients (about 1 ms of CPU with the frozenset fix above)
    and, for a reply, a fresh TCP connection; the user-token client is never used by this bot at all
    (no OAuth sign-in), but CloudAdapter creates one for every turn, invokes included.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A bot talks to a few regional Teams endpoints; in dev mode any serviceUrl is accepted, so bound it.
        self._connector_clients = _Lru(32)
        self._user_token_clients = _Lru(8)

    def _reusing(self, factory: ConnectorFactory) -> ConnectorFactory:
        # Only the SDK's own factory is understood; any other (streaming) is left as it is.
        if isinstance(factory, _ConnectorFactoryImpl):
            return _ReusingConnectorFactory(factory, self._connector_clients)
        return factory

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        result.connector_factory = self._reusing(result.connector_factory)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        # Proactive sends (continue_conversation, create_conversation) come through here.
        return self._reusing(super().create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        # Its credentials depend only on the app id; scope and endpoints are fixed for this object.
        key = (_BuiltinBotFrameworkAuthentication.get_app_id(claims_identity),)
        client = self._user_token_clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._user_token_clients.put(key, client)
        return client

    async def close(self) -> None:
        """Closes the kept clients' sessions (and so their connections) when the app stops."""
        for client in self._connector_clients.pop_all() + self._user_token_clients.pop_all():
            inner = getattr(client, "_client", client)  # _UserTokenClientImpl wraps a TokenApiClient
            try:
                await inner.__aexit__(None, None, None)
            except Exception as error:  # closing is best effort at shutdown
                log.debug("closing a kept SDK client failed: %s", error)
