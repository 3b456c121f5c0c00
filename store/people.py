"""People: find or record the sender of a turn, keep their conversation reference for proactive messages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import logging

from sqlalchemy import bindparam, func, or_, select as sa_select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from store import audit
from store.models.core import Person, utcnow

log = logging.getLogger(__name__)

# Writing last_seen_at on every turn would make every turn a write; once a minute is enough.
_SEEN_RESOLUTION = timedelta(minutes=1)

# Every turn looks its sender up: built once, these statements keep their SQL cache key between turns
# instead of building a select and its cache key anew each time (about a third of the lookup's CPU).
_BY_AAD_OBJECT_ID = select(Person).where(Person.tenant_id == bindparam("tenant_id"),
                                         Person.aad_object_id == bindparam("user_id"))
_BY_TEAMS_USER_ID = select(Person).where(Person.tenant_id == bindparam("tenant_id"),
                                         Person.teams_user_id == bindparam("user_id"))


def find_person(session: Session, *, tenant_id: str, teams_user_id: str | None = None,
                aad_object_id: str | None = None) -> Person | None:
    if aad_object_id:
        person = session.exec(_BY_AAD_OBJECT_ID, params={"tenant_id": tenant_id, "user_id": aad_object_id}).first()
        if person:
            return person
    if teams_user_id:
        return session.exec(_BY_TEAMS_USER_ID, params={"tenant_id": tenant_id, "user_id": teams_user_id}).first()
    return None


def record_sender(
    session: Session,
    *,
    tenant_id: str,
    teams_user_id: str,
    aad_object_id: str | None,
    name: str | None,
    locale: str | None,
    conversation_reference: dict[str, Any] | None,
    now: datetime | None = None,
    found: Person | None = None,
) -> Person:
    """Find or create the person behind a turn, updating only what changed (most turns write nothing).

    `found`: the sender, already looked up by the caller with this tenant and user id.
    """
    now = now or utcnow()
    aad_object_id = aad_object_id or None  # "" names nobody; stored, it would be everybody's
    person = found or find_person(session, tenant_id=tenant_id, teams_user_id=teams_user_id,
                                  aad_object_id=aad_object_id)
    if person is None:
        person = _insert_or_find(session, tenant_id=tenant_id, teams_user_id=teams_user_id,
                                 aad_object_id=aad_object_id)
    if person.teams_user_id != teams_user_id or (aad_object_id and person.aad_object_id != aad_object_id):
        _reconcile_ids(session, person, teams_user_id=teams_user_id, aad_object_id=aad_object_id, now=now)
    changes = {
        "teams_user_id": teams_user_id,
        "aad_object_id": aad_object_id or person.aad_object_id,
        # The install event carries no name or locale: keep what we knew.
        "name": name or person.name,
        "locale": locale or person.locale,
    }
    if conversation_reference:
        # A reference names the turn's own activity (activityId), so it differs on every turn; storing it
        # for that alone made every turn a write (measured in bench/turns.py). Keep the stored one then.
        if _without_activity_id(conversation_reference) != _without_activity_id(person.conversation_reference):
            changes["conversation_reference"] = conversation_reference
        changes["conversation_id"] = (conversation_reference.get("conversation") or {}).get("id")
        changes["service_url"] = conversation_reference.get("serviceUrl")
    for key, value in changes.items():
        if getattr(person, key) != value:
            setattr(person, key, value)
    if person.last_seen_at is None or now - aware(person.last_seen_at) >= _SEEN_RESOLUTION:
        person.last_seen_at = now
    session.flush()
    return person


def _insert_or_find(session: Session, *, tenant_id: str, teams_user_id: str, aad_object_id: str | None) -> Person:
    """Another instance may create the same person at the same moment (both install events at once)."""
    try:
        with session.begin_nested():
            person = Person(tenant_id=tenant_id, teams_user_id=teams_user_id, aad_object_id=aad_object_id)
            session.add(person)
            session.flush()
        return person
    except IntegrityError:
        existing = find_person(session, tenant_id=tenant_id, teams_user_id=teams_user_id, aad_object_id=aad_object_id)
        if existing is None:
            raise
        return existing


def _reconcile_ids(session: Session, person: Person, *, teams_user_id: str, aad_object_id: str | None,
                   now: datetime) -> None:
    """Before `person` takes the turn's ids: another record of the same tenant that holds one of them gives it up.

    Teams names a person by two ids, and a turn may carry only one (an install event without aadObjectId, a
    client that changed its 29: id): then a second record can appear, and taking the ids over would break a
    unique constraint on every later turn. The AAD object id is the person; a record holding the same Teams id
    without an AAD object id (or with the same one) is the same person seen half: its rows are moved over and it
    is deleted (what cannot move, because the person already has the like, stays with it, detached). A record
    with a different AAD object id is someone else's stale record: it only loses the Teams id. Audited either way.
    """
    holders = []
    if person.teams_user_id != teams_user_id:
        holders += _other_holders(session, person, Person.teams_user_id, teams_user_id)
    if aad_object_id and person.aad_object_id != aad_object_id:
        holders += _other_holders(session, person, Person.aad_object_id, aad_object_id)
    for other in {holder.id: holder for holder in holders}.values():
        same_person = other.aad_object_id is None or other.aad_object_id == (aad_object_id or person.aad_object_id)
        moved, left = _move_rows(session, source=other.id, target=person.id) if same_person else ({}, {})
        details = {"kept_person": person.id, "other_person": other.id, "teams_user_id": teams_user_id,
                   "aad_object_id": aad_object_id, "other_teams_user_id": other.teams_user_id,
                   "other_aad_object_id": other.aad_object_id, "moved_rows": moved, "rows_left": left}
        if same_person and other.welcomed_at is not None and person.welcomed_at is None:
            person.welcomed_at = other.welcomed_at  # greeted as the half-seen record: not again as this one
        if same_person and not left:
            session.delete(other)
            outcome = "merged"
        else:
            if other.teams_user_id == teams_user_id:
                other.teams_user_id = None
            if aad_object_id and other.aad_object_id == aad_object_id:
                other.aad_object_id = None
            outcome = "detached"
        session.flush()
        audit.record(session, actor_person_id=person.id, action=f"person.ids_reconciled.{outcome}",
                     subject_type="person", subject_id=person.id, details=details)
        log.warning("person %s took Teams id / AAD object id from person %s (%s; moved %s, left %s)",
                    person.id, other.id, outcome, moved, left)


def _other_holders(session: Session, person: Person, column: Any, value: str) -> list[Person]:
    query = select(Person).where(Person.tenant_id == person.tenant_id, column == value)
    if person.id is not None:
        query = query.where(Person.id != person.id)
    return list(session.exec(query))


def person_references() -> list[tuple[Any, Any]]:
    """(table, column) of every foreign key to person.id, read from the models (so new tables are covered)."""
    import store.models  # noqa: F401  (registers every table on the metadata)

    person_id = Person.__table__.c.id  # type: ignore[attr-defined]
    return [(table, fk.parent) for table in SQLModel.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column is person_id]


def _move_rows(session: Session, *, source: int, target: int) -> tuple[dict[str, int], dict[str, int]]:
    """Points every row of `source` at `target`, table by table; a table whose rows would collide with the
    target's (a unique constraint) keeps them. Returns rows moved and rows left, by table.column."""
    moved, left = {}, {}
    for table, column in person_references():
        name = f"{table.name}.{column.name}"
        try:
            with session.begin_nested():
                count = session.execute(update(table).where(column == source).values({column.name: target})).rowcount
        except IntegrityError:
            count = session.execute(sa_select(func.count()).select_from(table).where(column == source)).scalar()
            left[name] = count
            continue
        if count:
            moved[name] = count
    return moved, left


