"""bot.inbound.read_activity builds the Activity msrest's Deserializer builds, for every body: the same values,
the same types, the same sharing with the body; a body of the wrong shape gets msrest's own result or error."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest
from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model

from bot import inbound
from bot.inbound import read_activity
from tests.fakes import activities as teams
from tests.fakes.activities import BotAccount, TeamsUser
from tests.harness import RunningBot, settings_for_tests

WINTER_EVENING = datetime(2026, 11, 25, 18, 13, 23, 123000, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def pure_msrest(monkeypatch):
    """msrest as shipped, without bot.sdk_fixes' copy of plain JSON (which another test may have applied)."""
    shipped = getattr(Deserializer.deserialize_object, "__wrapped__", Deserializer.deserialize_object)
    monkeypatch.setattr(Deserializer, "deserialize_object", shipped)


def msrest_reads(body: dict) -> Activity:
    return Deserializer(Activity._infer_class_models())("Activity", body)


def outcome(read, body: dict) -> tuple[str, Any]:
    try:
        return "read", read(body)
    except Exception as error:
        return "raised", (type(error), str(error))


def assert_same_graph(ours: Any, theirs: Any, body_containers: set[int], path: str = "activity") -> None:
    """Attribute by attribute, types included; and a dict or list is the body's own object in both or in neither
    (msrest copies object-typed values such as channelData, and keeps unknown keys' values as they are)."""
    assert type(ours) is type(theirs), f"{path}: {type(ours).__name__} against {type(theirs).__name__}"
    if isinstance(ours, (dict, list)):
        assert (id(ours) in body_containers) == (id(theirs) in body_containers), f"{path}: shared differently"
    if isinstance(ours, Model):
        assert list(vars(ours)) == list(vars(theirs)), path
        for name in vars(theirs):
            assert_same_graph(getattr(ours, name), getattr(theirs, name), body_containers, f"{path}.{name}")
    elif isinstance(ours, dict):
        assert set(ours) == set(theirs), path
        for key in theirs:
            assert_same_graph(ours[key], theirs[key], body_containers, f"{path}[{key!r}]")
    elif isinstance(ours, list):
        assert len(ours) == len(theirs), path
        for index, (mine, other) in enumerate(zip(ours, theirs)):
            assert_same_graph(mine, other, body_containers, f"{path}[{index}]")
    elif isinstance(ours, datetime):
        assert ours == theirs and ours.isoformat() == theirs.isoformat(), path
        assert type(ours.tzinfo) is type(theirs.tzinfo), path
        assert ours.tzname() == theirs.tzname() and ours.utcoffset() == theirs.utcoffset(), path
    else:
        assert ours == theirs, path


def containers_of(value: Any) -> set[int]:
    if isinstance(value, dict):
        return {id(value)}.union(*(containers_of(item) for item in value.values()))
    if isinstance(value, list):
        return {id(value)}.union(*(containers_of(item) for item in value))
    return set()


def assert_reads_as_msrest(body: dict) -> None:
    before = copy.deepcopy(body)
    ours, theirs = read_activity(body), msrest_reads(body)

    assert body == before, "reading leaves the body as it was"
    assert ours == theirs
    assert ours.serialize() == theirs.serialize()
    assert ours.as_dict() == theirs.as_dict()
    assert_same_graph(ours, theirs, containers_of(body))


# ---- every shape Teams sends, as the fakes build them ------------------------------------------------------

