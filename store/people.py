"""People: find or record the sender of a turn, keep their conversation reference for proactive messages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.models.core import Person, utcnow

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
    person = found or find_person(session, tenant_id=tenant_id, teams_user_id=teams_user_id,
                                  aad_object_id=aad_object_id)
    if person is None:
        person = _insert_or_find(session, tenant_id=tenant_id, teams_user_id=teams_user_id,
                                 aad_object_id=aad_object_id)
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


def _without_activity_id(reference: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in reference.items() if k != "activityId"} if reference else reference


def mark_welcomed_unless_recent(session: Session, person: Person, *, now: datetime, within: timedelta) -> bool:
    """Teams announces an install twice (installationUpdate and conversationUpdate); greet once."""
    if person.welcomed_at is not None and now - aware(person.welcomed_at) < within:
        return False
    person.welcomed_at = now
    return True


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
