"""Runs the real app on 127.0.0.1 and talks to it like Teams: activities over HTTP, replies at the fake connector."""

from __future__ import annotations

import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

import aiohttp
from aiohttp import web
from sqlalchemy import create_engine, text

from bot.app import DATABASE, create_app
from bot.endpoint import server_options
from bot.settings import Settings
from cards.walk import actions as iter_actions, texts
from dialogs.clock import Clock
from store import plans
from store.db import Database, normalise_url
from store.people import find_person
from tests.fakes import activities as teams
from tests.fakes.activities import DEFAULT_BOT, TeamsUser
from tests.fakes.connector import FakeTeamsConnector
from tests.fakes.openid import FakeOpenIdServer, StaticTokenCredentialsFactory


@dataclass
class Response:
    status: int
    body: Any

    @property
    def card(self) -> dict[str, Any] | None:
        """The replacement card of an Action.Execute answer."""
        if isinstance(self.body, dict) and self.body.get("type") == "application/vnd.microsoft.card.adaptive":
            return self.body["value"]
        return None


class RunningBot:
    """The app from create_app, served by aiohttp on a free loopback port inside the test's event loop.

    With `openid` (a FakeOpenIdServer the settings trust, see `authenticated_settings`) every activity posted
    carries a channel token from it, as Teams would send, unless the test gives its own Authorization header."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, credentials_factory=None,
                 openid: FakeOpenIdServer | None = None) -> None:
        self.settings = settings
        self.openid = openid
        if openid is not None and credentials_factory is None:
            credentials_factory = StaticTokenCredentialsFactory(settings.app_id, BOT_TOKEN)
        self.app = create_app(settings, clock=clock, credentials_factory=credentials_factory)
        self._runner = web.AppRunner(self.app, access_log=None, **server_options())
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> "RunningBot":
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self._session:
            await self._session.close()
        await self._runner.cleanup()

    async def post(self, activity: dict[str, Any] | str | bytes, *, headers: dict[str, str] | None = None,
                   content_type: str = "application/json") -> Response:
        """Posts an activity (or, for bad-input tests, any JSON value or raw bytes) as Teams would."""
        assert self._session is not None
        data = activity if isinstance(activity, (str, bytes)) else json.dumps(activity)
        headers = dict(headers or {})
        if self.openid is not None and "Authorization" not in headers and isinstance(activity, dict):
            headers["Authorization"] = self.openid.authorization(self.settings.app_id, activity.get("serviceUrl"))
        async with self._session.post(f"{self.url}/api/messages", data=data,
                                      headers={"Content-Type": content_type, **(headers or {})}) as response:
            raw = await response.read()
            try:
                body = await response.json(content_type=None) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            return Response(response.status, body)

    async def get(self, path: str) -> Response:
        assert self._session is not None
        async with self._session.get(f"{self.url}{path}") as response:
            return Response(response.status, await response.json(content_type=None))


PERSON_PACE_SECONDS = 1.0


@dataclass
class Chat:
    """One person's personal chat with the bot, driven the way the person would: type, click, read cards.

    As in Teams, the app is installed before the person first writes: the first say/submit/execute sends the
    install events first, and the welcome they bring is read then (not returned with the turn's cards). A test
    about a person who writes without an install event (theirs failed or never came) says `installed=True`."""

    bot: RunningBot
    connector: FakeTeamsConnector
    user: TeamsUser
    seen: int = field(default=0)
    installed: bool = False

    @property
    def service_url(self) -> str:
        return self.connector.base_url

    def cards(self) -> list[dict[str, Any]]:
        return self.connector.cards(self.user.conversation_id)

    def _new_cards(self) -> list[dict[str, Any]]:
        cards = self.cards()
        fresh, self.seen = cards[self.seen:], len(cards)
        return fresh

    def _pace(self) -> None:
        # A person reads a card before the next click: a second apart on the connector's clock (its rate limits).
        self.connector.advance(PERSON_PACE_SECONDS)

    async def install(self) -> list[dict[str, Any]]:
        self.installed = True
        self._pace()
        await self.bot.post(teams.install(self.user, self.service_url))
        await self.bot.post(teams.bot_added(self.user, self.service_url))
        return self._new_cards()

    async def _installed_first(self) -> None:
        if not self.installed:
            await self.install()

    async def say(self, words: str) -> list[dict[str, Any]]:
        await self._installed_first()
        self._pace()
        response = await self.bot.post(teams.text(self.user, words, service_url=self.service_url))
        assert response.status in (200, 201), response
        return self._new_cards()

    async def submit(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        await self._installed_first()
        self._pace()
        response = await self.bot.post(teams.submit(self.user, data, service_url=self.service_url))
        assert response.status in (200, 201), response
        return self._new_cards()

    async def execute(self, verb: str, data: dict[str, Any]) -> tuple[Response, list[dict[str, Any]]]:
        await self._installed_first()
        self._pace()
        response = await self.bot.post(teams.execute(self.user, verb, data, service_url=self.service_url))
        return response, self._new_cards()

    async def click(self, card: dict[str, Any], title: str, inputs: dict[str, Any] | None = None
                    ) -> list[dict[str, Any]]:
        """Press the button titled `title`; returns the cards the person sees next (the replacement first)."""
        action = find_action(card, title)
        data = {**action.get("data", {}), **(inputs or {})}
        if action["type"] == "Action.Execute":
            response, extra = await self.execute(action["verb"], data)
            assert response.status == 200, response
            return ([response.card] if response.card else []) + extra
        return await self.submit(data)


@contextmanager
def another_instance_holding(db: Database, lock_key: int) -> Iterator[None]:
    """Another bot instance running a job: it holds the job's PostgreSQL advisory lock for the block."""
    with db.engine.connect() as other_instance:
        other_instance.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key})
        try:
            yield
        finally:
            other_instance.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key})


