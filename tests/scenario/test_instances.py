"""Several real bot processes on one PostgreSQL: they share the outbox and the tenant's pace, one leads the
scheduler, a kill -9 loses and repeats nothing, and SIGTERM drains. PostgreSQL only (SQLite serves one
instance), with the fake Teams connector in this test's process."""

from __future__ import annotations

import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from scheduler.leader import LEADER_LOCK_KEY
from store import outbox
from store.db import Database
from store.models.outbox import OutboxStatus
from tests.fakes import activities as teams
from tests.fakes.connector import FakeTeamsConnector
from tests.processes import TENANT, BotProcess, reachable_people

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Nyhet"}]}


@pytest.fixture
def limited_connector():
    """Teams' per-tenant limit enforced: above it, 429 with Retry-After."""
    with FakeTeamsConnector(enforce_teams_limits=True, tenant_requests_per_second=50) as fake:
        yield fake


@pytest.fixture
def processes(tmp_path):
    started: list[BotProcess] = []

    def start(database_url: str, **environment: str) -> BotProcess:
        process = BotProcess(database_url, log_path=tmp_path / f"bot-{len(started)}.log", **environment).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def _until(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout:g} s for {what}")


def _statuses(db: Database) -> Counter:
    with db.session() as session:
        return Counter(m.status for m in outbox.messages_for(session, campaign_prefix="news"))


def test_two_instances_share_the_outbox_and_a_kill_9_mid_send_loses_and_repeats_nothing(
        db, database_url, limited_connector, processes):
    people = reachable_people(db, limited_connector, 120)
    first = processes(database_url, OUTBOX_TENANT_RATE="40")
    second = processes(database_url, OUTBOX_TENANT_RATE="40")
    limited_connector.hold_sends()
    with db.session() as session:
        outbox.enqueue_many(session, campaign="news", cards=[(p, CARD) for p in people], now=_now())

    # Both instances are now mid-send: their messages wait at Teams' door. One dies there.
    limited_connector.wait_for_held(2)
    first.kill()
    limited_connector.release_sends()

    # The survivor sends the rest at 40/s and takes over the dead one's claims once their lease ends.
    _until(lambda: _statuses(db)[OutboxStatus.SENT] == len(people), timeout=len(people) / 40 + 15,
           what="every message sent")
    per_chat = Counter(a["_conversation_id"] for a in limited_connector.activities() if a["_kind"] in ("send", "reply"))
    assert len(per_chat) == len(people), "nobody missed"
    assert set(per_chat.values()) == {1}, "nobody got it twice"
    assert any(r.status == 400 for r in limited_connector.requests), "the killed instance's send was cut off"
    assert second.metric("kompetenslyft_outbox_sends_total") is not None


def test_one_instance_leads_the_scheduler_and_another_takes_over_when_it_is_killed(db, database_url, processes):
    first = processes(database_url, RUN_SCHEDULER="true")
    second = processes(database_url, RUN_SCHEDULER="true")

    def leaders() -> list[BotProcess]:
        return [p for p in (first, second) if p.process.poll() is None and p.metric("kompetenslyft_scheduler_leader")]

    (leader,) = _until(leaders, timeout=10, what="a leader")
    _until(lambda: all(p.metric("kompetenslyft_scheduler_leader") is not None for p in (first, second)),
           timeout=10, what="both instances reporting")
    assert len(leaders()) == 1, "one scheduler at a time"
    follower = second if leader is first else first

    leader.kill()

    assert _until(leaders, timeout=10, what="the follower to take over") == [follower]


def test_sigterm_finishes_the_turn_in_flight_hands_back_claims_gives_up_leadership_and_exits_0(
        db, database_url, connector, anna, processes):
    people = reachable_people(db, connector, 3)
    bot = processes(database_url, RUN_SCHEDULER="true", OUTBOX_TENANT_RATE="0.5", DRAIN_SECONDS="10")
    _until(lambda: bot.metric("kompetenslyft_scheduler_leader"), timeout=10, what="leadership")
    connector.hold_sends()
    with db.session() as session:
        outbox.enqueue_many(session, campaign="news", cards=[(p, CARD) for p in people], now=_now())
    connector.wait_for_held(1)  # the first message is mid-send; the others wait for their slots, 2 s apart
    with ThreadPoolExecutor(1) as background:
        turn = background.submit(bot.post, "/api/messages", teams.text(anna, "hjälp", service_url=connector.base_url))
        connector.wait_for_held(2)  # and a turn's reply is on its way

        bot.terminate()
        _until(lambda: not _accepts_connections(bot.port), timeout=10, what="the listener to close")
        connector.release_sends()

        assert turn.result(timeout=30) in (200, 201), "the turn in flight finished"
    assert bot.wait(30) == 0
    assert connector.cards(anna.conversation_id), "its reply arrived"
    statuses = _statuses(db)
    assert statuses[OutboxStatus.SENT] == 1 and statuses[OutboxStatus.PENDING] == 2, statuses
    with db.session() as session:
        assert all(m.claim_token is None for m in outbox.messages_for(session))
        held = session.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key "
                                    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
                               {"key": LEADER_LOCK_KEY}).scalar()
    assert held == 0, "leadership given up"


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
