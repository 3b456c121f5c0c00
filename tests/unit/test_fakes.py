"""The fakes of Teams' connector and token issuer behave like Teams, as botbuilder's own clients see them."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from urllib.parse import quote

import aiohttp
import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from botframework.connector import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from botframework.connector.models import ErrorResponseException

from tests.fakes import FakeOpenIdServer, FakeTeamsConnector, StaticTokenCredentialsFactory, TeamsUser
from tests.fakes import activities as teams

APP_ID = "4b1f0c2e-9a7d-4e3b-8c5f-1d2e3f4a5b6c"
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Område 1 av 5"}]}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def connector():
    with FakeTeamsConnector() as fake:
        yield fake


@pytest.fixture
def anna(connector) -> TeamsUser:
    user = TeamsUser.create("Anna Lindberg", service_url=connector.base_url)
    connector.register(user)
    return user


@pytest.fixture(scope="module")
def openid():
    with FakeOpenIdServer() as server:
        yield server


def send(fake: FakeTeamsConnector, conversation_id: str, text: str = "hej", **headers: str) -> requests.Response:
    url = f"{fake.base_url}v3/conversations/{quote(conversation_id, safe='')}/activities"
    return requests.post(url, json={"type": "message", "text": text}, headers=headers, timeout=5)


def sdk_client(fake: FakeTeamsConnector) -> ConnectorClient:
    return ConnectorClient(MicrosoftAppCredentials.empty(), base_url=fake.base_url)


# ---- the SDK's own connector client -------------------------------------------------------------------------


def test_sdk_client_sends_replies_updates_and_deletes(connector, anna):
    client = sdk_client(connector)
    card = {"contentType": "application/vnd.microsoft.card.adaptive", "content": CARD}

    sent = client.conversations.send_to_conversation(anna.conversation_id, MessageFactory.text("Välkommen!"))
    reply = client.conversations.reply_to_activity(
        anna.conversation_id, "1764061200123", Activity(type="message", attachments=[card]))
    updated = client.conversations.update_activity(
        anna.conversation_id, reply.id, MessageFactory.text("Tack!"))
    client.conversations.delete_activity(anna.conversation_id, sent.id)

    assert len(sent.id) == 13 and sent.id.isdigit()
    assert updated.id == reply.id
    assert [a["_kind"] for a in connector.activities(anna.conversation_id)] == ["send", "reply", "update", "delete"]
    assert connector.cards(anna.conversation_id) == [CARD]
    assert [a.get("text") for a in connector.transcript(anna.conversation_id)] == ["Tack!"]
    assert all(r.authorization is None for r in connector.requests)


def test_sdk_client_creates_the_same_personal_conversation_by_29_or_aad_id(connector, anna):
    client = sdk_client(connector)

    def create(member_id: str) -> str:
        parameters = ConversationParameters(
            is_group=False, bot=ChannelAccount(id=teams.DEFAULT_BOT.id), members=[ChannelAccount(id=member_id)],
            tenant_id=anna.tenant_id, channel_data={"tenant": {"id": anna.tenant_id}})
        return client.conversations.create_conversation(parameters).id

    assert create(anna.teams_id) == create(anna.aad_object_id.upper()) == anna.conversation_id
    with pytest.raises(ErrorResponseException) as unknown:
        create(teams.make_teams_ids().teams_id)
    assert unknown.value.response.status_code == 404
    assert unknown.value.response.json()["error"]["code"] == "NotFound"


def test_sdk_client_reads_members_by_29_or_aad_id(connector, anna):
    client = sdk_client(connector)

    by_teams_id = client.conversations.get_conversation_member(anna.conversation_id, anna.teams_id)
    by_aad_id = client.conversations.get_conversation_member(anna.conversation_id, anna.aad_object_id)
    paged = client.conversations.get_conversation_paged_members(anna.conversation_id, page_size=10)

    assert by_teams_id.id == by_aad_id.id == anna.teams_id
    assert by_aad_id.aad_object_id == anna.aad_object_id and by_aad_id.name == "Anna Lindberg"
    assert [m.id for m in paged.members] == [anna.teams_id] and paged.continuation_token is None
    with pytest.raises(ErrorResponseException) as unknown:
        client.conversations.get_conversation_member(anna.conversation_id, teams.make_teams_ids().teams_id)
    assert unknown.value.response.status_code == 404
    assert unknown.value.response.json()["error"]["code"] == "MemberNotFoundInConversation"


def test_member_json_is_a_teams_channel_account(connector, anna):
    url = f"{connector.base_url}v3/conversations/{quote(anna.conversation_id, safe='')}/members/{anna.teams_id}"
    member = requests.get(url, timeout=5).json()

    assert member == {
        "id": anna.teams_id, "name": "Anna Lindberg", "aadObjectId": anna.aad_object_id, "givenName": "Anna",
        "surname": "Lindberg", "email": anna.email, "userPrincipalName": anna.email, "tenantId": anna.tenant_id,
        "userRole": "user",
    }


def test_create_conversation_for_a_user_without_the_app_is_forbidden(connector):
    user = TeamsUser.create("Bo Ek")
    connector.register(user, installed=False)
    body = {"members": [{"id": user.aad_object_id}], "channelData": {"tenant": {"id": user.tenant_id}}}

    response = requests.post(f"{connector.base_url}v3/conversations", json=body, timeout=5)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "BotNotInConversationRoster"


# ---- failures and limits --------------------------------------------------------------------------------------


def test_throttle_next_gives_429_with_retry_after_and_msrest_does_not_retry_it(connector, anna):
    connector.throttle_next(2, retry_after=3)
    client = sdk_client(connector)

    with pytest.raises(ErrorResponseException) as throttled:
        client.conversations.send_to_conversation(anna.conversation_id, MessageFactory.text("1"))
    second = send(connector, anna.conversation_id)
    third = send(connector, anna.conversation_id)

    assert throttled.value.response.status_code == 429
    assert throttled.value.response.headers["Retry-After"] == "3"
    assert second.status_code == 429 and second.json()["error"]["code"] == "Throttled"
    assert third.status_code == 201
    assert [r.status for r in connector.requests] == [429, 429, 201]


def test_fail_next_gives_the_status_then_recovers(connector, anna):
    connector.fail_next(1, status=502)

    assert send(connector, anna.conversation_id).status_code == 502
    assert send(connector, anna.conversation_id).status_code == 201
    assert connector.texts() == ["hej"]


def test_fail_randomly_refuses_about_that_share_reproducibly(connector, anna):
    connector.fail_randomly(throttle=0.1, fail=0.1, seed=7)
    first = [send(connector, anna.conversation_id).status_code for _ in range(200)]
    connector.reset()
    connector.fail_randomly(throttle=0.1, fail=0.1, seed=7)
    again = [send(connector, anna.conversation_id).status_code for _ in range(200)]

    assert first == again
    assert 5 < first.count(429) < 40 and 5 < first.count(502) < 40


def test_deleted_conversation_gives_404_conversation_not_found(connector, anna):
    connector.delete_conversation(anna.conversation_id)

    response = send(connector, anna.conversation_id)

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "ConversationNotFound", "message": "Conversation not found."}}
    assert connector.activities() == []


def test_update_of_a_message_the_bot_never_sent_is_not_found(connector, anna):
    url = f"{connector.base_url}v3/conversations/{quote(anna.conversation_id, safe='')}/activities/1764061201999"

    response = requests.put(url, json={"type": "message", "text": "x"}, timeout=5)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ActivityNotFoundInConversation"


def test_message_over_teams_size_limit_is_refused(connector, anna):
    response = send(connector, anna.conversation_id, "x" * 101 * 1024)

    assert response.status_code == 413


def test_limiter_refuses_the_ninth_message_in_two_seconds_for_one_conversation_only():
    clock = FakeClock()
    with FakeTeamsConnector(enforce_teams_limits=True, clock=clock, known_conversations_only=False) as fake:
        first, other = teams.make_teams_ids().conversation_id, teams.make_teams_ids().conversation_id
        statuses = []
        for offset in (0.0, 0.1, 0.2, 0.3, 1.2, 1.3, 1.4, 1.5):  # never more than 7 within one second
            clock.now = 1000.0 + offset
            statuses.append(send(fake, first).status_code)
        clock.now = 1001.6
        ninth = send(fake, first)
        elsewhere = send(fake, other)

    assert statuses == [201] * 8
    assert ninth.status_code == 429 and ninth.headers["Retry-After"] == "1"
    assert elsewhere.status_code == 201


def test_limiter_refuses_the_eighth_message_within_one_second():
    clock = FakeClock()
    with FakeTeamsConnector(enforce_teams_limits=True, clock=clock, known_conversations_only=False) as fake:
        conversation_id = teams.make_teams_ids().conversation_id
        statuses = [send(fake, conversation_id).status_code for _ in range(8)]
        clock.now += 2.0
        after_waiting = send(fake, conversation_id).status_code

    assert statuses == [201] * 7 + [429]
    assert after_waiting == 201


def test_limiter_caps_one_tenant_at_50_requests_per_second():
    clock = FakeClock()
    with FakeTeamsConnector(enforce_teams_limits=True, clock=clock) as fake:
        users = [TeamsUser.create(f"User {i}") for i in range(51)]
        for user in users:
            fake.register(user)
        statuses = [send(fake, user.conversation_id).status_code for user in users]

    assert statuses == [201] * 50 + [429]


def test_require_auth_token_accepts_any_bearer_token():
    with FakeTeamsConnector(require_auth_token=True, known_conversations_only=False) as fake:
        conversation_id = teams.make_teams_ids().conversation_id
        anonymous = send(fake, conversation_id)
        signed = send(fake, conversation_id, Authorization="Bearer anything")

    assert anonymous.status_code == 401
    assert signed.status_code == 201


# ---- waiting for proactive sends ------------------------------------------------------------------------------


def _once_waiting(send_late) -> tuple[threading.Event, threading.Thread]:
    """A send made from another thread only once wait_for is already waiting (it has asked its predicate once):
    the send is late by construction, not by a timer."""
    waiting = threading.Event()
    thread = threading.Thread(target=lambda: waiting.wait(10) and send_late())
    thread.start()
    return waiting, thread


def test_wait_for_returns_when_a_late_send_arrives(connector, anna):
    waiting, thread = _once_waiting(lambda: send(connector, anna.conversation_id, "påminnelse"))

    def arrived_yet(activities) -> bool:
        waiting.set()
        return any(a.get("text") == "påminnelse" for a in activities)

    arrived = connector.wait_for(arrived_yet)  # it raises if the send never wakes it
    thread.join()

    assert [a["text"] for a in arrived] == ["påminnelse"]


def test_wait_for_predicate_may_read_the_fake(connector, anna):
    card = {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "content": CARD}]}
    url = f"{connector.base_url}v3/conversations/{quote(anna.conversation_id, safe='')}/activities"
    waiting, thread = _once_waiting(lambda: requests.post(url, json=card, timeout=5))

    def card_there(_) -> bool:
        waiting.set()
        return connector.cards(anna.conversation_id) == [CARD]

    connector.wait_for(card_there)
    thread.join()


def test_wait_for_fails_with_what_arrived(connector, anna):
    send(connector, anna.conversation_id, "bara en")

    with pytest.raises(AssertionError, match="1 arrived.*bara en"):
        connector.wait_for(2, timeout=0.2)


async def test_wait_for_async_leaves_the_event_loop_free(connector, anna):
    url = f"{connector.base_url}v3/conversations/{quote(anna.conversation_id, safe='')}/activities"

    async def send_on_this_loop() -> int:  # can only run while wait_for_async yields the loop
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json={"type": "message", "text": "hej"}) as response:
                return response.status

    sending = asyncio.create_task(send_on_this_loop())
    arrived = await connector.wait_for_async(1, conversation_id=anna.conversation_id)

    assert len(arrived) == 1 and await sending == 201


# ---- tokens -----------------------------------------------------------------------------------------------------


def sdk_authentication(openid: FakeOpenIdServer, **extra: str) -> ConfigurationBotFrameworkAuthentication:
    config = SimpleNamespace(APP_ID=APP_ID, APP_PASSWORD="secret", **openid.sdk_settings(), **extra)
    return ConfigurationBotFrameworkAuthentication(config)


async def authenticate(openid: FakeOpenIdServer, header: str, service_url: str = "https://smba.example/emea/"):
    activity = Activity(type="message", channel_id="msteams", service_url=service_url)
    return await sdk_authentication(openid).authenticate_request(activity, header)


async def test_minted_token_passes_the_sdk_channel_validation(openid):
    result = await authenticate(openid, openid.authorization(APP_ID, "https://smba.example/emea/"))

    assert result.claims_identity.is_authenticated
    assert result.claims_identity.claims["aud"] == APP_ID
    assert "/keys" in openid.fetches


@pytest.mark.parametrize("options", [
    pytest.param({"expires_in": -600}, id="expired"),
    pytest.param({"key": "unknown"}, id="unknown-key-id"),
    pytest.param({"key": "unknown", "kid": "published"}, id="unknown-key-under-published-kid"),
    pytest.param({"issuer": "https://sts.windows.net/evil/"}, id="wrong-issuer"),
])
async def test_bad_tokens_are_rejected(openid, options):
    if options.get("kid") == "published":
        options = {**options, "kid": openid.kid}

    with pytest.raises(Exception):
        await authenticate(openid, openid.authorization(APP_ID, "https://smba.example/emea/", **options))


async def test_token_for_another_app_or_service_url_is_rejected(openid):
    with pytest.raises(PermissionError):
        await authenticate(openid, openid.authorization("another-app-id", "https://smba.example/emea/"))
    with pytest.raises(PermissionError):
        await authenticate(openid, openid.authorization(APP_ID, "https://attacker.example/"))


# ---- the whole loop: Teams posts to a CloudAdapter bot, the reply reaches the fake ------------------------------


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"Du skrev: {turn_context.activity.text}")


async def post_to_bot(adapter: CloudAdapter, activity: dict, authorization: str | None) -> int:
    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, EchoBot())

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    headers = {"Authorization": authorization} if authorization else {}
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
        async with session.post(server.make_url("/api/messages"), json=activity, headers=headers) as response:
            return response.status


async def test_cloud_adapter_without_app_id_replies_to_the_fake(connector, anna):
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID="", APP_PASSWORD="")))

    status = await post_to_bot(adapter, teams.text(anna, "hej"), None)

    assert status == 201
    assert connector.texts(anna.conversation_id) == ["Du skrev: hej"]
    assert connector.activities()[0]["_kind"] == "reply"


async def test_cloud_adapter_with_auth_accepts_a_minted_token_and_replies_with_one(openid, anna):
    with FakeTeamsConnector(require_auth_token=True) as fake:
        user = TeamsUser.create("Anna Lindberg", service_url=fake.base_url)
        fake.register(user)
        config = SimpleNamespace(APP_ID=APP_ID, APP_PASSWORD="secret", **openid.sdk_settings())
        adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(
            config, credentials_factory=StaticTokenCredentialsFactory(APP_ID)))
        activity = teams.text(user, "hej", bot=teams.BotAccount.for_app(APP_ID))

        accepted = await post_to_bot(adapter, activity, openid.authorization(APP_ID, fake.base_url))
        refused = await post_to_bot(adapter, activity, openid.authorization(APP_ID, fake.base_url, expires_in=-600))

        assert accepted == 201
        assert refused >= 400  # the SDK answers 500 here, not 401: the bot maps it itself
        assert fake.texts() == ["Du skrev: hej"]
        assert fake.requests[0].authorization == "Bearer offline-test-token"
