"""The outbox: enqueue a card for a person (idempotent per campaign), claim due rows, record the outcome,
pace each tenant's sends across instances, report and cancel a campaign, purge what was sent long ago.

A dialog enqueues inside its turn's transaction, so a message exists exactly when the change behind it was
committed. Workers claim rows with one set-based UPDATE (on PostgreSQL over `FOR UPDATE SKIP LOCKED`, so
several instances claim disjoint rows at once) that stamps them with a claim token; every later change of
the row must present that token, so a worker whose claim was passed on can no longer touch it. The lease is
short and a live worker renews it (`renew_leases`): a dead instance's rows are due again within seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, column, delete, func, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.models.core import Person
from store.models.outbox import OutboxMessage, OutboxStatus, OutboxTenantPace
from store.people import aware

# A claim lasts this long unless its worker renews it; a live worker renews every LEASE / 3, so a dead
# instance's rows come back within LEASE however long a send takes.
LEASE = timedelta(seconds=6)
ERROR_MAX = 500
# Set in session.info when a message was added, so the turn wakes the outbox worker only then: waking it
# after every turn cost a claim query (its own transaction) per turn, 9 % of the bot's CPU under load.
_ENQUEUED = "outbox_enqueued"
# The states a row no longer leaves.
FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.UNREACHABLE, OutboxStatus.BLOCKED,
         OutboxStatus.CANCELLED)


def enqueued_in(session: Session) -> bool:
    """Whether this session added an outbox message (the worker is worth waking once it commits)."""
    return bool(session.info.get(_ENQUEUED))


def _check_campaign(campaign: str) -> None:
    if len(campaign) > 160:
        raise ValueError(f"campaign key longer than 160 characters: {campaign[:40]}...")


def enqueue(session: Session, *, campaign: str, recipient_person_id: int, card: dict[str, Any], now: datetime,
            not_before: datetime | None = None, respect_quiet_hours: bool = True) -> OutboxMessage | None:
    """Adds the message unless this campaign already has one for this person; returns the new row or None."""
    _check_campaign(campaign)
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


def enqueue_many(session: Session, *, campaign: str, cards: Iterable[tuple[int, dict[str, Any]]], now: datetime,
                 not_before: datetime | None = None, respect_quiet_hours: bool = True) -> int:
    """One campaign to many people in one statement per 1,000: `cards` yields (person id, card); a person
    who already has the campaign is skipped. Returns how many rows were added."""
    return len(enqueue_rows(session, rows=[(campaign, person_id, card) for person_id, card in cards], now=now,
                            not_before=not_before, respect_quiet_hours=respect_quiet_hours))


_OUTBOX = OutboxMessage.__table__
_ON_CONFLICT = ["campaign", "recipient_person_id"]
_ENQUEUE_CHUNK = 1000
# SQLite: one compiled statement for many rows (SQLAlchemy's "insertmanyvalues" sends multi-row INSERTs).
_ENQUEUE_ROWS_SQLITE = (sqlite.insert(_OUTBOX).on_conflict_do_nothing(index_elements=_ON_CONFLICT)
                        .returning(_OUTBOX.c.campaign, _OUTBOX.c.recipient_person_id))
# PostgreSQL: the rows as one JSON parameter, unpacked by json_to_recordset. A multi-row VALUES clause of
# 500 rows has 5,500 placeholders, and psycopg parsed each such statement anew: about a third of a
# reminder job's time at 50,000 people (bench/README.md, "Scheduled jobs").
_RECORDS = (func.json_to_recordset(bindparam("rows", type_=postgresql.JSON))
            .table_valued(column("campaign", _OUTBOX.c.campaign.type),
                          column("recipient_person_id", _OUTBOX.c.recipient_person_id.type),
                          column("card", postgresql.JSON))
            .render_derived(name="r", with_types=True))
_ENQUEUE_ROWS_POSTGRES = (
    postgresql.insert(_OUTBOX)
    .from_select(["campaign", "recipient_person_id", "card", "created_at", "not_before", "next_attempt_at",
                  "respect_quiet_hours", "status", "attempts", "throttled"],
                 select(_RECORDS.c.campaign, _RECORDS.c.recipient_person_id, _RECORDS.c.card,
                        bindparam("created_at", type_=_OUTBOX.c.created_at.type),
                        bindparam("start", type_=_OUTBOX.c.not_before.type),
                        bindparam("start", type_=_OUTBOX.c.next_attempt_at.type),
                        bindparam("respect_quiet_hours", type_=_OUTBOX.c.respect_quiet_hours.type),
                        bindparam("status", type_=_OUTBOX.c.status.type),
                        literal(0, _OUTBOX.c.attempts.type), literal(0, _OUTBOX.c.throttled.type)))
    .on_conflict_do_nothing(index_elements=_ON_CONFLICT)
    .returning(_OUTBOX.c.campaign, _OUTBOX.c.recipient_person_id))


def enqueue_rows(session: Session, *, rows: Iterable[tuple[str, int, dict[str, Any]]], now: datetime,
                 not_before: datetime | None = None, respect_quiet_hours: bool = True) -> set[tuple[str, int]]:
    """Many (campaign, person id, card) rows in one statement per 1,000, each skipped if its (campaign,
    person) exists; returns the (campaign, person id) pairs added."""
    start = max(now, not_before) if not_before else now
    records = []
    for campaign, person_id, card in rows:
        _check_campaign(campaign)
        records.append({"campaign": campaign, "recipient_person_id": person_id, "card": card})
    postgres = session.get_bind().dialect.name == "postgresql"
    added: set[tuple[str, int]] = set()
    for first in range(0, len(records), _ENQUEUE_CHUNK):
        chunk = records[first:first + _ENQUEUE_CHUNK]
        if postgres:
            result = session.execute(_ENQUEUE_ROWS_POSTGRES, {
                "rows": chunk, "created_at": now, "start": start, "respect_quiet_hours": respect_quiet_hours,
                "status": OutboxStatus.PENDING})
        else:
            result = session.execute(_ENQUEUE_ROWS_SQLITE, [
                {**record, "created_at": now, "not_before": start, "next_attempt_at": start,
                 "respect_quiet_hours": respect_quiet_hours, "status": OutboxStatus.PENDING, "attempts": 0,
                 "throttled": 0} for record in chunk])
        added.update((campaign, person_id) for campaign, person_id in result.all())
    if added:
        session.info[_ENQUEUED] = True
    return added


@dataclass(frozen=True)
class Claimed:
    """A claimed message with what sending needs, detached from the session; `token` proves the claim."""

    id: int
    token: str
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


def new_token() -> str:
    return uuid.uuid4().hex


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta = LEASE,
              token: str | None = None) -> list[Claimed]:
    """Claims up to `limit` due messages for the caller until `now + lease`, in one UPDATE; oldest first."""
    token = token or new_token()
    candidates = (select(OutboxMessage.id).where(_due(now))
                  .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # A materialized CTE: evaluated once. As an IN (subquery) PostgreSQL may run the subquery again
        # while updating, and a LIMIT there then claimed twice as many rows as asked.
        claimable = candidates.with_for_update(skip_locked=True).cte("claimable").prefix_with("MATERIALIZED")
        which = OutboxMessage.id == claimable.c.id
    else:
        # SQLite runs one writer at a time; the repeated _due guard below keeps the claim exact anyway.
        which = OutboxMessage.id.in_(candidates.scalar_subquery())
    claimed_ids = list(session.execute(
        update(OutboxMessage).where(which, _due(now))
        .values(status=OutboxStatus.SENDING, lease_until=now + lease, claim_token=token)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)).scalars())
    if not claimed_ids:
        return []
    rows = session.exec(
        select(OutboxMessage, Person).join(Person, Person.id == OutboxMessage.recipient_person_id)
        .where(OutboxMessage.id.in_(claimed_ids)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)).all()
    return [Claimed(id=m.id, token=token, campaign=m.campaign, card=m.card, attempts=m.attempts,
                    respect_quiet_hours=m.respect_quiet_hours, not_before=aware(m.not_before), person_id=p.id,
                    tenant_id=p.tenant_id, teams_user_id=p.teams_user_id, aad_object_id=p.aad_object_id,
                    service_url=p.service_url, conversation_reference=p.conversation_reference)
            for m, p in rows]


def _held(message_id: int, token: str):
    return and_(OutboxMessage.id == message_id, OutboxMessage.claim_token == token,
                OutboxMessage.status == OutboxStatus.SENDING)


def renew_leases(session: Session, *, ids: Iterable[int], token: str, until: datetime) -> set[int]:
    """Extends the caller's claims on these rows; returns the ids it still holds (the others were passed on)."""
    ids = list(ids)
    if not ids:
        return set()
    return set(session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token,
                                    OutboxMessage.status == OutboxStatus.SENDING)
        .values(lease_until=until).returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)).scalars())


