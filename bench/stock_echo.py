"""A STOCK botbuilder 4.17.1 echo bot, as in Microsoft's 02.echo-bot sample: the baseline of bench/turns.py.

Nothing from bot/ is imported and no work-around is applied: CloudAdapter.process, ActivityHandler,
MessageFactory.text. It runs in its own process, so our msrest fixes cannot leak into it.
"""

from __future__ import annotations

import sys
import traceback

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.integration import aiohttp_error_middleware
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class DefaultConfig:
    """The sample's config.py with the environment left out: local mode, no app id."""

    PORT = 3978
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext):
        return await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


def create_app() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(DefaultConfig()))

    async def on_error(context: TurnContext, error: Exception) -> None:
        print(f"\n [on_turn_error] unhandled error: {error}", file=sys.stderr)
        traceback.print_exc()
        await context.send_activity("The bot encountered an error or bug.")

    adapter.on_turn_error = on_error
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application(middlewares=[aiohttp_error_middleware])
    app.router.add_post("/api/messages", messages)
    return app
