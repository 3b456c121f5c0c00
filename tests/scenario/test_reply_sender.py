"""A turn's message replies go out through bot.reply_sender on the event loop, not msrest + requests in a thread,
and Teams sees the same request: for the same turn, the SDK's path and ours send the same URL, body and headers;
the bearer token exactly in auth mode; a refusal reaches on_turn_error as the same exception."""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from msrest.exceptions import ClientRequestError

from bot.app import ADAPTER
from bot.proactive import _classify
from bot.reply_sender import ReplySendingAdapter
from tests.fakes import activities as teams
from tests.fakes.activities import BotAccount, TeamsUser
from tests.fakes.openid import FakeOpenIdServer, StaticTokenCredentialsFactory
from tests.harness import RunningBot, card_text, settings_for_tests

APP_ID = "4b1f0c2e-9a7d-4e3b-8c5f-1d2e3f4a5b6c"
BOT = BotAccount.for_app(APP_ID)
# What Teams' connector gets; Host and Connection are the HTTP clients' own business.
COMPARED_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type", "Content-Length",
                    "x-ms-conversation-id", "Authorization")


@dataclass
class Received:
    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes

    def compared(self) -> dict[str, Any]:
        return {"method": self.method, "raw_path": self.raw_path, "body": self.body,
                "headers": {name: self.headers.get(name) for name in COMPARED_HEADERS}}


