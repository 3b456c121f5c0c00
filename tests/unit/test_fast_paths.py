"""The faster paths of the area-answer turn give exactly what the slower ones gave (bench/README.md)."""

from __future__ import annotations

import copy
import json

import pytest

from cards.address import address_card
from cards.i18n import LANGS
from cards.samples import all_samples

SAMPLES = sorted(all_samples().items())


def _address_card_as_before(card: dict, person_id: int) -> dict:
    """The former implementation: a deep copy, then a second walk that stamps the actions."""
    stamped = copy.deepcopy(card)

    def stamp(node) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"Action.Execute", "Action.Submit"}:
                node.setdefault("data", {})["to"] = person_id
            for value in node.values():
                stamp(value)
        elif isinstance(node, list):
            for item in node:
                stamp(item)

    stamp(stamped)
    return stamped


def _containers(node, found: list) -> list:
    if isinstance(node, (dict, list)):
        found.append(node)
        for value in node.values() if isinstance(node, dict) else node:
            _containers(value, found)
    return found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("name", "build"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_address_card_gives_the_same_card_as_the_deep_copy_did(name, build, lang):
    card = build(lang)
    before = json.dumps(card, sort_keys=False)

    addressed = address_card(card, 4711)

    expected = _address_card_as_before(card, 4711)
    # Same content and the same key order, so the same JSON goes out.
    assert json.dumps(addressed) == json.dumps(expected)
    assert json.dumps(card) == before, "the card built by the handler is not changed"
    originals = {id(node) for node in _containers(card, [])}
    assert not originals & {id(node) for node in _containers(addressed, [])}, "no dict or list is shared"


def test_address_card_stamps_an_action_without_data_and_keeps_other_types_as_deepcopy_did():
    card = {"type": "AdaptiveCard", "actions": [{"type": "Action.Submit", "title": "x"}],
            "extra": ({"type": "Action.Execute", "data": {}},), "n": [1, 2.5, True, None]}

    addressed = address_card(card, 7)

    assert addressed == _address_card_as_before(card, 7)
    assert addressed["actions"][0]["data"] == {"to": 7}
    assert addressed["extra"] is not card["extra"]


# ---- msrest reading an inbound activity ----------------------------------------------------------------------

def test_msrest_copies_plain_json_values_as_its_own_walk_did_and_leaves_the_rest_to_it():
    from msrest.serialization import Deserializer

    from bot.sdk_fixes import apply_sdk_fixes
    from tests.fakes import activities as teams
    from tests.fakes.activities import TeamsUser

    apply_sdk_fixes()
    deserializer = Deserializer({})
    original = Deserializer.deserialize_object.__wrapped__
    activity = teams.execute(TeamsUser.create("Anna"), "assessment.answer",
                             {"verb": "assessment.answer", "assessment": 7, "rev": 2, "area": 1, "c2_1_f": "3",
                              "nested": [{"x": 1.5, "y": None, "z": True}], "to": 12})
    for value in (activity["value"], activity["channelData"], [1, "a", {"b": [False]}]):
        fast = deserializer.deserialize_object(value)
        assert fast == original(deserializer, value)
        assert fast is not value and json.dumps(fast) == json.dumps(value)
    # Not plain JSON (a tuple inside): msrest's own path, with its own answer (here: an error).
    with pytest.raises(TypeError):
        deserializer.deserialize_object({"a": (1, 2)})
    with pytest.raises(TypeError):
        original(deserializer, {"a": (1, 2)})


def test_an_activity_reads_the_same_with_and_without_the_fast_copy():
    from botbuilder.schema import Activity
    from msrest.serialization import Deserializer

    from bot.sdk_fixes import apply_sdk_fixes
    from tests.fakes import activities as teams
    from tests.fakes.activities import TeamsUser

    apply_sdk_fixes()
    user = TeamsUser.create("Anna")
    bodies = [teams.execute(user, "assessment.answer", {"verb": "assessment.answer", "c1_1_f": "2", "to": 3}),
              teams.text(user, "hjälp")]
    for body in bodies:
        fast = Activity().deserialize(body).serialize()
        fast_copy = Deserializer.deserialize_object
        try:
            Deserializer.deserialize_object = fast_copy.__wrapped__
            slow = Activity().deserialize(body).serialize()
        finally:
            Deserializer.deserialize_object = fast_copy
        assert fast == slow


def test_statements_for_a_competence_are_the_scan_and_sort_they_were():
    from store.digcomp import GROUP_KEYS, load_framework, load_instrument

    instrument = load_instrument()
    for competence in load_framework(instrument.framework_version).competences:
        scanned = sorted((s for s in instrument.statements if s.competence == competence.key),
                         key=lambda s: GROUP_KEYS.index(s.group))
        assert instrument.statements_for(competence.key) == tuple(scanned)
    with pytest.raises(KeyError):
        instrument.statements_for("9.9")


def _activities_of_every_kind():
    from tests.fakes import activities as teams
    from tests.fakes.activities import TeamsUser

    anna, bo = TeamsUser.create("Anna"), TeamsUser.create("Bo")
    bodies = []
    for user in (anna, bo, anna):
        bodies += [teams.text(user, "hjälp"), teams.text(user, "help", locale="en-US"),
                   teams.execute(user, "menu.help", {"verb": "menu.help"}), teams.install(user),
                   teams.bot_added(user), teams.submit(user, {"verb": "menu.help"}),
                   teams.channel_mention(user, "hjälp"), teams.text(user, "hej", service_url="https://other.example/")]
    no_id = teams.text(anna, "utan id")
    no_id.pop("id")
    return bodies + [no_id]


def test_a_remembered_conversation_reference_is_what_the_sdk_serializes_each_time():
    from botbuilder.core import TurnContext

    from bot.activities import reference_of
    from bot.inbound import read_activity
    from bot.sdk_fixes import apply_sdk_fixes

    apply_sdk_fixes()
    for body in _activities_of_every_kind():
        activity = read_activity(body)
        expected = TurnContext.get_conversation_reference(activity).serialize()
        first, again = reference_of(activity), reference_of(activity)
        assert json.dumps(first) == json.dumps(again) == json.dumps(expected), body["type"]
        first["user"]["name"] = "changed by a caller"
        assert reference_of(activity) == expected, "each call gets its own copy"
