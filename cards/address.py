"""Stamps every action on a card with its addressee, so a click by anyone else can be told apart."""

from __future__ import annotations

import copy
from typing import Any

ADDRESSEE_KEY = "to"
_ACTIONS_WITH_DATA = {"Action.Execute", "Action.Submit"}


def address_card(card: dict[str, Any], person_id: int) -> dict[str, Any]:
    stamped = copy.deepcopy(card)
    _stamp(stamped, person_id)
    return stamped


def _stamp(node: Any, person_id: int) -> None:
    if isinstance(node, dict):
        if node.get("type") in _ACTIONS_WITH_DATA:
            node.setdefault("data", {})[ADDRESSEE_KEY] = person_id
        for value in node.values():
            _stamp(value, person_id)
    elif isinstance(node, list):
        for item in node:
            _stamp(item, person_id)
