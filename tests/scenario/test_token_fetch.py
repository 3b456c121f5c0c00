"""The bot's outbound token is fetched in a worker thread: MSAL answers a cache miss with a blocking HTTPS call to
Azure AD, which on the event loop would stall every other person's turn until Azure AD answered."""

from __future__ import annotations

import threading

from botframework.connector.auth import AppCredentials

from tests.fakes import activities as teams
from tests.fakes.openid import FakeOpenIdServer, StaticTokenCredentialsFactory
from tests.harness import APP_ID, BOT_TOKEN, RunningBot, authenticated_settings


class _MsalLikeCredentials(AppCredentials):
    """The first call fetches (blocking, in real life); later calls read the cache. Records where it fetched."""

    fetched_on: list[str] = []

    def __init__(self, app_id: str) -> None:
        super().__init__(app_id=app_id)
        self._cached: str | None = None

    def get_access_token(self, force_refresh: bool = False) -> str:
        if self._cached is None:
            self.fetched_on.append(threading.current_thread().name)
            self._cached = BOT_TOKEN
        return self._cached


class _Factory(StaticTokenCredentialsFactory):
    async def create_credentials(self, app_id, oauth_scope, login_endpoint, validate_authority):
        return _MsalLikeCredentials(app_id)


async def test_the_token_fetch_runs_off_the_event_loop_and_the_reply_carries_it(sqlite_url, connector, anna):
    connector.bot_token = BOT_TOKEN
    _MsalLikeCredentials.fetched_on = []
    with FakeOpenIdServer() as openid:
        bot = await RunningBot(authenticated_settings(sqlite_url, openid), openid=openid,
                               credentials_factory=_Factory(APP_ID)).start()
        try:
            response = await bot.post(teams.text(anna, "hjälp", service_url=connector.base_url))
        finally:
            await bot.stop()

    assert response.status == 201
    assert connector.cards(anna.conversation_id), "the reply reached Teams with the bot's token"
    assert _MsalLikeCredentials.fetched_on and threading.main_thread().name not in _MsalLikeCredentials.fetched_on