def _teams_shapes() -> dict[str, dict]:
    anna = TeamsUser.create("Anna Lindberg")
    no_locale = TeamsUser.create("Bo Ek", locale=None)
    bot = BotAccount.for_app("4b1f0c2e-9a7d-4e3b-8c5f-1d2e3f4a5b6c")
    answer = {"verb": "assessment.answer", "assessment": 7, "rev": 2, "area": 1, "to": 12,
              **{f"c1_{index}_f": str(index % 5) for index in range(24)}}
    return {
        "message": teams.text(anna, "hjälp"),
        "message in English at a fixed time": teams.text(anna, "help", locale="en-US", at=WINTER_EVENING),
        "message without locale or entities": teams.text(no_locale, "hej"),
        "message to another service url": teams.text(anna, "hej", service_url="https://other.example/"),
        "channel mention": teams.channel_mention(anna, "hjälp", bot=bot),
        "Action.Execute": teams.execute(anna, "menu.help", {"verb": "menu.help"}),
        "Action.Execute of an area answer": teams.execute(anna, "assessment.answer", answer, action_id="send"),
        "Action.Execute without locale": teams.execute(no_locale, "menu.help", {"verb": "menu.help"}),
        "Action.Submit": teams.submit(anna, {"verb": "menu.help", "nested": [{"x": 1.5, "y": None, "z": True}]}),
        "Action.Submit without locale": teams.submit(no_locale, {"verb": "menu.help"}, at=WINTER_EVENING),
        "installationUpdate add": teams.install(anna),
        "installationUpdate add with locale": teams.install(anna, locale="sv-SE"),
        "installationUpdate remove": teams.uninstall(anna),
        "conversationUpdate": teams.bot_added(anna),
    }


TEAMS_SHAPES = _teams_shapes()


@pytest.mark.parametrize("shape", TEAMS_SHAPES)
def test_every_teams_activity_reads_as_msrest_reads_it(shape):
    assert_reads_as_msrest(TEAMS_SHAPES[shape])


def test_the_teams_activities_have_what_is_compared():
    # So that the comparison above covers datetimes, entities, members and object-typed values at all.
    read = {shape: read_activity(body) for shape, body in TEAMS_SHAPES.items()}
    assert isinstance(read["message"].local_timestamp, datetime)
    assert read["message"].entities[0].additional_properties["locale"] == "sv-SE"
    assert read["conversationUpdate"].members_added[0].id.startswith("28:")
    assert read["Action.Execute"].value["action"]["verb"] == "menu.help"
    assert read["message"].conversation.additional_properties["tenantId"]


# ---- hand-made edge cases ------------------------------------------------------------------------------------

def _edge(**changes: Any) -> dict:
    body = teams.text(TeamsUser.create("Anna Lindberg"), "hej", at=WINTER_EVENING)
    body.update(changes)
    return body


def _every_model() -> dict:
    """A body with a value for every attribute of every model reachable from Activity."""
    account = {"id": "29:1abc", "name": "Anna", "aadObjectId": "0f1e", "role": "user", "properties": {"k": [1]}}
    conversation = {"isGroup": False, "conversationType": "personal", "id": "a:1xyz", "name": "chat",
                    "aadObjectId": "0f1e", "role": "user", "tenantID": "t-1", "properties": {"p": None}}
    return _edge(
        localTimezone="Europe/Stockholm", attachmentLayout="list",
        membersAdded=[account], membersRemoved=[account, {"id": "29:2"}],
        reactionsAdded=[{"type": "like"}], reactionsRemoved=[{"type": "heart", "extra": 1}],
        topicName="topic", historyDisclosed=True, speak="hej", inputHint="acceptingInput", summary="s",
        suggestedActions={"to": ["29:1abc"], "actions": [
            {"type": "imBack", "title": "Ja", "image": "https://x/i.png", "text": "ja", "displayText": "Ja",
             "value": {"answer": "yes"}, "channelData": [1, 2], "imageAltText": "ja"}]},
        attachments=[{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": "https://x/c",
                      "content": {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "x"}]},
                      "name": "card", "thumbnailUrl": "https://x/t.png"}],
        action="add", label="l", valueType="vt", value=[{"a": 1}, "b", 2, 2.5, False, None], name="n",
        relatesTo={"activityId": "1", "user": account, "bot": {"id": "28:b"}, "conversation": conversation,
                   "channelId": "msteams", "locale": "sv-SE", "serviceUrl": "https://x/"},
        code="completedSuccessfully", expiration="2026-11-26T18:13:23.5+01:00", importance="high",
        deliveryMode="normal", listenFor=["ja", "nej"], textHighlights=[{"text": "hej", "occurrence": 1}],
        semanticAction={"id": "s", "entities": {"e": {"type": "thing", "size": 3}, "f": None}, "state": "start"},
        callerId="urn:botframework:azure",
    )


