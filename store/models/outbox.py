"""The outbox: messages that are not direct replies, one row per (campaign, recipient), sent by workers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for next_attempt_at
    SENDING = "sending"  # claimed by a worker until lease_until; a crashed worker's rows come back after it
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    UNREACHABLE = "unreachable"  # Teams said the chat or user is gone (403/404)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # The idempotency key: enqueueing the same campaign for the same person twice is one message.
        UniqueConstraint("campaign", "recipient_person_id", name="uq_outbox_campaign_recipient"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
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
    respect_quiet_hours: bool = True
    last_error: Optional[str] = Field(default=None, max_length=500)
    activity_id: Optional[str] = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None
