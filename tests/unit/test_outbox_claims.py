"""Claims only their holder can finish, leases a live worker keeps, the tenant pace every instance shares,
and what a campaign's report and cancel see: on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from store import outbox
from store.models.core import Person
from store.models.outbox import OutboxStatus

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}
LEASE = timedelta(seconds=6)


@pytest.fixture
def people(db) -> list[int]:
    with db.session() as session:
        rows = [Person(tenant_id="t", teams_user_id=f"29:{n}", aad_object_id=f"aad-{n}") for n in range(4)]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def _enqueue_all(db, people, campaign="c1"):
    with db.session() as session:
        return outbox.enqueue_many(session, campaign=campaign, cards=[(p, CARD) for p in people], now=NOW)


def _claim(db, at, limit=10):
    with db.session() as session:
        return outbox.claim_due(session, now=at, limit=limit, lease=LEASE)


def _status(db):
    with db.session() as session:
        return [(m.status, m.attempts) for m in outbox.messages_for(session)]


def test_a_late_worker_can_neither_undo_a_delivery_nor_block_the_next_claimant(db, people):
    """The interleaving of issue 11: A's lease runs out mid-send, B claims and delivers, then A reports."""
    _enqueue_all(db, people[:1])
    (late,) = _claim(db, NOW)
    (again,) = _claim(db, NOW + LEASE + timedelta(seconds=1))
    assert again.token != late.token

    with db.session() as session:
        assert not outbox.mark_retry(session, late.id, token=late.token, at=NOW, attempts=1, error="timeout")
        assert outbox.renew_leases(session, ids=[late.id], token=late.token, until=NOW + timedelta(hours=1)) == set()
    with db.session() as session:
        assert outbox.mark_sent(session, again.id, token=again.token, now=NOW, activity_id="1", attempts=1)
    with db.session() as session:
        assert not outbox.mark_failed(session, late.id, token=late.token, attempts=9, error="late")

    assert _status(db) == [(OutboxStatus.SENT, 1)]
    assert _claim(db, NOW + timedelta(hours=1)) == [], "a delivered message is never due again"


def test_a_renewed_lease_keeps_the_row_from_other_workers_and_a_lapsed_one_gives_it_up(db, people):
    _enqueue_all(db, people[:1])
    (held,) = _claim(db, NOW)
    with db.session() as session:
        assert outbox.renew_leases(session, ids=[held.id], token=held.token, until=NOW + LEASE * 2) == {held.id}

    assert _claim(db, NOW + LEASE + timedelta(seconds=1)) == [], "renewed: still held"
    assert len(_claim(db, NOW + LEASE * 2 + timedelta(seconds=1))) == 1, "not renewed again: passed on"


def test_claims_handed_back_on_shutdown_are_due_at_once_for_another_instance(db, people):
    _enqueue_all(db, people)
    claimed = _claim(db, NOW)
    with db.session() as session:
        assert outbox.release_claims(session, ids=[c.id for c in claimed], token=claimed[0].token) == 4

    assert len(_claim(db, NOW)) == 4
    assert {s for s, _ in _status(db)} == {OutboxStatus.SENDING}


def test_one_claim_takes_exactly_the_limit_oldest_first(db, people):
    _enqueue_all(db, people)

    first, second = _claim(db, NOW, limit=3), _claim(db, NOW, limit=3)

    assert [c.person_id for c in first] == people[:3] and [c.person_id for c in second] == people[3:]
    assert len({c.token for c in first}) == 1


def test_instances_reserving_slots_for_one_tenant_get_consecutive_slots_at_the_shared_rate(db):
    with db.session() as first_instance:
        a = outbox.reserve_send_slots(first_instance, tenant_id="t", count=10, per_second=40, now=1000.0)
    with db.session() as second_instance:
        b = outbox.reserve_send_slots(second_instance, tenant_id="t", count=10, per_second=40, now=1000.1)
    with db.session() as session:
        other_tenant = outbox.reserve_send_slots(session, tenant_id="u", count=1, per_second=40, now=1000.1)

    assert a == 1000.0 and b == pytest.approx(1000.25), "after the first instance's ten slots of 25 ms"
    assert other_tenant == 1000.1


