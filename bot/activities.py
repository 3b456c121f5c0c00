"""Translates between Bot Framework activities and the plain requests and replies of dialogs/."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from dialogs.errors import MalformedAction
from dialogs.turn import Kind, Request, Sender

log = logging.getLogger(__name__)

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
ERROR_CONTENT_TYPE = "application/vnd.microsoft.error"
LOCAL_TENANT = "local-dev-tenant"


def tenant_of(activity: Activity) -> str | None:
    """The SDK maps tenant_id to the JSON key `tenantID` and so drops Teams' conversation.tenantId."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") or {}
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    conversation = activity.conversation
    return getattr(conversation, "tenant_id", None) if conversation else None


def locale_of(activity: Activity) -> str | None:
    if activity.locale:
        return activity.locale
    for entity in activity.entities or []:
        properties = getattr(entity, "additional_properties", None)
        locale = properties.get("locale") if isinstance(properties, dict) else None
        if getattr(entity, "type", None) == "clientInfo" and locale and isinstance(locale, str):
            return locale
    return None


def sender_of(activity: Activity, *, dev_mode: bool) -> Sender:
    sender = activity.from_property
    tenant = tenant_of(activity) or (LOCAL_TENANT if dev_mode else None)
    if sender is None or not sender.id or not tenant:
        raise MalformedAction("activity without a sender id or tenant")
    return Sender(
        tenant_id=tenant,
        teams_user_id=sender.id,
        aad_object_id=sender.aad_object_id,
        name=sender.name,
        locale=locale_of(activity),
    )


# Serialized conversation references by everything they depend on except the activity id (see reference_of).
_REFERENCES: OrderedDict[str, tuple[bool, str]] = OrderedDict()
_REFERENCES_KEPT = 4096
_REFERENCE_BYTES_KEPT = 4096


def reference_of(activity: Activity) -> dict[str, Any]:
    """TurnContext.get_conversation_reference(activity).serialize(), remembered per sender and chat.

    msrest serialized the reference's three accounts attribute by attribute on every turn (70 us, 3 % of an
    area answer), and they are the same on every turn of a chat. The key is the repr of every input of that
    result but the activity id's value, so an equal key means an equal result; a value whose repr is not
    its content (an object without a repr) only makes a key that never comes back.
    """
    key = repr((_attributes(activity.from_property), _attributes(activity.recipient),
                _attributes(activity.conversation), activity.type, activity.channel_id, activity.locale,
                activity.service_url, activity.id is None))
    remembered = _REFERENCES.get(key)
    if remembered is None:
        reference = TurnContext.get_conversation_reference(activity).serialize()
        # The SDK names the activity only for some activity types and channels: both are in the key.
        has_id = "activityId" in reference
        reference.pop("activityId", None)
        remembered = (has_id, json.dumps(reference))
        # Bounded in count and in size: Teams' references are under 1 KB; a larger one (odd ids or extra data
        # in a fuzzed activity) is made afresh every time rather than kept.
        if len(key) + len(remembered[1]) <= _REFERENCE_BYTES_KEPT:
            _REFERENCES[key] = remembered
            while len(_REFERENCES) > _REFERENCES_KEPT:
                _REFERENCES.popitem(last=False)
    has_id, rest = remembered
    # A new dict each time, so that nobody holding one changes the remembered reference.
    return {"activityId": activity.id, **json.loads(rest)} if has_id else json.loads(rest)


def _attributes(model: Any) -> Any:
    return vars(model) if model is not None else None


def install_request(activity: Activity, *, dev_mode: bool) -> Request:
    return Request(sender_of(activity, dev_mode=dev_mode), Kind.INSTALL, conversation_reference=reference_of(activity))


def message_request(activity: Activity, *, dev_mode: bool) -> Request:
    """A typed message, or an Action.Submit: a message with `value` (the card's inputs merged into its data)."""
    sender = sender_of(activity, dev_mode=dev_mode)
    reference = reference_of(activity)
    if activity.value is not None and not (activity.text or "").strip():
        value = activity.value
        if not isinstance(value, dict) or not isinstance(value.get("verb"), str):
            raise MalformedAction(f"Action.Submit without a verb: {type(value).__name__}")
        return Request(sender, Kind.ACTION, verb=value["verb"], data=value, conversation_reference=reference)
    text = TurnContext.remove_recipient_mention(activity) if activity.entities else activity.text
    return Request(sender, Kind.TEXT, text=(text or "").strip(), conversation_reference=reference)


def execute_request(activity: Activity, *, dev_mode: bool) -> Request:
    """Action.Execute: invoke `adaptiveCard/action` with value {action: {type, verb, data}, trigger}."""
    sender = sender_of(activity, dev_mode=dev_mode)
    value = activity.value if isinstance(activity.value, dict) else None
    action = value.get("action") if value else None
    if not isinstance(action, dict) or not isinstance(action.get("verb"), str) or not action["verb"]:
        raise MalformedAction("adaptiveCard/action invoke without action.verb")
    data = action.get("data") or {}
    if not isinstance(data, dict):
        raise MalformedAction("adaptiveCard/action invoke whose action.data is not an object")
    return Request(
        sender,
        Kind.ACTION,
        verb=action["verb"],
        data=data,
        via_execute=True,
        conversation_reference=reference_of(activity),
    )


class _SentCard(Attachment):
    """A card attachment that deepcopy() returns as it is, as _InvokeBody below.

    TurnContext.send_activities deep-copies every activity it sends, the card in its attachment with it:
    about 1.0 ms for the 5 KB "aktiviteter för mig" sample card against 0.45 ms for the menu (bench/README.md,
    "New flows against the help turn"). The attachment is built for this one message and never changed; the
    copy's own fields (the conversation reference the SDK applies) are still copied.
    """

    def __deepcopy__(self, memo: dict) -> "_SentCard":
        return self


def card_activity(card: dict[str, Any]) -> Activity:
    attachment = CardFactory.adaptive_card(card)
    return MessageFactory.attachment(_SentCard(content_type=attachment.content_type, content=attachment.content))


class _InvokeBody(dict):
    """An invoke response body that deepcopy() returns as it is.

    The SDK "sends" the invoke response like any activity, and TurnContext.send_activities deep-copies
    every activity it sends: the whole replacement card, about 0.3 ms for a 19 KB assessment area card,
    on every Action.Execute (bench/turns.py). The body is built for this one response and never changed.
    """

    def __deepcopy__(self, memo: dict) -> "_InvokeBody":
        return self


def card_invoke_body(card: dict[str, Any]) -> dict[str, Any]:
    return _InvokeBody(statusCode=200, type=CARD_CONTENT_TYPE, value=card)


def error_invoke_body(status: int, message: str) -> dict[str, Any]:
    code = "BadRequest" if status == 400 else "Forbidden" if status == 403 else "InternalServerError"
    return {"statusCode": status, "type": ERROR_CONTENT_TYPE, "value": {"code": code, "message": message}}