def registered_user(connector: FakeTeamsConnector, name: str) -> TeamsUser:
    """A new Teams user whom the fake connector knows (member lookup, new chats)."""
    user = TeamsUser.create(name)
    connector.register(user)
    return user


def person_id_of(bot: RunningBot, user: TeamsUser) -> int:
    with bot.app[DATABASE].session() as session:
        return find_person(session, tenant_id=user.tenant_id, aad_object_id=user.aad_object_id).id


def latest_plan_of(bot: RunningBot, user: TeamsUser):
    with bot.app[DATABASE].session() as session:
        return plans.latest_plan(session, person_id=person_id_of(bot, user))


def find_action(card: dict[str, Any], title: str) -> dict[str, Any]:
    for action in iter_actions(card):
        if action.get("title") == title:
            return action
    titles = [action.get("title") for action in iter_actions(card)]
    raise AssertionError(f"no button {title!r} on the card; it has {titles}")


def card_texts(card: dict[str, Any]) -> list[str]:
    """Every text a person reads on the card, in order."""
    return texts(card)


def card_text(card: dict[str, Any]) -> str:
    return "\n".join(card_texts(card))


class PostgresDatabases:
    """Creates a fresh database per test on the server in KL_TEST_POSTGRES_URL, and drops it afterwards."""

    def __init__(self, server_url: str) -> None:
        self.server_url = normalise_url(server_url)
        self._admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        name = f"kl_test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return self.server_url.rsplit("/", 1)[0] + f"/{name}"

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def settings_for_tests(database_url: str, **overrides: Any) -> Settings:
    base = Settings(database_url=database_url, run_scheduler=False)
    return replace(base, **overrides)


# The bot's app id as Teams knows it (the fake activities' recipient, 28:<app id>), and the outbound token the
# tests' credentials give it: the fake connector accepts exactly that one when the bot has an app id.
APP_ID = DEFAULT_BOT.id.removeprefix("28:")
BOT_TOKEN = "offline-test-token"


def authenticated_settings(database_url: str, openid: FakeOpenIdServer, **overrides: Any) -> Settings:
    """Authentication on, as in production: an app id, and channel tokens from the fake issuer only."""
    return settings_for_tests(database_url, app_id=APP_ID, app_password="not-used-offline", app_type="MultiTenant",
                              openid_metadata_url=openid.metadata_url, token_issuer=openid.issuer,
                              allowed_tenant_ids=frozenset({teams.DEFAULT_TENANT_ID}), **overrides)


def postgres_server_url() -> str | None:
    return os.environ.get("KL_TEST_POSTGRES_URL") or None
