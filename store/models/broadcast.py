"""Coordinators' broadcasts (utskick): the message and its audience rule, the fan-out into the outbox, the
people the audience named who cannot be reached at all, and short-lived download links for the report."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import utcnow


class BroadcastStatus(StrEnum):
    QUEUING = "queuing"  # confirmed; recipients are being put in the outbox in batches (fanout_cursor)
    SENDING = "sending"  # every recipient has an outbox row; the outbox delivers
    DONE = "done"  # nothing left to send; the summary went to the coordinator
    CANCELLED = "cancelled"  # what was not sent stays unsent


class Broadcast(SQLModel, table=True):
    __tablename__ = "broadcast"

    id: Optional[int] = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_person_id: int = Field(foreign_key="person.id", index=True)
    # The typed content ({"kind": "message", ...}; dialogs/rules/broadcast_content.py) and audience rule
    # ({"units": [...], ...}; dialogs/rules/audience.py), as confirmed.
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    audience: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    audience_count: int = 0  # people the rule named when the coordinator confirmed
    status: str = Field(default=BroadcastStatus.QUEUING, max_length=16, index=True)
    # The moment asked for (now, or a chosen time); quiet hours may move the first send later.
    send_at: datetime = Field(default_factory=utcnow)
    fanout_cursor: int = 0  # the last directory entry id put in the outbox (entries are taken by id)
    queued: int = 0  # outbox rows this broadcast added
    unaddressable: int = 0  # people named with no chat and no AAD object id: nothing can reach them
    created_at: datetime = Field(default_factory=utcnow)
    fanned_out_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    cancelled_at: Optional[datetime] = None


class BroadcastUnaddressable(SQLModel, table=True):
    """Someone the audience named whom Teams cannot be asked to reach (not in the outbox): the CSV lists them."""

    __tablename__ = "broadcast_unaddressable"
    __table_args__ = (UniqueConstraint("broadcast_id", "entry_id", name="uq_broadcast_unaddressable_entry"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True)
    entry_id: int = Field(foreign_key="directory_entry.id")


class DownloadToken(SQLModel, table=True):
    """A short-lived link to a download, bound to the person it was made for; only its SHA-256 is stored."""

    __tablename__ = "download_token"

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True)
    expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
