"""The plan loop of test_plan_signoff with authentication on, as in production: every activity carries a channel
token from the fake issuer, every call the bot makes to Teams carries its own token, and the fake connector
refuses anything else (tests/fakes/connector.py)."""

from __future__ import annotations

import pytest

from tests.fakes import activities as teams
from tests.fakes.connector import FakeTeamsConnector
from tests.fakes.openid import FakeOpenIdServer
from tests.harness import BOT_TOKEN, RunningBot, authenticated_settings
from tests.scenario.test_plan_signoff import (  # noqa: F401  (pytest runs the imported tests here, authenticated)
    directory,
    test_asking_for_changes_sends_the_comment_and_the_resent_plan_reaches_the_manager_again,
    test_the_whole_loop_employee_manager_employee_with_a_chat_created_for_the_manager,
)


@pytest.fixture
def openid():
    with FakeOpenIdServer() as server:
        yield server


@pytest.fixture
def connector():
    with FakeTeamsConnector(enforce_teams_limits=True, bot_token=BOT_TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(database_url, clock, openid, connector):
    running = await RunningBot(authenticated_settings(database_url, openid), clock=clock, openid=openid).start()
    running.clock = clock
    yield running
    await running.stop()
    # Everything the bot sent Teams in the loop carried its token; nothing was refused for the lack of it.
    assert connector.requests and all(r.authorization == f"Bearer {BOT_TOKEN}" for r in connector.requests)
    assert all(r.status != 401 for r in connector.requests)


async def test_an_activity_without_a_channel_token_changes_nothing(bot, connector, anna):
    response = await bot.post(teams.text(anna, "min plan", service_url=connector.base_url),
                              headers={"Authorization": "Bearer not-a-token"})

    assert response.status == 401
    assert connector.activities(anna.conversation_id) == []
    # The fixture's check needs one authorised call: the same person, authenticated, is served.
    assert (await bot.post(teams.text(anna, "hjälp", service_url=connector.base_url))).status == 201
