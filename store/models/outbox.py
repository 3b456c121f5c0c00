"""The outbox: messages that are not direct replies, one row per (campaign, recipient), sent by workers;
and each tenant's send pace, shared by every instance on the database."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for next_attempt_at
    SENDING = "sending"  # claimed by a worker (claim_token) until lease_until, which a live worker renews
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    UNREACHABLE = "unreachable"  # Teams does not know the chat or the user (404), even after a new chat
    BLOCKED = "blocked"  # Teams refused (403): the person removed or blocked the app
    CANCELLED = "cancelled"  # the campaign was cancelled before this row was sent


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # The idempotency key: enqueueing the same campaign for the same person twice is one message.
        UniqueConstraint("campaign", "recipient_person_id", name="uq_outbox_campaign_recipient"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # The retention job deletes sent rows by age.
        Index("ix_outbox_sent", "status", "sent_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    campaign: str = Field(max_length=160)
    recipient_person_id: int = Field(foreign_key="person.id", index=True)
    card: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    # The first moment quiet hours allow; retries never go out before it either.
    not_before: datetime = Field(default_factory=utcnow)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: Optional[datetime] = None
    # Who holds the claim: every change of a claimed row must present it (store.outbox._finish).
    claim_token: Optional[str] = Field(default=None, max_length=32)
    # Times Teams answered 429 for this row (the delivery report's "throttled").
    throttled: int = 0
    # Set when the campaign was cancelled: a row in flight then ends cancelled instead of retrying.
    cancelled_at: Optional[datetime] = None
    respect_quiet_hours: bool = True
    last_error: Optional[str] = Field(default=None, max_length=500)
    activity_id: Optional[str] = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None


class OutboxTenantPace(SQLModel, table=True):
    """One row per tenant: when its next send may go out, so all instances together keep one rate.

    Times are seconds since the epoch (float), so that SQL can add the gap between sends on any backend."""

    __tablename__ = "outbox_tenant_pace"

    tenant_id: str = Field(primary_key=True, max_length=64)
    next_slot: float = 0.0
    # After a 429 nobody sends to the tenant before this (Retry-After).
    paused_until: float = 0.0
    # Times Teams answered 429 for this tenant.
    throttled: int = 0