EDGE_CASES = {
    "every attribute of every model": _every_model(),
    "unknown keys at the top": _edge(futureField={"x": [1, {"y": 2}]}, another=None, empty=[]),
    "unknown keys nested": _edge(
        **{"from": {"id": "29:1", "userRole": "anonymous", "nested": {"a": 1}},
           "conversation": {"id": "a:1", "tenantId": "t", "isGroup": None},
           "entities": [{"type": "clientInfo", "locale": "sv-SE", "deep": {"list": [1, 2]}}, {"no": "type"}],
           "attachments": [{"contentType": "text/plain", "unknown": True}]}),
    "python attribute names as keys": _edge(from_property={"id": "x"}, additional_properties={"a": 1},
                                             local_timestamp="2026-01-01T00:00:00Z", channel_data=1),
    "nulls everywhere": _edge(**dict.fromkeys(
        ["id", "timestamp", "localTimestamp", "from", "conversation", "recipient", "entities", "attachments",
         "channelData", "value", "locale", "text", "historyDisclosed", "membersAdded", "expiration"])),
    "nulls inside lists and nested models": _edge(
        entities=[None, {"type": None}], membersAdded=[None], listenFor=[None, "ja"],
        relatesTo={"user": None, "bot": {"id": None}}, semanticAction={"entities": {"a": None}}),
    "empty lists and dicts": _edge(entities=[], attachments=[], membersAdded=[], channelData={}, value=[],
                                   semanticAction={"entities": {}}, suggestedActions={}),
    "only a type": {"type": "message"},
    "an empty body": {},
    "timestamp with 7 fraction digits as Teams sends": _edge(timestamp="2026-11-25T18:13:23.1234567Z"),
    "timestamp with an offset": _edge(timestamp="2026-11-25T19:13:23.123+01:00"),
    "timestamp without fraction": _edge(timestamp="2026-11-25T18:13:23Z"),
    "timestamp without a zone": _edge(timestamp="2026-11-25T18:13:23.5"),
    "timestamp in lower case": _edge(timestamp="2026-11-25t18:13:23.123z"),
    "localTimestamp with +01:00": _edge(localTimestamp="2026-11-25T19:13:23.123+01:00"),
    "localTimestamp with -05:30 and 7 digits": _edge(localTimestamp="2026-11-25T12:43:23.1234567-05:30"),
    "scalar value and channelData": _edge(value="just text", channelData=5),
    "number value": _edge(value=3.25),
    "boolean value": _edge(value=False),
    "unicode and big numbers": _edge(text="åäö ✓ 日本", value={"big": 10**30, "neg": -1, "é": "ü"}),
}


@pytest.mark.parametrize("case", EDGE_CASES)
def test_an_edge_case_reads_as_msrest_reads_it(case):
    assert_reads_as_msrest(EDGE_CASES[case])


@pytest.mark.parametrize("body", [*TEAMS_SHAPES.values(), *EDGE_CASES.values()],
                         ids=[*TEAMS_SHAPES, *EDGE_CASES])
def test_a_well_formed_activity_is_read_without_msrest(body, monkeypatch):
    def msrest_must_not_be_asked(*_args):
        raise AssertionError("handed to msrest")

    monkeypatch.setattr(inbound, "_msrest", msrest_must_not_be_asked)
    assert read_activity(body) == msrest_reads(body)


# ---- bodies of the wrong shape: msrest's outcome, whatever it is ------------------------------------------------

