"""Typed builders for Adaptive Card 1.5 elements as plain dicts, so cards stay pure data."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from cards.verbs import Verb

CARD_VERSION = "1.5"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"

Element = dict[str, Any]


def card(body: Sequence[Element], actions: Sequence[Element] = (), *, lang: str) -> Element:
    result: Element = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": CARD_VERSION,
        "lang": lang,
        "body": list(body),
        # Teams draws cards narrow by default; full width keeps assessment statements readable.
        "msteams": {"width": "Full"},
    }
    if actions:
        result["actions"] = list(actions)
    return result


def text(
    value: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    spacing: str | None = None,
    style: str | None = None,
) -> Element:
    block: Element = {"type": "TextBlock", "text": value, "wrap": True}
    for key, option in (("size", size), ("weight", weight), ("color", color), ("spacing", spacing), ("style", style)):
        if option:
            block[key] = option
    if subtle:
        block["isSubtle"] = True
    return block


def heading(value: str) -> Element:
    return text(value, size="Large", weight="Bolder", style="heading")


def facts(pairs: Iterable[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def container(items: Sequence[Element], *, style: str | None = None, separator: bool = False) -> Element:
    block: Element = {"type": "Container", "items": list(items)}
    if style:
        block["style"] = style
    if separator:
        block["separator"] = True
    return block


def columns(*cols: tuple[Sequence[Element], str]) -> Element:
    return {
        "type": "ColumnSet",
        "columns": [{"type": "Column", "width": width, "items": list(items)} for items, width in cols],
    }


def image(url: str, *, alt: str, size: str | None = None) -> Element:
    element: Element = {"type": "Image", "url": url, "altText": alt}
    if size:
        element["size"] = size
    return element


def choice_set(
    input_id: str,
    *,
    label: str,
    choices: Sequence[tuple[str, str]],
    required: bool = False,
    error_message: str | None = None,
    value: str | None = None,
    expanded: bool = True,
) -> Element:
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "expanded" if expanded else "compact",
        "choices": [{"title": title, "value": choice_value} for title, choice_value in choices],
    }
    if required:
        element["isRequired"] = True
        element["errorMessage"] = error_message or label
    if value is not None:
        element["value"] = value
    return element


def text_input(
    input_id: str,
    *,
    label: str,
    placeholder: str | None = None,
    value: str | None = None,
    multiline: bool = False,
    max_length: int | None = None,
    required: bool = False,
    error_message: str | None = None,
) -> Element:
    element: Element = {"type": "Input.Text", "id": input_id, "label": label}
    if placeholder:
        element["placeholder"] = placeholder
    if value:
        element["value"] = value
    if multiline:
        element["isMultiline"] = True
    if max_length:
        element["maxLength"] = max_length
    if required:
        element["isRequired"] = True
        element["errorMessage"] = error_message or label
    return element


def execute(title: str, verb: Verb | str, data: dict[str, Any] | None = None, *, style: str | None = None) -> Element:
    """Action.Execute (answered in place with a new card) with an Action.Submit fallback for older clients."""
    payload = {"verb": str(verb), **(data or {})}
    action: Element = {"type": "Action.Execute", "title": title, "verb": str(verb), "data": payload}
    fallback: Element = {"type": "Action.Submit", "title": title, "data": dict(payload)}
    if style:
        action["style"] = style
        fallback["style"] = style
    action["fallback"] = fallback
    return action


def submit(title: str, verb: Verb | str, data: dict[str, Any] | None = None, *, style: str | None = None) -> Element:
    """Action.Submit: the answer arrives as a new message, which keeps the card (a menu) in the chat."""
    action: Element = {"type": "Action.Submit", "title": title, "data": {"verb": str(verb), **(data or {})}}
    if style:
        action["style"] = style
    return action


def open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def action_set(actions: Sequence[Element]) -> Element:
    return {"type": "ActionSet", "actions": list(actions)}


def action_rows(actions: Sequence[Element], per_row: int = 2) -> list[Element]:
    """Buttons in rows of `per_row`, for the body: Teams cuts labels short when three or more long ones share
    a row in the chat pane ("Klar: regis…")."""
    return [action_set(actions[i:i + per_row]) for i in range(0, len(actions), per_row)]
