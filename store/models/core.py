"""People as Teams knows them, their persisted conversation-flow state, and the audit trail."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Person(SQLModel, table=True):
    """A Teams user the bot has met (or must reach), keyed by tenant and Teams ids."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("tenant_id", "teams_user_id", name="uq_person_tenant_teams_user"),
        UniqueConstraint("tenant_id", "aad_object_id", name="uq_person_tenant_aad_object"),
        # The directory links entries to people by AAD object id whatever its case.
        Index("ix_person_lower_aad_object_id", text("lower(aad_object_id)")),
        # A tenant's service URL is that of whoever wrote last (store.people.latest_service_url).
        Index("ix_person_tenant_last_seen", "tenant_id", "last_seen_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    aad_object_id: Optional[str] = Field(default=None, max_length=64)
    teams_user_id: Optional[str] = Field(default=None, max_length=200)
    name: Optional[str] = Field(default=None, max_length=200)
    email: Optional[str] = Field(default=None, max_length=320, index=True)
    locale: Optional[str] = Field(default=None, max_length=16)
    service_url: Optional[str] = Field(default=None, max_length=500)
    conversation_id: Optional[str] = Field(default=None, max_length=500)
    # The serialized botbuilder ConversationReference, opaque outside bot/.
    conversation_reference: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: Optional[datetime] = None
    welcomed_at: Optional[datetime] = None


class FlowState(SQLModel, table=True):
    """Where a person is in one conversation flow; `version` guards against lost updates."""

    __tablename__ = "flow_state"
    __table_args__ = (UniqueConstraint("person_id", "flow", name="uq_flow_state_person_flow"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    flow: str = Field(max_length=40)
    state: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when: sign-offs, exports, erasures, imports."""

    __tablename__ = "audit_event"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_person_id: Optional[int] = Field(default=None, index=True)
    action: str = Field(max_length=60)
    subject_type: str = Field(max_length=40)
    subject_id: Optional[str] = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