WRONG_SHAPES = {
    # msrest refuses these (the endpoint answers 400):
    "from is a string": _edge(**{"from": "29:1abc"}),
    "conversation is a list": _edge(conversation=[{"id": "a:1"}]),
    "entities is a dict": _edge(entities={"type": "clientInfo"}),
    "an entity is a number": _edge(entities=[1]),
    "membersAdded holds a string": _edge(membersAdded=["29:1abc"]),
    "timestamp is garbage": _edge(timestamp="yesterday"),
    "timestamp is a number": _edge(timestamp=1764094403),
    "timestamp in year 0": _edge(timestamp="0000-01-01T00:00:00Z"),
    "localTimestamp with a bad offset": _edge(localTimestamp="2026-11-25T19:13:23.123+25:00"),
    # msrest converts these, and reads them:
    "text is a number": _edge(text=42),
    "text is a dict": _edge(text={"a": 1}),
    "id is a boolean": _edge(id=True),
    "historyDisclosed is a string": _edge(historyDisclosed="true"),
    "historyDisclosed is 1": _edge(historyDisclosed=1),
    "occurrence is a string": _edge(textHighlights=[{"text": "a", "occurrence": "3"}]),
    "occurrence is a float": _edge(textHighlights=[{"text": "a", "occurrence": 2.7}]),
    "occurrence is a boolean": _edge(textHighlights=[{"text": "a", "occurrence": True}]),
    "semanticAction entities as key-value pairs": _edge(semanticAction={"entities": [{"key": "a", "value": {}}]}),
    "value holds a tuple": _edge(value={"pair": (1, 2)}),
    "channelData holds a str subclass": _edge(channelData={"name": type("Name", (str,), {})("x")}),
}


@pytest.mark.parametrize("case", WRONG_SHAPES)
def test_a_body_of_the_wrong_shape_gets_msrests_outcome_from_msrest(case, monkeypatch):
    body = WRONG_SHAPES[case]
    expected_kind, expected = outcome(msrest_reads, body)
    asked: list[dict] = []
    msrest = inbound._msrest

    def counting_msrest(target, data):
        asked.append(data)
        return msrest(target, data)

    monkeypatch.setattr(inbound, "_msrest", counting_msrest)
    kind, got = outcome(read_activity, body)

    assert asked == [body], "the whole body is handed to msrest"
    assert kind == expected_kind
    if kind == "raised":
        assert got == expected
    else:
        assert_same_graph(got, expected, containers_of(body))
        assert got.serialize() == expected.serialize()


def test_the_wrong_shapes_include_both_outcomes():
    kinds = {case: outcome(msrest_reads, body)[0] for case, body in WRONG_SHAPES.items()}
    assert kinds["from is a string"] == kinds["entities is a dict"] == kinds["timestamp is garbage"] == "raised"
    assert kinds["text is a number"] == "read" and msrest_reads(WRONG_SHAPES["text is a number"]).text == "42"


def test_a_body_too_deep_for_the_fast_walk_is_left_to_msrest(monkeypatch):
    deep: Any = "bottom"
    for _ in range(5000):
        deep = [deep]
    body = _edge(value=deep)
    asked = []
    monkeypatch.setattr(inbound, "_msrest", lambda target, data: asked.append(data) or "msrest's answer")

    assert read_activity(body) == "msrest's answer" and asked == [body]


def test_a_model_whose_init_does_more_than_assign_is_not_read_directly():
    class Rounded(Model):
        _attribute_map = {"size": {"key": "size", "type": "float"}}

        def __init__(self, *, size=None, **kwargs):
            super().__init__(**kwargs)
            self.size = None if size is None else round(size)

    class Plain(Model):
        _attribute_map = {"size": {"key": "size", "type": "float"}}

        def __init__(self, *, size=None, **kwargs):
            super().__init__(**kwargs)
            self.size = size

    assert inbound._probe(Rounded) is None
    assert list(inbound._probe(Plain)) == ["additional_properties", "size"]


# ---- the endpoint ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["from is a string", "entities is a dict", "timestamp is garbage"])
async def test_the_endpoint_answers_400_for_a_malformed_activity(case, sqlite_url):
    bot = await RunningBot(settings_for_tests(sqlite_url)).start()
    try:
        response = await bot.post(WRONG_SHAPES[case])
    finally:
        await bot.stop()

    assert response.status == 400
    assert response.body == {"error": "malformed activity"}
