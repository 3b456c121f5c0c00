"""The audit trail: append-only records of sign-offs, exports, erasures and imports."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from store.models.core import AuditEvent


def record(session: Session, *, actor_person_id: int | None, action: str, subject_type: str,
           subject_id: str | int | None = None, details: dict[str, Any] | None = None) -> AuditEvent:
    event = AuditEvent(actor_person_id=actor_person_id, action=action, subject_type=subject_type,
                       subject_id=None if subject_id is None else str(subject_id), details=details or {})
    session.add(event)
    session.flush()
    return event


def events_for(session: Session, *, subject_type: str, subject_id: str | int) -> list[AuditEvent]:
    return list(session.exec(
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == str(subject_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    ))
