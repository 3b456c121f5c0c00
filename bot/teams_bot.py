"""The Teams activity handler: turns activities into dialog requests and the replies back into activities."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import replace
from collections.abc import Callable
from concurrent.futures import Executor
from http import HTTPStatus

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ChannelAccount
from botbuilder.schema.teams import TeamInfo

from bot import activities
from bot.member_lookup import MemberLookup
from bot.sender_locks import SenderLocks
from cards.i18n import lang_of, t
from cards.notices import error_card
from dialogs.dispatch import Dispatcher
from dialogs.errors import MalformedAction
from dialogs.turn import Kind, Reply, Request

log = logging.getLogger(__name__)

class KompetenslyftBot(TeamsActivityHandler):
    def __init__(self, dispatcher: Dispatcher, *, dev_mode: bool, member_lookup: MemberLookup | None = None,
                 executor: Executor | None = None, locale_override: str | None = None) -> None:
        self._dispatcher = dispatcher
        # Local dev only: the Agents Playground says en-US whoever the user is.
        self._locale_override = locale_override
        # Where turns run (None: the event loop's default executor); sized to what the database can do at once.
        self._executor = executor
        self._dev_mode = dev_mode
        self._member_lookup = member_lookup
        self._sender_locks = SenderLocks()
        # Called on the event loop after a turn that enqueued a message: the outbox worker wakes for it.
        self.after_turn: Callable[[], None] | None = None

    async def _dispatch(self, request: Request, turn_context: TurnContext) -> Reply:
        if self._locale_override:
            request = replace(request, sender=replace(request.sender, locale=self._locale_override))
        reply = await self._dispatch_once(request, turn_context)
        if request.kind is Kind.INSTALL and reply.failed:
            # Rolled back, so the person is not marked greeted by this event: whether they ever were is in the
            # database (person.welcomed_at), and whichever instance has their next turn greets them if not.
            log.warning("the install event of %s failed before the welcome was recorded; unless they were greeted "
                        "before, they are greeted with their next turn", request.sender.teams_user_id)
        if reply.greeting and request.via_execute:
            # The invoke's first card replaces the one clicked; the welcome goes out as a message of its own.
            await self._send_cards(turn_context, reply.greeting)
        elif reply.greeting:
            reply.cards = reply.greeting + reply.cards
        return reply

    async def _dispatch_once(self, request: Request, turn_context: TurnContext) -> Reply:
        try:
            if self._member_lookup is not None:
                request = await self._member_lookup.enrich(turn_context, request)
            # Dialogs and the store are synchronous; a worker thread keeps the event loop free for other turns.
            async with self._sender_locks.hold((request.sender.tenant_id, request.sender.teams_user_id)):
                reply = await asyncio.get_running_loop().run_in_executor(self._executor, self._dispatcher.handle,
                                                                         request)
        except Exception as error:  # the dispatcher answers its own errors; this is the lookup before it
            code = secrets.token_hex(3)
            log.error("turn could not start, error code %s (%s from %s): %s: %s", code, request.kind,
                      request.sender.teams_user_id, type(error).__name__, error)
            lang = lang_of(request.sender.locale or self._dispatcher.config.default_locale)
            reply = Reply.of(error_card(lang, "internal", code=code))
            reply.failed = True
        if reply.outbox_enqueued and self.after_turn is not None:
            self.after_turn()
        return reply

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        try:
            request = activities.message_request(turn_context.activity, dev_mode=self._dev_mode)
        except MalformedAction as error:
            await self._send_malformed(turn_context, error)
            return
        reply = await self._dispatch(request, turn_context)
        await self._send_cards(turn_context, reply.cards)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._greet(turn_context)

    async def on_teams_members_added(  # pylint: disable=arguments-differ
        self, teams_members_added: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        # Teams announces the bot itself joining a personal chat; greeting twice is left to the dialog to prevent.
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in teams_members_added):
            await self._greet(turn_context)

    async def _greet(self, turn_context: TurnContext) -> None:
        try:
            request = activities.install_request(turn_context.activity, dev_mode=self._dev_mode)
        except MalformedAction as error:
            log.warning("install event ignored: %s", error)
            return
        reply = await self._dispatch(request, turn_context)
        await self._send_cards(turn_context, reply.cards)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name != activities.ADAPTIVE_CARD_ACTION:
            log.info("unsupported invoke %r ignored", turn_context.activity.name)
            return InvokeResponse(status=HTTPStatus.NOT_IMPLEMENTED)
        try:
            request = activities.execute_request(turn_context.activity, dev_mode=self._dev_mode)
        except MalformedAction as error:
            log.warning("malformed Action.Execute: %s", error)
            message = t(self._lang(turn_context), "error.malformed")
            # The SDK's own error path raises on a dict body (500); answer 400 ourselves.
            return InvokeResponse(status=400, body=activities.error_invoke_body(400, message))
        reply = await self._dispatch(request, turn_context)
        if not reply.cards:
            return InvokeResponse(status=200, body={"statusCode": 200, "type": activities.MESSAGE_CONTENT_TYPE,
                                                    "value": ""})
        first, *rest = reply.cards
        await self._send_cards(turn_context, rest)
        return InvokeResponse(status=200, body=activities.card_invoke_body(first))

    async def _send_cards(self, turn_context: TurnContext, cards: list[dict]) -> None:
        if cards:
            await turn_context.send_activities([activities.card_activity(card) for card in cards])

    async def _send_malformed(self, turn_context: TurnContext, error: MalformedAction) -> None:
        log.warning("malformed message activity: %s", error)
        await self._send_cards(turn_context, [error_card(self._lang(turn_context), "malformed")])

    def _lang(self, turn_context: TurnContext):
        locale = self._locale_override or activities.locale_of(turn_context.activity)
        return lang_of(locale or self._dispatcher.config.default_locale)
