"""The outbox: enqueue a card for a person (idempotent per campaign), claim due rows, record the outcome.

A dialog enqueues inside its turn's transaction, so a message exists exactly when the change behind it was
committed. Workers claim rows with a lease: on PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances
claim disjoint rows at once; a worker that dies leaves its rows to come back when the lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.models.core import Person
from store.models.outbox import OutboxMessage, OutboxStatus
from store.people import aware

LEASE = timedelta(minutes=2)
ERROR_MAX = 500
# Set in session.info when a message was added, so the turn wakes the outbox worker only then: waking it
# after every turn cost a claim query (its own transaction) per turn, 9 % of the bot's CPU under load.
_ENQUEUED = "outbox_enqueued"


def enqueued_in(session: Session) -> bool:
    """Whether this session added an outbox message (the worker is worth waking once it commits)."""
    return bool(session.info.get(_ENQUEUED))


def enqueue(session: Session, *, campaign: str, recipient_person_id: int, card: dict[str, Any], now: datetime,
            not_before: datetime | None = None, respect_quiet_hours: bool = True) -> OutboxMessage | None:
    """Adds the message unless this campaign already has one for this person; returns the new row or None."""
    if len(campaign) > 160:
        raise ValueError(f"campaign key longer than 160 characters: {campaign[:40]}...")
    exists = session.exec(select(OutboxMessage.id).where(OutboxMessage.campaign == campaign,
                                                        OutboxMessage.recipient_person_id == recipient_person_id)
                          ).first()
    if exists is not None:
        return None
    start = max(now, not_before) if not_before else now
    row = OutboxMessage(campaign=campaign, recipient_person_id=recipient_person_id, card=card, created_at=now,
                        not_before=start, next_attempt_at=start, respect_quiet_hours=respect_quiet_hours)
    try:
        # A savepoint, so a concurrent enqueue of the same message loses quietly without spoiling the turn.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    session.info[_ENQUEUED] = True
    return row


@dataclass(frozen=True)
class Claimed:
    """A claimed message with what sending needs, detached from the session."""

    id: int
    campaign: str
    card: dict[str, Any]
    attempts: int
    respect_quiet_hours: bool
    not_before: datetime
    person_id: int
    tenant_id: str
    teams_user_id: str | None
    aad_object_id: str | None
    service_url: str | None
    conversation_reference: dict[str, Any] | None


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
    )


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Claimed]:
    """Marks up to `limit` due messages as being sent by the caller until `now + lease`."""
    query = (select(OutboxMessage.id).where(_due(now))
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query))
    if not ids:
        return []
    claimed_ids = []
    for message_id in ids:
        # On SQLite two processes may pick the same row: the guarded UPDATE lets only one of them have it.
        result = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, _due(now))
            .values(status=OutboxStatus.SENDING, lease_until=now + lease)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed_ids.append(message_id)
    if not claimed_ids:
        return []
    rows = session.exec(
        select(OutboxMessage, Person).join(Person, Person.id == OutboxMessage.recipient_person_id)
        .where(OutboxMessage.id.in_(claimed_ids)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)).all()
    return [Claimed(id=m.id, campaign=m.campaign, card=m.card, attempts=m.attempts,
                    respect_quiet_hours=m.respect_quiet_hours, not_before=aware(m.not_before), person_id=p.id,
                    tenant_id=p.tenant_id, teams_user_id=p.teams_user_id, aad_object_id=p.aad_object_id,
                    service_url=p.service_url, conversation_reference=p.conversation_reference)
            for m, p in rows]


def _finish(session: Session, message_id: int, **values: Any) -> bool:
    """Records the outcome if the row is still claimed (a lease that ran out may have passed it on)."""
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(lease_until=None, **values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def mark_sent(session: Session, message_id: int, *, now: datetime, activity_id: str | None, attempts: int) -> bool:
    return _finish(session, message_id, status=OutboxStatus.SENT, sent_at=now, activity_id=activity_id,
                   attempts=attempts, last_error=None)


def mark_retry(session: Session, message_id: int, *, at: datetime, attempts: int, error: str) -> bool:
    return _finish(session, message_id, status=OutboxStatus.PENDING, next_attempt_at=at, attempts=attempts,
                   last_error=error[:ERROR_MAX])


def mark_failed(session: Session, message_id: int, *, attempts: int, error: str) -> bool:
    return _finish(session, message_id, status=OutboxStatus.FAILED, attempts=attempts, last_error=error[:ERROR_MAX])


def mark_unreachable(session: Session, message_id: int, *, attempts: int, error: str) -> bool:
    return _finish(session, message_id, status=OutboxStatus.UNREACHABLE, attempts=attempts,
                   last_error=error[:ERROR_MAX])


def messages_for(session: Session, *, person_id: int | None = None, campaign_prefix: str | None = None
                 ) -> list[OutboxMessage]:
    """For reports and tests: the messages of a person, or of campaigns starting with a prefix, oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if person_id is not None:
        query = query.where(OutboxMessage.recipient_person_id == person_id)
    if campaign_prefix is not None:
        query = query.where(OutboxMessage.campaign.startswith(campaign_prefix))
    return list(session.exec(query))


def remember_conversation(session: Session, person_id: int, reference: dict[str, Any]) -> None:
    """A chat created to reach the person: keep its reference so later messages continue it."""
    person = session.get(Person, person_id)
    if person is None:
        return
    person.conversation_reference = reference
    person.conversation_id = (reference.get("conversation") or {}).get("id")
    person.service_url = reference.get("serviceUrl") or person.service_url
    if not person.teams_user_id:
        # The reference names the user by their 29: id, which is how they will write to us later.
        user = reference.get("user") or {}
        if user.get("id", "").startswith("29:"):
            person.teams_user_id = user["id"]
