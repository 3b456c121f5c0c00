"""The Playground harness works: a stock echo bot's card is shown, its button clicked, the answer seen.

The echo bot stands in for the real one until the bot's app factory exists.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from playground import Playground, PlaygroundPage, free_port, launch_chromium, missing_tools

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(missing_tools()), reason="Playground tests need: " + ", ".join(missing_tools())),
]

RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"


def _echo_card(text: str, *, with_inputs: bool = False) -> dict:
    body = [{"type": "TextBlock", "text": text, "wrap": True}]
    if with_inputs:
        choices = [{"title": title, "value": title.lower()} for title in ("Ofta", "Ibland", "Aldrig")]
        body += [
            {"type": "Input.ChoiceSet", "id": "often", "style": "expanded", "label": "Hur ofta?", "choices": choices},
            {"type": "Input.Text", "id": "note", "label": "Kommentar"},
        ]
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": body,
        "actions": [{"type": "Action.Submit", "title": "Tryck här", "data": {"pressed": "knappen"}}],
    }


def _build_app():
    """A stock botbuilder TeamsActivityHandler behind CloudAdapter, auth off (empty app id)."""
    from aiohttp import web
    from botbuilder.core import CardFactory, MessageFactory, TurnContext
    from botbuilder.core.teams import TeamsActivityHandler
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    class Config:
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    class EchoBot(TeamsActivityHandler):
        async def on_members_added_activity(self, members_added, turn_context: TurnContext):
            if any(member.id != turn_context.activity.recipient.id for member in members_added):
                card = _echo_card("Välkommen! Skriv något.")
                await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

        async def on_message_activity(self, turn_context: TurnContext):
            activity = turn_context.activity
            if activity.value:
                value = activity.value
                await turn_context.send_activity(
                    f"Du tryckte på {value.get('pressed')}: {value.get('often')}, {value.get('note')}"
                )
            else:
                card = _echo_card(f"Du skrev: {activity.text}", with_inputs=True)
                await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
    bot = EchoBot()

    async def messages(request):
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


class EchoBotServer:
    """Serves the echo bot on 127.0.0.1 from an event loop in a background thread."""

    def __init__(self):
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner = None

    def __enter__(self):
        from aiohttp import web

        self._thread.start()

        async def start():
            self._runner = web.AppRunner(_build_app())
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        return self

    def __exit__(self, *exc):
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def test_echo_bot_card_round_trip_in_the_playground():
    from playwright.sync_api import expect, sync_playwright

    with EchoBotServer() as bot, Playground(bot.port) as playground, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            chat = PlaygroundPage.new(browser, playground).open()
            expect(chat.last_card()).to_contain_text("Välkommen! Skriv något.")
            welcomes = chat.bot_messages.count()

            chat.send("hej")
            chat.wait_for_bot_messages(welcomes + 1)
            expect(chat.last_card()).to_contain_text("Du skrev: hej")

            chat.choose_radio("Ibland")
            chat.fill("Kommentar", "från testet")
            chat.click_button("Tryck här")
            chat.wait_for_bot_messages(welcomes + 2)
            expect(chat.bot_messages.last).to_contain_text("Du tryckte på knappen: ibland, från testet")
            chat.screenshot(RESULTS / "playground-smoke.png")
        finally:
            browser.close()
