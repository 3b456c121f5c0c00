"""The outbox table on SQLite and PostgreSQL: idempotent enqueue, claims that never overlap, leases that
expire, and outcomes recorded only by the claimant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from store import outbox
from store.models.core import Person
from store.models.outbox import OutboxMessage, OutboxStatus

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}


@pytest.fixture
def people(db) -> list[int]:
    with db.session() as session:
        rows = [Person(tenant_id="t", teams_user_id=f"29:{n}", aad_object_id=f"aad-{n}") for n in range(6)]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def _enqueue(db, person_id, campaign="c1", **kwargs):
    with db.session() as session:
        return outbox.enqueue(session, campaign=campaign, recipient_person_id=person_id, card=CARD, now=NOW,
                              **kwargs)


def test_the_same_campaign_for_the_same_person_is_one_message(db, people):
    first = _enqueue(db, people[0])
    again = _enqueue(db, people[0])
    other_person = _enqueue(db, people[1])
    other_campaign = _enqueue(db, people[0], campaign="c2")

    assert first is not None and again is None
    assert other_person is not None and other_campaign is not None
    with db.session() as session:
        assert len(outbox.messages_for(session)) == 3


def test_a_concurrent_duplicate_enqueue_loses_quietly_and_keeps_the_rest_of_the_transaction(db, people,
                                                                                          monkeypatch):
    original_select = outbox.select
    with db.session() as session:
        session.add(OutboxMessage(campaign="c1", recipient_person_id=people[0], card=CARD))
        session.flush()
        # As if a second turn raced the first: its existence check saw nothing, the unique constraint catches it.
        monkeypatch.setattr(outbox, "select", lambda *_: original_select(OutboxMessage.id).where(False))
        duplicate = outbox.enqueue(session, campaign="c1", recipient_person_id=people[0], card=CARD, now=NOW)
        monkeypatch.setattr(outbox, "select", original_select)
        kept = outbox.enqueue(session, campaign="c2", recipient_person_id=people[0], card=CARD, now=NOW)
    assert duplicate is None and kept is not None
    with db.session() as session:
        assert sorted(m.campaign for m in outbox.messages_for(session)) == ["c1", "c2"]


def test_not_before_holds_a_message_until_then(db, people):
    _enqueue(db, people[0], not_before=NOW + timedelta(hours=2))

    with db.session() as session:
        assert outbox.claim_due(session, now=NOW + timedelta(hours=1, minutes=59), limit=10) == []
    with db.session() as session:
        assert len(outbox.claim_due(session, now=NOW + timedelta(hours=2), limit=10)) == 1


def test_claims_in_turn_never_overlap_and_come_oldest_first(db, people):
    for person_id in people:
        _enqueue(db, person_id)

    with db.session() as session:
        first = outbox.claim_due(session, now=NOW, limit=4)
    with db.session() as session:
        second = outbox.claim_due(session, now=NOW, limit=4)
    with db.session() as session:
        third = outbox.claim_due(session, now=NOW, limit=4)

    assert [c.person_id for c in first + second] == people
    assert not {c.id for c in first} & {c.id for c in second}
    assert third == []


def test_a_claim_whose_lease_ran_out_comes_back_and_the_late_worker_cannot_record_its_outcome(db, people):
    _enqueue(db, people[0])
    with db.session() as session:
        (crashed,) = outbox.claim_due(session, now=NOW, limit=1, lease=timedelta(minutes=2))
    with db.session() as session:
        assert outbox.claim_due(session, now=NOW + timedelta(minutes=1), limit=1) == []
    with db.session() as session:
        (again,) = outbox.claim_due(session, now=NOW + timedelta(minutes=3), limit=1)
    with db.session() as session:
        assert outbox.mark_sent(session, again.id, token=again.token, now=NOW, activity_id="1", attempts=1)
        # The first worker comes back to life: the row is no longer claimed, so nothing is overwritten.
        assert not outbox.mark_failed(session, crashed.id, token=crashed.token, attempts=9, error="late")
    with db.session() as session:
        (row,) = outbox.messages_for(session)
        assert (row.status, row.attempts, row.activity_id) == (OutboxStatus.SENT, 1, "1")


def test_a_retry_becomes_due_at_its_time_and_counts_attempts(db, people):
    _enqueue(db, people[0])
    with db.session() as session:
        (claimed,) = outbox.claim_due(session, now=NOW, limit=1)
        outbox.mark_retry(session, claimed.id, token=claimed.token, at=NOW + timedelta(seconds=30), attempts=1, error="failed (HTTP 502)")
    with db.session() as session:
        assert outbox.claim_due(session, now=NOW + timedelta(seconds=29), limit=1) == []
        (retried,) = outbox.claim_due(session, now=NOW + timedelta(seconds=30), limit=1)
    assert retried.attempts == 1


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # PostgreSQL only
def test_two_instances_claiming_at_the_same_moment_get_disjoint_rows_on_postgres(db, people):
    for person_id in people:
        _enqueue(db, person_id)

    with db.session() as first_instance:
        first = outbox.claim_due(first_instance, now=NOW, limit=3)
        # Still inside the first transaction (rows locked, not committed): the second instance skips them.
        with db.session() as second_instance:
            second = outbox.claim_due(second_instance, now=NOW, limit=10)

    assert len(first) == 3 and len(second) == 3
    assert not {c.id for c in first} & {c.id for c in second}
