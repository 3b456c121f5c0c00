"""Sends a turn's message replies with one shared aiohttp session on the event loop instead of msrest + requests.

CloudAdapterBase.send_activities hands every reply to ConnectorClient.conversations: msrest serializes the
Activity attribute by attribute and `requests` sends it from a worker thread (12-16 % of a help turn's CPU,
bench/README.md). ReplySendingAdapter sends an ordinary message itself: the body bot/outbound.py writes (what
msrest would write), the URL and headers msrest would send, the same bearer token from the turn's connector
client, and for a refusal the exception msrest would raise, so on_turn_error and the proactive sender see
what they saw before. Everything else (invoke responses, traces, delays, other activity types, a connector
client configured in a way this module does not copy) goes to the SDK's own send_activities unchanged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from typing import Any
from urllib.parse import quote

import aiohttp
import certifi
import requests
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, ResourceResponse
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AppCredentials
from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError, raise_with_traceback
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_requests import AsyncRequestsClientResponse
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from yarl import URL

from bot.inbound import read_model
from bot.outbound import write_activity

log = logging.getLogger(__name__)

# The operations' own URL templates (ConversationsOperations.*.metadata["url"]).
_REPLY_URL = "/v3/conversations/{conversationId}/activities/{activityId}"
_SEND_URL = "/v3/conversations/{conversationId}/activities"
# The connection was never made (refused, unreachable, DNS, connect timeout): the request did not leave.
_NOT_CONNECTED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def open_session() -> aiohttp.ClientSession:
    """The app's one session for replies: kept-alive connections to the few Teams endpoints a bot talks to.

    Like the requests session msrest used: certifi's CA bundle, proxies from the environment, its cookies
    kept; the timeouts are those of each connector client's configuration (msrest: 100 s to connect and
    100 s between bytes), given per request."""
    connector = aiohttp.TCPConnector(
        limit=100, limit_per_host=50, keepalive_timeout=60, ssl=ssl.create_default_context(cafile=certifi.where())
    )
    return aiohttp.ClientSession(connector=connector, trust_env=True,
                                 timeout=aiohttp.ClientTimeout(total=None, sock_connect=100, sock_read=100))


class ReplySendingAdapter(CloudAdapter):
    """CloudAdapter whose message replies inside a turn go out through `session` (see the module docstring)."""

    def __init__(self, *args: Any, session: aiohttp.ClientSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session = session

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        if not activities or context is None:
            return await super().send_activities(context, activities)  # the SDK's own TypeErrors
        responses = []
        for activity in activities:
            activity.id = None  # as the SDK does before it sends (and so before msrest writes the body)
            client = context.turn_state.get(self.BOT_CONNECTOR_CLIENT_KEY)
            request = _reply_request(activity, client)
            if request is None:
                responses.extend(await super().send_activities(context, [activity]))
                continue
            response = await self._post(client, *request)
            responses.append(response or ResourceResponse(id=activity.id or ""))
        return responses

    async def _post(self, client: ConnectorClient, url: str, headers: dict[str, str], body: bytes
                    ) -> ResourceResponse | None:
        credentials = client.config.credentials
        # msrest's credentials policy calls signed_session -> get_access_token on the event loop for every
        # request: with MicrosoftAppCredentials that is MSAL's acquire_token_silent (an in-memory cache read),
        # and on a miss (the first send, and about once an hour) a blocking token request to AAD. Here it runs
        # in a worker thread, so a miss blocks only this reply.
        if credentials._should_set_token(None):
            headers["Authorization"] = "Bearer {}".format(await asyncio.to_thread(credentials.get_access_token))
        timeout = client.config.connection.timeout
        retry = client.config.retry_policy.policy
        attempt = 0
        while True:
            try:
                # encoded=True: sent as msrest quoted it (yarl would otherwise decode %3A, %3B, %40 in a path).
                async with self._session.post(
                    URL(url, encoded=True), data=body, headers=headers, max_redirects=client.config.redirect_policy.max_redirects,
                    timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout),
                ) as answer:
                    content = await answer.read()
                break
            except _NOT_CONNECTED as error:
                # urllib3 (msrest's Retry: connect=3, backoff 0.8) retries a POST whose connection failed,
                # nothing else: after 0, 1.6 and 3.2 s. A POST that reached Teams is never sent twice.
                if attempt < retry.connect:
                    await asyncio.sleep(0 if attempt == 0 else retry.backoff_factor * 2 ** attempt)
                    attempt += 1
                    continue
                raise_with_traceback(ClientRequestError, "Error occurred in request.", error)
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                # msrest wraps requests' exceptions the same way; the wrapped type's name differs (aiohttp's).
                raise_with_traceback(ClientRequestError, "Error occurred in request.", error)
        if answer.status not in (200, 201, 202):
            raise ErrorResponseException(client._deserialize, _msrest_response(url, answer, content))
        return _resource_response(client, answer, content)


def _reply_request(activity: Activity, client: Any) -> tuple[str, dict[str, str], bytes] | None:
    """URL, headers and body of the POST msrest would make for an ordinary message, or None: the SDK sends it."""
    if activity.type != ActivityTypes.message or not _plain_client(client):
        return None
    conversation = activity.conversation
    conversation_id = getattr(conversation, "id", None)
    reply_to_id = activity.reply_to_id
    if not _header_safe(conversation_id) or (reply_to_id and type(reply_to_id) is not str):
        return None
    # msrest's Serializer.url: quote(str(id), safe=""), so ':', ';', '@' and '/' are all escaped.
    if reply_to_id:
        url = client._client.format_url(_REPLY_URL, conversationId=quote(conversation_id, safe=""),
                                        activityId=quote(reply_to_id, safe=""))
    else:
        url = client._client.format_url(_SEND_URL, conversationId=quote(conversation_id, safe=""))
    headers = {"User-Agent": client.config.user_agent, "Accept-Encoding": "gzip, deflate",
               "Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}
    if reply_to_id:
        headers["x-ms-conversation-id"] = conversation_id  # only reply_to_activity sends it
    try:
        # Compact UTF-8, as Teams counts a message's size (msrest's add_content writes \u escapes: an all-Swedish
        # card twice its size); a body json cannot write is msrest's to handle.
        body = json.dumps(write_activity(activity), separators=(",", ":"), ensure_ascii=False).encode()
    except (TypeError, ValueError):
        return None
    return url, headers, body


def _plain_client(client: Any) -> bool:
    """A ConnectorClient whose requests this module reproduces: the default msrest pipeline, AppCredentials
    with the SDK's own signed_session, no extra headers, proxies or TLS settings of its own."""
    if type(client) is not ConnectorClient:
        return False
    config = client.config
    credentials = config.credentials
    return (
        config.custom_pipeline is None and config.sender is None and config.driver is None
        and not config.headers and not config.proxies.proxies and config.proxies.use_env_settings
        and config.connection.verify is True and not config.connection.cert and config.redirect_policy.allow
        and isinstance(credentials, AppCredentials)
        and type(credentials).signed_session is AppCredentials.signed_session
        and type(credentials)._should_set_token is AppCredentials._should_set_token
    )


