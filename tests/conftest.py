"""Shared fixtures: the fake Teams connector, a database on each backend, and the running bot."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from dialogs.clock import ManualClock
from dialogs.config import DialogConfig
from scheduler.jobs import JobContext
from store.db import Database
from tests.fakes.activities import TeamsUser
from tests.fakes.connector import FakeTeamsConnector
from tests.harness import (
    Chat, PostgresDatabases, RunningBot, postgres_server_url, registered_user, settings_for_tests,
)

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_databases():
    url = postgres_server_url()
    if url is None:
        if os.environ.get("KL_REQUIRE_POSTGRES") == "1":
            pytest.fail("KL_REQUIRE_POSTGRES=1 but KL_TEST_POSTGRES_URL is not set")
        return None
    return PostgresDatabases(url)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, postgres_databases):
    """A fresh, empty database: a SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kompetenslyft.db'}"
        return
    if postgres_databases is None:
        pytest.skip("PostgreSQL not configured: set KL_TEST_POSTGRES_URL (scripts/postgres.sh prints it)")
    url = postgres_databases.create()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def db(database_url):
    """A migrated, empty database on each backend, for tests of the store without the bot."""
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'kompetenslyft.db'}"


@pytest.fixture
def connector():
    """Teams' connector with its rate limits on; a Chat paces its person's clicks a second apart."""
    with FakeTeamsConnector(enforce_teams_limits=True) as fake:
        yield fake


@pytest.fixture
async def bot(database_url):
    running = await RunningBot(settings_for_tests(database_url)).start()
    yield running
    await running.stop()


# Tuesday 10 March 2026, 10:00 in Stockholm: inside working hours, so notifications go out at once.
WORKDAY_MORNING = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> ManualClock:
    """The time the clocked bot lives in; a test module overrides this fixture to start elsewhere."""
    return ManualClock(WORKDAY_MORNING)


@pytest.fixture
def job_context(db, clock) -> JobContext:
    """What a scheduled job runs with, without the bot: the database, the test's clock, default settings."""
    return JobContext(db, clock, DialogConfig())


@pytest.fixture
async def clocked_bot(database_url, clock):
    """The bot on a clock the test advances (expiry, reminders, quiet hours); `clocked_bot.clock` is it."""
    running = await RunningBot(settings_for_tests(database_url), clock=clock).start()
    running.clock = clock
    yield running
    await running.stop()


def _teams_user(name: str):
    @pytest.fixture
    def user(connector) -> TeamsUser:
        return registered_user(connector, name)

    return user


# Anna the employee; Karin, her manager; Omar, who reports to Karin too; Maria, a colleague (a stand-in, say).
anna = _teams_user("Anna Lindberg")
karin = _teams_user("Karin Ek")
omar = _teams_user("Omar Haddad")
maria = _teams_user("Maria Holm")


@pytest.fixture
def chat(bot, connector, anna) -> Chat:
    return Chat(bot, connector, anna)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With KL_NO_SKIPS=1 (CI), a skipped test fails: a missing database or browser must not pass unnoticed."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("KL_NO_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be skipped: {report.longrepr}"
