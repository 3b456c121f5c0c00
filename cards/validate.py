"""Checks a card against the vendored Adaptive Card 1.5 schema and the limits Teams puts on messages."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator

from cards.walk import elements

SCHEMA_PATH = Path(__file__).parent / "schema" / "adaptive-card-1.5.0.json"
# Teams accepts about 100 KB per message (older docs say 40 KB); we stay far below both.
MAX_CARD_BYTES = 28 * 1024


@cache
def _validator() -> Draft6Validator:
    return Draft6Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def card_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def card_problems(card: dict[str, Any]) -> list[str]:
    """Every reason the card would not be a valid, small Adaptive Card 1.5 for Teams; empty when fine."""
    problems = []
    # The schema is strict and does not know Teams' own key.
    stripped = {key: value for key, value in card.items() if key != "msteams"}
    for error in sorted(_validator().iter_errors(stripped), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(card)"
        problems.append(f"{where}: {error.message[:300]}")
    if card.get("version") != "1.5":
        problems.append(f"version must be '1.5', not {card.get('version')!r}")
    size = card_size(card)
    if size > MAX_CARD_BYTES:
        problems.append(f"card is {size} bytes, over the {MAX_CARD_BYTES} byte budget")
    problems.extend(_input_problems(card))
    return problems


def _input_problems(card: dict[str, Any]) -> list[str]:
    """The schema allows what screen readers and Teams' validation do not: unlabeled or duplicate inputs."""
    problems, seen = [], set()
    for node in elements(card):
        node_id = node.get("id")
        if node_id is not None:
            if node_id in seen:
                problems.append(f"duplicate id {node_id!r}")
            seen.add(node_id)
        if str(node.get("type", "")).startswith("Input.") and node.get("isRequired"):
            if not node.get("label") or not node.get("errorMessage"):
                problems.append(f"required input {node_id!r} needs a label and an errorMessage")
    return problems
