"""bot.outbound.write_activity writes what msrest's Serializer.body writes for the connector, for every reply the bot
sends and for hand-made edge cases: the same JSON text, key order included, and the same types; an activity it
cannot write with certainty is written by msrest, with msrest's result or error."""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    Activity, ActivityTypes, Attachment, AttachmentLayoutTypes, CardAction, ChannelAccount, ConversationAccount,
    Entity, HeroCard, InputHints, Mention, SuggestedActions, TextFormatTypes,
)
from botframework.connector import models as connector_models
from msrest.serialization import Serializer

from bot import outbound
from bot.activities import card_activity
from bot.inbound import read_activity
from bot.outbound import write_activity
from bot.sdk_fixes import apply_sdk_fixes
from cards.welcome import menu_card
from tests.fakes import activities as teams
from tests.fakes.activities import TeamsUser
from tests.unit.test_inbound_activity import EDGE_CASES, TEAMS_SHAPES

WINTER_EVENING = datetime(2026, 11, 25, 18, 13, 23, 123000, tzinfo=timezone.utc)
_MODELS = {name: kind for name, kind in vars(connector_models).items() if isinstance(kind, type)}


@pytest.fixture(autouse=True)
def sdk_fixes():
    apply_sdk_fixes()  # what the running bot has: plain JSON passed through by msrest


def msrest_writes(activity: Activity) -> Any:
    """What ConnectorClient.conversations sends: a Serializer over the connector's models (a copy, since
    msrest's body() replaces the activity's lists)."""
    return Serializer(_MODELS).body(copy.deepcopy(activity), "Activity")


def shipped_msrest_writes(activity: Activity) -> Any:
    """msrest without bot.sdk_fixes' pass-through of plain JSON."""
    serializer = Serializer(_MODELS)
    shipped = getattr(Serializer.serialize_object, "__wrapped__", Serializer.serialize_object)
    serializer.serialize_object = shipped.__get__(serializer)
    serializer.serialize_type["object"] = serializer.serialize_object
    return serializer.body(copy.deepcopy(activity), "Activity")


def assert_same_types(ours: Any, theirs: Any, path: str = "body") -> None:
    assert type(ours) is type(theirs), f"{path}: {type(ours).__name__} against {type(theirs).__name__}"
    if isinstance(ours, dict):
        assert list(ours) == list(theirs), path
        for key in ours:
            assert_same_types(ours[key], theirs[key], f"{path}[{key!r}]")
    elif isinstance(ours, list):
        assert len(ours) == len(theirs), path
        for index, (mine, other) in enumerate(zip(ours, theirs)):
            assert_same_types(mine, other, f"{path}[{index}]")


def assert_writes_as_msrest(activity: Activity) -> dict:
    before = copy.deepcopy(activity)
    ours, theirs = write_activity(activity), msrest_writes(activity)

    assert activity == before, "writing leaves the activity as it was"
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)
    assert json.dumps(ours) == json.dumps(theirs), "the same bytes on the wire, key order included"
    assert_same_types(ours, theirs)
    assert json.dumps(ours, sort_keys=True) == json.dumps(shipped_msrest_writes(activity), sort_keys=True)
    return ours


@pytest.fixture
def no_fallback(monkeypatch):
    """For the bot's own replies the table writes everything; msrest is not asked."""
    def refuse(activity):
        raise AssertionError("write_activity fell back to msrest")

    monkeypatch.setattr(outbound, "msrest_body", refuse)


# ---- every reply the bot sends, built as TurnContext.send_activities builds it ---------------------------------

def as_sent(inbound_body: dict, outgoing: Activity) -> Activity:
    """TurnContext.send_activities: a copy with the conversation reference applied, the input hint set, no id."""
    inbound = read_activity(inbound_body)
    activity = TurnContext.apply_conversation_reference(copy.deepcopy(outgoing),
                                                          TurnContext.get_conversation_reference(inbound))
    if not getattr(activity, "type", None):
        activity.type = ActivityTypes.message
    if not activity.input_hint:
        activity.input_hint = "acceptingInput"
    activity.id = None
    return activity


