"""Walking a card's JSON: every element, every button, every input. Shared by validation, tests and bench."""

from __future__ import annotations

from typing import Any, Iterator


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the card, depth first, fallbacks included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def actions(node: Any) -> Iterator[dict[str, Any]]:
    """Every button a person sees; an action's fallback is the same button for older clients, so not repeated."""
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            yield node
            return
        for value in node.values():
            yield from actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from actions(item)


def inputs(node: Any) -> Iterator[dict[str, Any]]:
    return (element for element in elements(node) if str(element.get("type", "")).startswith("Input."))


def texts(node: Any) -> list[str]:
    """Every text a person reads on the card, in order: text blocks and facts ("title value"), no fallbacks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(str(node.get("text", "")))
            if node.get("type") == "FactSet":
                found.extend(f"{fact['title']} {fact['value']}" for fact in node.get("facts", []))
            for key, value in node.items():
                if key != "fallback":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(node)
    return found