def _without_activity_id(reference: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in reference.items() if k != "activityId"} if reference else reference


def claim_welcome(session: Session, person: Person, *, now: datetime, again_after: timedelta | None = None) -> bool:
    """True once per person: marks them greeted unless they already were (or were less than `again_after` ago).

    One conditional UPDATE, so of two turns of the same person at once, on two instances, exactly one claims
    the welcome: the other waits for the first one's row lock and, once it commits, finds the row greeted (on
    PostgreSQL; SQLite serves one instance). Rolled back with its turn, so a failed turn leaves the welcome owed.
    """
    unclaimed = Person.welcomed_at.is_(None)
    if again_after is not None:
        unclaimed = or_(unclaimed, Person.welcomed_at <= now - again_after)
    claimed = session.execute(
        update(Person).where(Person.id == person.id, unclaimed).values(welcomed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if claimed:
        set_committed_value(person, "welcomed_at", now)
    else:
        session.expire(person, ["welcomed_at"])
    return claimed


def forget_conversation(session: Session, person_id: int) -> None:
    """Teams answered 404 for this chat (the user deleted it); the next message must create a new one."""
    person = session.get(Person, person_id)
    if person:
        person.conversation_reference = None
        person.conversation_id = None


def latest_service_url(session: Session, tenant_id: str) -> str | None:
    """Teams' regional endpoint for a tenant, learnt from anyone in it who wrote to us."""
    return session.exec(
        select(Person.service_url)
        .where(Person.tenant_id == tenant_id, Person.service_url.is_not(None))
        .order_by(Person.last_seen_at.desc())
    ).first()


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
