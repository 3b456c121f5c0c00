"""What a turn costs beyond its answer, found with bench/turns.py: no write when nothing changed, no new SDK
clients (and so no new connection) per turn, and msrest not walking our cards node by node."""

import copy
import json
from collections import Counter
from enum import StrEnum

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth._connector_factory_impl import _ConnectorFactoryImpl
from msrest import Serializer
from sqlalchemy import event

from bot.activities import CARD_CONTENT_TYPE, card_invoke_body
from bot.app import DATABASE
from bot.sdk_fixes import apply_sdk_fixes
from cards.verbs import Verb
from cards.welcome import menu_card
from tests.harness import Chat


async def test_a_repeated_turn_writes_nothing(bot, chat: Chat):
    assert await chat.say("hjälp")  # the first turn records the person
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    engine = bot.app[DATABASE].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert await chat.say("hjälp")
        response, _ = await chat.execute(Verb.HELP, {"verb": Verb.HELP})
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert response.status == 200 and response.card
    # The conversation reference names each turn's activity id; that alone must not rewrite the person.
    assert statements and not {"INSERT", "UPDATE", "DELETE"} & set(statements), statements


async def test_turns_reuse_one_connector_client_and_one_user_token_client(bot, chat: Chat, monkeypatch):
    created: Counter[str] = Counter()
    create_connector = _ConnectorFactoryImpl.create
    create_token_client = ConfigurationBotFrameworkAuthentication.create_user_token_client

    async def counting_connector(self, service_url, audience=None):
        created["connector"] += 1
        return await create_connector(self, service_url, audience)

    async def counting_token_client(self, claims_identity):
        created["user token"] += 1
        return await create_token_client(self, claims_identity)

    monkeypatch.setattr(_ConnectorFactoryImpl, "create", counting_connector)
    monkeypatch.setattr(ConfigurationBotFrameworkAuthentication, "create_user_token_client", counting_token_client)

    for _ in range(3):
        assert await chat.say("hjälp")
    response, _ = await chat.execute(Verb.HELP, {"verb": Verb.HELP})

    assert response.status == 200 and response.card
    assert len(chat.cards()) == 3, "every typed turn still gets its reply through the connector"
    assert created == {"connector": 1, "user token": 1}


class _Colour(StrEnum):
    RED = "red"


def test_msrest_passes_plain_json_through_and_still_serializes_the_rest():
    apply_sdk_fixes()
    serializer = Serializer({})
    original = Serializer.serialize_object.__wrapped__
    card = menu_card("sv")
    card["msteams"]["numbers"] = [1, 2.5, True, None, {"nested": ["x", 0]}]

    assert serializer.serialize_object(card) is card, "plain JSON skips msrest's walk"
    assert serializer.serialize_object(card) == original(serializer, card)
    # Anything not plain JSON (here a str subclass) takes msrest's own path, with its own result.
    mixed = {"colour": _Colour.RED, "items": [_Colour.RED, 1]}
    assert serializer.serialize_object(mixed) == original(serializer, mixed) == {"colour": "red", "items": ["red", 1]}


def test_an_invoke_response_body_is_not_deep_copied_again():
    body = card_invoke_body(menu_card("sv"))

    assert copy.deepcopy(body) is body, "TurnContext.send_activities deep-copies the invoke response"
    assert json.loads(json.dumps(body)) == {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": menu_card("sv")}