def _replies() -> dict[str, Activity]:
    anna = TeamsUser.create("Anna Lindberg")
    no_locale = TeamsUser.create("Bo Ek", locale=None)
    menu = card_activity(menu_card("sv"))
    mention = Mention(mentioned=ChannelAccount(id=anna.teams_id, name=anna.name), text=f"<at>{anna.name}</at>",
                      type="mention")
    client_info = Entity(type="clientInfo")
    client_info.additional_properties = {"locale": "sv-SE"}  # read back by the SDK, not sent: not in the map
    with_everything = MessageFactory.text("Hej <at>Anna Lindberg</at>", input_hint=InputHints.expecting_input)
    with_everything.entities = [mention, client_info]
    with_everything.channel_data = {"notification": {"alert": True}, "tenant": {"id": anna.tenant_id}}
    with_everything.timestamp = WINTER_EVENING
    with_everything.local_timestamp = datetime(2026, 11, 25, 19, 13, 23, 5, tzinfo=timezone(timedelta(hours=1)))
    with_everything.text_format = TextFormatTypes.markdown
    with_everything.attachment_layout = AttachmentLayoutTypes.carousel
    with_everything.summary = "sammanfattning"
    with_everything.suggested_actions = SuggestedActions(
        to=[anna.teams_id], actions=[CardAction(type="imBack", title="Ja", value={"answer": "ja"})])
    proactive = TurnContext.apply_conversation_reference(copy.deepcopy(menu), TurnContext.get_conversation_reference(
        read_activity(teams.install(anna))))
    proactive.reply_to_id = None
    return {
        "menu card reply": as_sent(teams.text(anna, "hjälp"), menu),
        "menu card reply in English": as_sent(teams.text(anna, "help", locale="en-US", at=WINTER_EVENING),
                                              card_activity(menu_card("en"))),
        "menu card reply without locale": as_sent(teams.text(no_locale, "hjälp"), menu),
        "card reply to Action.Submit": as_sent(teams.submit(anna, {"verb": "menu.help"}), menu),
        "second card of an Action.Execute": as_sent(teams.execute(anna, "menu.help", {"verb": "menu.help"}), menu),
        "welcome on install": as_sent(teams.install(anna), menu),
        "welcome on bot added": as_sent(teams.bot_added(anna), menu),
        "reply in a channel thread": as_sent(teams.channel_mention(anna, "hjälp"), menu),
        "text reply": as_sent(teams.text(anna, "hej"), MessageFactory.text("Hej!")),
        "text with entities, channelData, timestamps and enums": as_sent(teams.text(anna, "hej"), with_everything),
        "without reply_to_id (a proactive send)": proactive,
        "two cards": as_sent(teams.text(anna, "hej"), MessageFactory.carousel(
            [CardFactory.adaptive_card(menu_card("sv")), CardFactory.adaptive_card(menu_card("en"))])),
    }


REPLIES = _replies()


@pytest.mark.parametrize("reply", REPLIES)
def test_every_reply_the_bot_sends_is_written_as_msrest_writes_it(reply, no_fallback):
    assert_writes_as_msrest(REPLIES[reply])


def test_the_replies_have_what_is_compared(no_fallback):
    written = {name: write_activity(activity) for name, activity in REPLIES.items()}
    menu = written["menu card reply"]
    assert menu["type"] == "message" and menu["replyToId"] and menu["locale"] == "sv-SE"
    assert menu["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert ":" in menu["conversation"]["id"] and menu["from"]["id"].startswith("28:")
    assert "locale" not in written["menu card reply without locale"]
    assert "replyToId" not in written["without reply_to_id (a proactive send)"]
    everything = written["text with entities, channelData, timestamps and enums"]
    assert everything["timestamp"] == "2026-11-25T18:13:23.123Z"
    assert everything["localTimestamp"] == "2026-11-25T18:13:23.000005Z"  # msrest writes UTC, whatever the zone
    assert everything["entities"][0]["mentioned"]["name"] == "Anna Lindberg"
    assert everything["entities"][1] == {"type": "clientInfo"}
    assert everything["inputHint"] == "expectingInput" and type(everything["textFormat"]) is str


def test_the_card_is_passed_through_not_copied(no_fallback):
    activity = REPLIES["menu card reply"]
    assert write_activity(activity)["attachments"][0]["content"] is activity.attachments[0].content


# ---- activities msrest read, written back: every attribute of every model, and the odd shapes -------------------

INBOUND = {**{f"Teams: {name}": body for name, body in TEAMS_SHAPES.items()},
           **{f"edge: {name}": body for name, body in EDGE_CASES.items()}}


@pytest.mark.parametrize("case", INBOUND)
def test_an_activity_read_from_teams_is_written_as_msrest_writes_it(case, no_fallback):
    assert_writes_as_msrest(read_activity(copy.deepcopy(INBOUND[case])))


# ---- hand-made edge cases ------------------------------------------------------------------------------------

class _Colour(str, Enum):
    RED = "red"


class _Number(Enum):
    ONE = 1


class _Text(str):
    pass


def _text(**changes: Any) -> Activity:
    activity = copy.deepcopy(REPLIES["text reply"])
    for name, value in changes.items():
        setattr(activity, name, value)
    return activity


def _datetimes() -> dict[str, datetime]:
    stockholm = timezone(timedelta(hours=1))
    return {
        "UTC with milliseconds": WINTER_EVENING,
        "no fraction": datetime(2026, 1, 1, tzinfo=timezone.utc),
        "one microsecond": datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc),
        "all six digits": datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=timezone.utc),
        "tenths": datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=timezone.utc),
        "an offset across midnight": datetime(2026, 1, 1, 0, 30, tzinfo=stockholm),
        "a negative offset across the year": datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        "no zone (msrest takes it as UTC and warns)": datetime(2026, 6, 1, 12, 0, 0, 120000),
        "year 1": datetime(1, 1, 1, 12, tzinfo=timezone.utc),
    }