def test_a_429_pauses_the_whole_tenant_for_every_instance_and_is_counted(db):
    with db.session() as session:
        outbox.reserve_send_slots(session, tenant_id="t", count=1, per_second=40, now=1000.0)
        outbox.pause_tenant(session, tenant_id="t", until=1030.0)
        outbox.pause_tenant(session, tenant_id="t", until=1010.0)  # a shorter pause does not shorten it
    with db.session() as session:
        slot = outbox.reserve_send_slots(session, tenant_id="t", count=1, per_second=40, now=1001.0)
        assert slot == 1030.0
        assert outbox.tenant_throttled(session) == {"t": 2}


def test_campaign_counts_show_every_state_and_the_throttling_its_rows_met(db, people):
    _enqueue_all(db, people)
    _enqueue_all(db, people[:1], campaign="other")
    a, b, c, d = _claim(db, NOW, limit=4)
    with db.session() as session:
        outbox.mark_sent(session, a.id, token=a.token, now=NOW, activity_id="1", attempts=1)
        outbox.mark_blocked(session, b.id, token=b.token, attempts=1, error="403")
        outbox.mark_unreachable(session, c.id, token=c.token, attempts=1, error="404")
        outbox.mark_retry(session, d.id, token=d.token, at=NOW, attempts=1, error="429", throttled=True)
        counts = outbox.campaign_counts(session, campaign="c1")

    assert {s: n for s, n in counts.by_status.items() if n} == {
        OutboxStatus.SENT: 1, OutboxStatus.BLOCKED: 1, OutboxStatus.UNREACHABLE: 1, OutboxStatus.PENDING: 1}
    assert counts.by_status[OutboxStatus.FAILED] == 0 and counts.total == 4 and counts.unsent == 1
    assert counts.throttled == 1


def test_a_cancelled_campaign_sends_nothing_more_and_a_row_in_flight_ends_cancelled_unless_delivered(db, people):
    _enqueue_all(db, people)
    delivered, retried = _claim(db, NOW, limit=2)
    with db.session() as session:
        assert outbox.cancel_campaign(session, campaign="c1", now=NOW) == 2
    with db.session() as session:
        outbox.mark_sent(session, delivered.id, token=delivered.token, now=NOW, activity_id="1", attempts=1)
        outbox.mark_retry(session, retried.id, token=retried.token, at=NOW, attempts=1, error="502")

    assert _claim(db, NOW + timedelta(days=1)) == []
    with db.session() as session:
        counts = outbox.campaign_counts(session, campaign="c1")
    assert counts.by_status[OutboxStatus.SENT] == 1 and counts.by_status[OutboxStatus.CANCELLED] == 3


def test_enqueueing_a_campaign_again_adds_only_the_people_it_missed(db, people):
    assert _enqueue_all(db, people[:2]) == 2
    assert _enqueue_all(db, people) == 2
    with db.session() as session:
        assert len(outbox.messages_for(session)) == 4


def test_the_retention_purge_deletes_only_sent_messages_older_than_the_limit(db, people):
    _enqueue_all(db, people)
    old, recent, failed, waiting = _claim(db, NOW, limit=4)
    with db.session() as session:
        outbox.mark_sent(session, old.id, token=old.token, now=NOW - timedelta(days=31), activity_id="1", attempts=1)
        outbox.mark_sent(session, recent.id, token=recent.token, now=NOW - timedelta(days=29), activity_id="2",
                         attempts=1)
        outbox.mark_failed(session, failed.id, token=failed.token, attempts=8, error="502")
        outbox.release_claims(session, ids=[waiting.id], token=waiting.token)
    with db.session() as session:
        assert outbox.purge_sent(session, sent_before=NOW - timedelta(days=30)) == 1
        left = {m.id for m in outbox.messages_for(session)}

    assert left == {recent.id, failed.id, waiting.id}
