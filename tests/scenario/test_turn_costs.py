"""A turn that changes nothing writes nothing, and the shortcuts past msrest and the SDK's deep copy give what
msrest gives. What they save (new SDK clients per turn, msrest's node-by-node walk, statements per turn) is
measured in bench/: bench/turns.py's variants and bench/round_trips.py."""

import copy
import json
from enum import StrEnum

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


class _Colour(StrEnum):
    RED = "red"


def test_a_card_serializes_as_msrest_would_serialize_it_and_so_does_anything_else():
    apply_sdk_fixes()
    serializer = Serializer({})
    original = Serializer.serialize_object.__wrapped__
    card = menu_card("sv")
    card["msteams"]["numbers"] = [1, 2.5, True, None, {"nested": ["x", 0]}]

    assert serializer.serialize_object(card) == original(serializer, card) == card
    # Anything not plain JSON (here a str subclass) takes msrest's own path, with its own result.
    mixed = {"colour": _Colour.RED, "items": [_Colour.RED, 1]}
    assert serializer.serialize_object(mixed) == original(serializer, mixed) == {"colour": "red", "items": ["red", 1]}


def test_an_invoke_response_body_survives_the_sdks_deep_copy_as_the_card_it_was():
    body = card_invoke_body(menu_card("sv"))

    assert copy.deepcopy(body) == body, "TurnContext.send_activities deep-copies the invoke response"
    assert json.loads(json.dumps(body)) == {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": menu_card("sv")}


def test_a_card_message_survives_the_sdks_deep_copy_and_is_written_as_msrest_writes_the_stock_one():
    from botbuilder.core import CardFactory, MessageFactory

    from bot.activities import card_activity
    from bot.outbound import msrest_body, write_activity

    card = menu_card("sv")
    sent = copy.deepcopy(card_activity(card))  # what TurnContext.send_activities sends
    stock = MessageFactory.attachment(CardFactory.adaptive_card(menu_card("sv")))

    assert sent.attachments[0].content == card
    assert json.dumps(write_activity(sent)) == json.dumps(msrest_body(sent)) == json.dumps(msrest_body(stock))