def release_claims(session: Session, *, ids: Iterable[int], token: str) -> int:
    """Hands unsent rows back (a worker shutting down): due again at once for another instance."""
    ids = list(ids)
    if not ids:
        return 0
    return session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token,
                                    OutboxMessage.status == OutboxStatus.SENDING)
        .values(status=case((OutboxMessage.cancelled_at.is_(None), OutboxStatus.PENDING),
                            else_=OutboxStatus.CANCELLED),
                lease_until=None, claim_token=None)
        .execution_options(synchronize_session=False)).rowcount or 0


def _finish(session: Session, message_id: int, token: str, **values: Any) -> bool:
    """Records the outcome if the caller still holds the claim (a lease that ran out may have passed it on)."""
    result = session.execute(
        update(OutboxMessage).where(_held(message_id, token))
        .values(lease_until=None, claim_token=None, **values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def mark_sent(session: Session, message_id: int, *, token: str, now: datetime, activity_id: str | None,
              attempts: int) -> bool:
    return _finish(session, message_id, token, status=OutboxStatus.SENT, sent_at=now, activity_id=activity_id,
                   attempts=attempts, last_error=None)


def mark_retry(session: Session, message_id: int, *, token: str, at: datetime, attempts: int, error: str,
               throttled: bool = False) -> bool:
    """Due again at `at`; a row of a campaign cancelled meanwhile ends cancelled instead."""
    values: dict[str, Any] = {}
    if throttled:
        values["throttled"] = OutboxMessage.throttled + 1
    return _finish(session, message_id, token,
                   status=case((OutboxMessage.cancelled_at.is_(None), OutboxStatus.PENDING),
                               else_=OutboxStatus.CANCELLED),
                   next_attempt_at=at, attempts=attempts, last_error=error[:ERROR_MAX], **values)


def mark_failed(session: Session, message_id: int, *, token: str, attempts: int, error: str) -> bool:
    return _finish(session, message_id, token, status=OutboxStatus.FAILED, attempts=attempts,
                   last_error=error[:ERROR_MAX])


def mark_unreachable(session: Session, message_id: int, *, token: str, attempts: int, error: str) -> bool:
    return _finish(session, message_id, token, status=OutboxStatus.UNREACHABLE, attempts=attempts,
                   last_error=error[:ERROR_MAX])


def mark_blocked(session: Session, message_id: int, *, token: str, attempts: int, error: str) -> bool:
    return _finish(session, message_id, token, status=OutboxStatus.BLOCKED, attempts=attempts,
                   last_error=error[:ERROR_MAX])


def next_due_at(session: Session) -> datetime | None:
    """The earliest moment a row becomes due (a retry, a held notice, a lease running out), or None."""
    pending = session.exec(select(func.min(OutboxMessage.next_attempt_at))
                           .where(OutboxMessage.status == OutboxStatus.PENDING)).one()
    leased = session.exec(select(func.min(OutboxMessage.lease_until))
                          .where(OutboxMessage.status == OutboxStatus.SENDING)).one()
    moments = [aware(m) for m in (pending, leased) if m is not None]
    return min(moments) if moments else None


# ---- the shared per-tenant pace -------------------------------------------------------------------------

def _upsert_pace(session: Session, tenant_id: str) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(OutboxTenantPace)
                    .values(tenant_id=tenant_id, next_slot=0.0, paused_until=0.0, throttled=0)
                    .on_conflict_do_nothing(index_elements=["tenant_id"]))


def _greatest(session: Session, *values):
    return (func.greatest if session.get_bind().dialect.name == "postgresql" else func.max)(*values)


def reserve_send_slots(session: Session, *, tenant_id: str, count: int, per_second: float, now: float) -> float:
    """Reserves `count` consecutive send slots for the tenant, 1/per_second apart, after everyone else's and
    after any pause a 429 asked for; returns the first slot (epoch seconds). The row lock makes the
    reservation atomic across instances: together they never exceed the rate."""
    gap = 1.0 / per_second
    _upsert_pace(session, tenant_id)
    end = session.execute(
        update(OutboxTenantPace).where(OutboxTenantPace.tenant_id == tenant_id)
        .values(next_slot=_greatest(session, OutboxTenantPace.next_slot, OutboxTenantPace.paused_until, now)
                + count * gap)
        .returning(OutboxTenantPace.next_slot).execution_options(synchronize_session=False)).scalar_one()
    return end - count * gap


def pause_tenant(session: Session, *, tenant_id: str, until: float) -> None:
    """Teams answered 429 with Retry-After: no instance sends to this tenant before `until`; counted."""
    _upsert_pace(session, tenant_id)
    session.execute(
        update(OutboxTenantPace).where(OutboxTenantPace.tenant_id == tenant_id)
        .values(paused_until=_greatest(session, OutboxTenantPace.paused_until, until),
                throttled=OutboxTenantPace.throttled + 1)
        .execution_options(synchronize_session=False))


def tenant_pauses(session: Session, *, tenant_ids: Iterable[str]) -> dict[str, float]:
    """Until when (epoch seconds) each of these tenants is paused by a 429; tenants never paced are left out."""
    return dict(session.exec(select(OutboxTenantPace.tenant_id, OutboxTenantPace.paused_until)
                             .where(OutboxTenantPace.tenant_id.in_(list(tenant_ids)))).all())


def tenant_throttled(session: Session) -> dict[str, int]:
    """Times Teams answered 429, per tenant, since the tenant's first send."""
    return dict(session.exec(select(OutboxTenantPace.tenant_id, OutboxTenantPace.throttled)).all())


# ---- campaigns: report and cancel -----------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignCounts:
    """A campaign's rows by status (every OutboxStatus present, 0 if none), and the 429s its rows met."""

    by_status: dict[OutboxStatus, int]
    throttled: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def unsent(self) -> int:
        return self.by_status[OutboxStatus.PENDING] + self.by_status[OutboxStatus.SENDING]


def campaign_counts(session: Session, *, campaign: str) -> CampaignCounts:
    """One grouped query over the campaign's rows (the unique index on (campaign, recipient) serves it)."""
    rows = session.exec(select(OutboxMessage.status, func.count(), func.coalesce(func.sum(OutboxMessage.throttled), 0))
                        .where(OutboxMessage.campaign == campaign).group_by(OutboxMessage.status)).all()
    by_status = {status: 0 for status in OutboxStatus}
    throttled = 0
    for status, count, row_throttled in rows:
        by_status[OutboxStatus(status)] = count
        throttled += int(row_throttled)
    return CampaignCounts(by_status, throttled)


def cancel_campaign(session: Session, *, campaign: str, now: datetime) -> int:
    """What is not yet sent stays unsent: waiting rows become cancelled now, rows being sent end cancelled
    unless that send succeeds. Returns how many rows were waiting."""
    session.execute(update(OutboxMessage)
                    .where(OutboxMessage.campaign == campaign, OutboxMessage.status == OutboxStatus.SENDING)
                    .values(cancelled_at=now).execution_options(synchronize_session=False))
    return session.execute(
        update(OutboxMessage).where(OutboxMessage.campaign == campaign, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, cancelled_at=now, last_error="cancelled")
        .execution_options(synchronize_session=False)).rowcount or 0


# ---- retention and reports ------------------------------------------------------------------------------

def purge_sent(session: Session, *, sent_before: datetime, limit: int = 5000) -> int:
    """Deletes up to `limit` rows sent before `sent_before` (each holds a whole card); returns how many."""
    doomed = (select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENT,
                                             OutboxMessage.sent_at < sent_before).limit(limit))
    return session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(doomed.scalar_subquery()))
                           .execution_options(synchronize_session=False)).rowcount or 0


def rows_by_status(session: Session) -> dict[str, int]:
    """Every row by status, for /metrics."""
    return dict(session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


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