def _header_safe(value: Any) -> bool:
    # requests (http.client) writes a header in latin-1 and refuses control characters; aiohttp writes UTF-8.
    return type(value) is str and value.isascii() and value.isprintable()


def _resource_response(client: ConnectorClient, answer: aiohttp.ClientResponse, content: bytes
                       ) -> ResourceResponse | None:
    """What msrest makes of a 2xx answer: its RawDeserializer's reading of the body, then a ResourceResponse."""
    headers = _requests_headers(answer)
    text = content.decode(requests.utils.get_encoding_from_headers(headers) or "utf-8", errors="replace")
    data = RawDeserializer.deserialize_from_http_generics(text, headers)
    if type(data) is dict:
        return read_model("ResourceResponse", data)
    return client._deserialize._deserialize("ResourceResponse", data) if data is not None else None


def _requests_headers(answer: aiohttp.ClientResponse) -> CaseInsensitiveDict:
    # urllib3 joins a repeated header with ", ".
    headers: CaseInsensitiveDict = CaseInsensitiveDict()
    for name, value in answer.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _msrest_response(url: str, answer: aiohttp.ClientResponse, content: bytes) -> AsyncRequestsClientResponse:
    """The response object msrest hands to ErrorResponseException: a requests.Response (what callers read as
    error.response: status_code, headers, text, raise_for_status) in msrest's wrapper. Only built, never sent."""
    response = requests.Response()
    response.status_code = answer.status
    response.reason = answer.reason
    response.headers = _requests_headers(answer)
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    response._content = content
    prepared = PreparedRequest()
    prepared.prepare_url(url, None)  # the URL as requests would have recorded it
    response.url = prepared.url
    return AsyncRequestsClientResponse(ClientRequest("POST", url), response)
