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
