"""Sends a card to a person outside a turn: through the stored conversation reference, or a new 1:1 chat."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ChannelAccount, ConversationParameters, ConversationReference
from botframework.connector.models import ErrorResponseException

from bot.activities import card_activity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    tenant_id: str
    # A 29: Teams id or an AAD object id; Teams accepts either when creating a chat.
    user_id: str
    service_url: str
    conversation_reference: dict[str, Any] | None = None


@dataclass(frozen=True)
class Delivered:
    activity_id: str | None
    conversation_reference: dict[str, Any]


class DeliveryFailed(Exception):
    """Teams refused the message; `kind` says whether to wait, give up on the chat, or retry later."""

    def __init__(self, kind: str, status: int | None, retry_after: float | None = None, detail: str = "") -> None:
        super().__init__(f"{kind} (HTTP {status}): {detail}")
        # "throttled" (429), "gone" (404: chat deleted or user unknown), "blocked" (403: the app was removed or
        # blocked), "failed" (anything else: 5xx, network)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


class ProactiveSender:
    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id

    async def send_card(self, recipient: Recipient, card: dict[str, Any]) -> Delivered:
        try:
            if recipient.conversation_reference:
                return await self._continue(recipient.conversation_reference, card)
            return await self._create(recipient, card)
        except ErrorResponseException as error:
            raise _classify(error) from error

    async def _continue(self, reference: dict[str, Any], card: dict[str, Any]) -> Delivered:
        result: dict[str, Any] = {}
        await self._adapter.continue_conversation(
            ConversationReference().deserialize(reference), _sender(card, result), bot_app_id=self._app_id
        )
        _raise_failure(result)
        return Delivered(result.get("id"), reference)

    async def _create(self, recipient: Recipient, card: dict[str, Any]) -> Delivered:
        result: dict[str, Any] = {}
        callback = _sender(card, result)

        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}" if self._app_id else "28:local-bot"),
            members=[ChannelAccount(id=recipient.user_id)],
            tenant_id=recipient.tenant_id,
            # The SDK serializes tenant_id under the wrong key; Teams reads the tenant from channelData.
            channel_data={"tenant": {"id": recipient.tenant_id}},
        )
        await self._adapter.create_conversation(
            self._app_id, callback, parameters, "msteams", recipient.service_url, None
        )
        _raise_failure(result)
        return Delivered(result.get("id"), result["reference"])


def _sender(card: dict[str, Any], result: dict[str, Any]):
    async def callback(turn_context: TurnContext) -> None:
        result["reference"] = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        # Caught here: the adapter's turn-error handler would otherwise swallow it.
        try:
            response = await turn_context.send_activity(card_activity(card))
        except ErrorResponseException as error:
            result["error"] = error
            return
        result["id"] = getattr(response, "id", None)

    return callback


def _raise_failure(result: dict[str, Any]) -> None:
    if "error" in result:
        raise _classify(result["error"]) from result["error"]


def _classify(error: ErrorResponseException) -> DeliveryFailed:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    detail = str(error)[:200]
    if status == 429:
        header = response.headers.get("Retry-After") if response is not None else None
        try:
            retry_after = float(header) if header else None
        except ValueError:
            retry_after = None
        return DeliveryFailed("throttled", status, retry_after, detail)
    if status == 403:
        return DeliveryFailed("blocked", status, None, detail)
    if status == 404:
        return DeliveryFailed("gone", status, None, detail)
    return DeliveryFailed("failed", status, None, detail)