WRITTEN_EDGES: dict[str, Activity] = {
    **{f"timestamp: {name}": _text(timestamp=moment, local_timestamp=moment, expiration=moment)
       for name, moment in _datetimes().items()},
    "enums where strings belong": _text(type=ActivityTypes.message, input_hint=InputHints.ignoring_input,
                                        text_format=TextFormatTypes.xml, importance=_Colour.RED),
    "nulls in lists of models and strings": _text(entities=[None, Entity(type="x")], listen_for=[None, "ja"],
                                                  members_added=[None]),
    "empty lists and dicts": _text(entities=[], attachments=[], channel_data={}, value=[]),
    "scalar channelData and value": _text(channel_data=5, value="text"),
    "float, bool and None in value": _text(value=[1.5, True, None, {"x": float("1e300")}]),
    "unicode": _text(text="åäö ✓ 日本 \u2028", channel_data={"é": "ü\n"}),
    "a model where another is declared": _text(from_property=ConversationAccount(id="a:1", is_group=True)),
    "a Mention in entities": _text(entities=[Mention(mentioned=ChannelAccount(id="29:1"), text="<at>x</at>")]),
    "attachment without content": _text(attachments=[Attachment(content_type="text/plain", content_url="https://x/")]),
    "history disclosed false": _text(history_disclosed=False),
    "additional properties are not sent": _text(additional_properties={"extra": 1}),
}

# Shapes the table does not write itself: msrest writes the whole activity, as before.
FALLBACK_EDGES: dict[str, Activity] = {
    "a dict where a model belongs": _text(from_property={"id": "28:bot", "name": "Bot"}),
    "a str subclass": _text(text=_Text("hej")),
    "a bool where a str belongs": _text(text=True),
    "an int where a bool belongs": _text(history_disclosed=1),
    "a timestamp as a string": _text(timestamp="2026-11-25T18:13:23.1234567Z"),
    "a tuple of attachments": _text(attachments=(Attachment(content_type="text/plain", content="x"),)),
    "a model as an attachment's content": _text(attachments=[CardFactory.hero_card(HeroCard(title="t"))]),
    "an enum inside channelData": _text(channel_data={"colour": _Colour.RED}),
    "a tuple inside value": _text(value={"pair": (1, 2)}),
    "a datetime inside value": _text(value={"at": WINTER_EVENING}),
    "an enum of numbers where a str belongs": _text(text=_Number.ONE),
}


@pytest.mark.parametrize("case", WRITTEN_EDGES)
def test_an_edge_case_is_written_as_msrest_writes_it(case, no_fallback):
    assert_writes_as_msrest(WRITTEN_EDGES[case])


@pytest.mark.parametrize("case", FALLBACK_EDGES)
def test_an_odd_activity_is_left_to_msrest_and_gets_its_result(case, monkeypatch):
    asked = []
    monkeypatch.setattr(outbound, "msrest_body", lambda activity: asked.append(1) or msrest_writes(activity))
    ours = outcome(write_activity, copy.deepcopy(FALLBACK_EDGES[case]))

    assert asked, "msrest wrote it"
    assert ours == outcome(msrest_writes, FALLBACK_EDGES[case])


def outcome(write, activity: Activity) -> tuple[str, str]:
    try:
        return "written", json.dumps(write(activity), default=repr)
    except Exception as error:
        return "raised", re.sub(r" at 0x[0-9a-f]+", "", f"{type(error).__name__}: {error}")  # copies' addresses


def test_an_activity_msrest_refuses_raises_msrest_error():
    out_of_range = _text(timestamp=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))

    with pytest.raises(Exception) as ours:
        write_activity(copy.deepcopy(out_of_range))
    with pytest.raises(Exception) as theirs:
        msrest_writes(out_of_range)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


def test_a_naive_datetime_warns_as_msrest_warns(caplog, no_fallback):
    with caplog.at_level(logging.WARNING, logger="msrest.serialization"):
        write_activity(_text(timestamp=datetime(2026, 6, 1, 12)))
    assert "Datetime with no tzinfo will be considered UTC." in caplog.text


class _Sending(Activity):
    """A model whose additional properties are sent, as enable_additional_properties_sending makes it."""

    _attribute_map = {**Activity._attribute_map}


def test_additional_properties_are_sent_when_the_model_says_so_and_do_not_overwrite_attributes(no_fallback):
    _Sending._attribute_map = {"additional_properties": {"key": "", "type": "{object}"}, **Activity._attribute_map}
    activity = _Sending(type="message", text="attribute", locale="sv-SE")
    activity.additional_properties = {"text": "additional", "extra": {"x": [1]}}

    written = assert_writes_as_msrest(activity)

    assert written["text"] == "additional" and written["extra"] == {"x": [1]}


def test_a_model_given_additional_properties_sending_later_is_written_with_them(no_fallback):
    class Late(Activity):
        _attribute_map = {**Activity._attribute_map}

    activity = Late(type="message", text="hej")
    activity.additional_properties = {"late": True}
    assert "late" not in write_activity(activity)

    Late.enable_additional_properties_sending()

    assert assert_writes_as_msrest(activity)["late"] is True