class RecordingConnector:
    """Records every POST as it arrived (raw path, all headers, body bytes) and answers as told; it runs on the
    test's event loop, which the SDK's path (requests in a worker thread) and ours (aiohttp on the loop) both allow.
    The member lookup's GET (the SDK's, on both paths) gets 404 at once, so that msrest does not retry it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status, self.answer, self.answer_headers = 201, {"id": "1:reply"}, {}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> "RecordingConnector":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.method != "POST":
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "-"}}, status=404)
        self.received.append(Received(request.method, request.raw_path, dict(request.headers), await request.read()))
        return web.json_response(self.answer, status=self.status, headers=self.answer_headers)


@pytest.fixture
async def recorder():
    connector = await RecordingConnector().start()
    yield connector
    await connector.stop()


@pytest.fixture
def sdk_path(monkeypatch):
    """Switches the app's replies back to the SDK's own send_activities (msrest + requests)."""
    def use_sdk() -> None:
        monkeypatch.setattr(ReplySendingAdapter, "send_activities", CloudAdapter.send_activities)

    return use_sdk


@pytest.fixture
def openid():
    with FakeOpenIdServer() as server:
        yield server


async def _bot(sqlite_url: str, *, auth: FakeOpenIdServer | None = None) -> RunningBot:
    if auth is None:
        return await RunningBot(settings_for_tests(sqlite_url)).start()
    settings = settings_for_tests(sqlite_url, app_id=APP_ID, app_password="not-used-offline",
                                  app_type="MultiTenant", openid_metadata_url=auth.metadata_url,
                                  token_issuer=auth.issuer, allowed_tenant_ids=frozenset({teams.DEFAULT_TENANT_ID}))
    return await RunningBot(settings, credentials_factory=StaticTokenCredentialsFactory(APP_ID)).start()


async def _one_turn(sqlite_url: str, body: dict, *, auth: FakeOpenIdServer | None = None,
                    caught: list | None = None) -> int:
    """A fresh bot (so that both paths start from the same database) serves one activity; its HTTP status."""
    bot = await _bot(sqlite_url, auth=auth)
    try:
        if caught is not None:
            adapter = bot.app[ADAPTER]
            logged = adapter.on_turn_error

            async def catch(turn_context, error):
                caught.append(error)
                await logged(turn_context, error)

            adapter.on_turn_error = catch
        headers = {"Authorization": auth.authorization(APP_ID, body["serviceUrl"])} if auth else None
        return (await bot.post(body, headers=headers)).status
    finally:
        await bot.stop()


def _turns(service_url: str) -> dict[str, dict]:
    anna = TeamsUser.create("Anna Lindberg")
    return {
        "typed hjälp": teams.text(anna, "hjälp", service_url=service_url, bot=BOT),
        "typed hjälp, no locale": teams.text(TeamsUser.create("Bo Ek", locale=None), "hjälp",
                                             service_url=service_url, bot=BOT),
        "install": teams.install(anna, service_url, bot=BOT),
        "Action.Submit": teams.submit(anna, {"verb": "menu.help"}, service_url=service_url, bot=BOT),
        "channel mention": teams.channel_mention(anna, "hjälp", bot=BOT, service_url=service_url),
    }


TURNS = list(_turns("http://x/"))


@pytest.fixture
def no_requests(monkeypatch):
    """Fails the turn if anything sends with requests (msrest's transport, in a worker thread)."""
    def refuse(self, request, **kwargs):
        raise AssertionError(f"requests sent {request.method} {request.url}")

    monkeypatch.setattr(requests.Session, "send", refuse)


@pytest.mark.parametrize("turn", TURNS)
async def test_the_reply_teams_gets_is_the_one_the_sdk_sent(turn, recorder, sdk_path, tmp_path):
    body = _turns(recorder.base_url)[turn]

    ours_status = await _one_turn(f"sqlite:///{tmp_path / 'ours.db'}", copy.deepcopy(body))
    ours = [request.compared() for request in recorder.received]
    recorder.received.clear()
    sdk_path()
    sdk_status = await _one_turn(f"sqlite:///{tmp_path / 'sdk.db'}", copy.deepcopy(body))
    sdk = [request.compared() for request in recorder.received]

    assert ours and ours_status == sdk_status
    assert ours == sdk
    sent = json.loads(ours[-1]["body"])
    assert sent["type"] == "message" and sent["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert ours[-1]["headers"]["Authorization"] is None, "dev mode: no token"


async def test_the_bearer_token_is_sent_in_auth_mode_as_the_sdk_sent_it(recorder, sdk_path, openid, sqlite_url,
                                                                        tmp_path):
    body = _turns(recorder.base_url)["typed hjälp"]

    assert await _one_turn(sqlite_url, copy.deepcopy(body), auth=openid) == 201
    ours = recorder.received[-1].compared()
    recorder.received.clear()
    sdk_path()
    assert await _one_turn(f"sqlite:///{tmp_path / 'sdk.db'}", copy.deepcopy(body), auth=openid) == 201
    sdk = recorder.received[-1].compared()

    assert ours["headers"]["Authorization"] == "Bearer offline-test-token"
    assert ours == sdk


async def test_a_reply_sends_nothing_through_requests(bot, connector, anna, no_requests):
    response = await bot.post(teams.text(anna, "hjälp", service_url=connector.base_url))

    assert response.status == 201
    assert "Vad vill du göra?" in card_text(connector.cards(anna.conversation_id)[-1])


async def test_the_sdk_path_would_have_used_requests(bot, connector, anna, no_requests, sdk_path, caplog):
    # The check above is not empty: the SDK's own send goes through requests.Session.send and fails the turn.
    sdk_path()
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        await bot.post(teams.text(anna, "hjälp", service_url=connector.base_url))

    assert connector.cards(anna.conversation_id) == []
    assert "requests sent POST" in caplog.text


@pytest.mark.parametrize("conversation_id", [
    "a:1Xk9;messageid=1700000000000",
    "19:3f2a9c@thread.tacv2;messageid=1700000000000",
    "a:1 space/slash?query#hash%percent+plus&amp=eq",
])
async def test_conversation_ids_are_quoted_as_msrest_quotes_them(conversation_id, recorder, sdk_path, tmp_path):
    body = _turns(recorder.base_url)["typed hjälp"]
    body["conversation"]["id"] = conversation_id
    body["id"] = "1700000000000:x;y"

    await _one_turn(f"sqlite:///{tmp_path / 'ours.db'}", copy.deepcopy(body))
    ours = recorder.received[-1]
    sdk_path()
    await _one_turn(f"sqlite:///{tmp_path / 'sdk.db'}", copy.deepcopy(body))
    sdk = recorder.received[-1]

    assert ours.raw_path == sdk.raw_path == (
        f"/v3/conversations/{quote(conversation_id, safe='')}/activities/{quote(body['id'], safe='')}")
    assert ours.headers["x-ms-conversation-id"] == sdk.headers["x-ms-conversation-id"] == conversation_id


@pytest.mark.parametrize("status, answer, headers", [
    pytest.param(404, {"error": {"code": "ConversationNotFound", "message": "Conversation not found."}}, {},
                 id="404"),
    pytest.param(429, {"error": {"code": "Throttled", "message": "Too many requests."}}, {"Retry-After": "7"},
                 id="429"),
    pytest.param(500, {"error": {"code": "InternalServerError", "message": "Injected failure."}}, {}, id="500"),
    pytest.param(502, "Bad gateway", {}, id="502 not JSON"),
])
async def test_a_refused_reply_fails_the_turn_as_it_did_with_the_sdk(status, answer, headers, recorder, sdk_path,
                                                                     tmp_path, caplog):
    recorder.status, recorder.answer, recorder.answer_headers = status, answer, headers
    body = _turns(recorder.base_url)["typed hjälp"]

    outcomes = []
    for path in ("ours", "sdk"):
        if path == "sdk":
            sdk_path()
        caught: list[Exception] = []
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="bot.app"):
            http_status = await _one_turn(f"sqlite:///{tmp_path / f'{path}.db'}", copy.deepcopy(body),
                                          caught=caught)
        error, = caught
        failed = _classify(error)
        outcomes.append({
            "http status": http_status, "type": type(error), "str": str(error), "log": caplog.messages,
            "response status": error.response.status_code, "reason": error.response.reason,
            "retry after": error.response.headers.get("Retry-After"), "text": error.response.text,
            "error model": error.error.serialize() if hasattr(error.error, "serialize") else repr(error.error),
            "classified": (failed.kind, failed.status, failed.retry_after),
        })

    ours, sdk = outcomes
    assert ours == sdk
    assert ours["response status"] == status and len(recorder.received) == 2, "one POST each: never retried"


async def test_an_unreachable_connector_fails_the_turn_with_msrests_exception_type(sqlite_url, sdk_path,
                                                                                   unused_tcp_port, tmp_path):
    body = _turns(f"http://127.0.0.1:{unused_tcp_port}/")["typed hjälp"]

    outcomes = []
    for path in ("ours", "sdk"):
        if path == "sdk":
            sdk_path()
        caught: list[Exception] = []
        status = await _one_turn(f"sqlite:///{tmp_path / f'{path}.db'}", copy.deepcopy(body), caught=caught)
        error, = caught
        outcomes.append((status, type(error), str(error).split(",")[0]))

    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] is ClientRequestError
