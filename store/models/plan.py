"""Individual development plans: one per person and year, versioned snapshots, and the comments on them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import utcnow

TEXT_MAX = 2000


class PlanState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"  # sent to the manager the first time
    CHANGES_REQUESTED = "changes_requested"
    RESENT = "resent"  # sent again after changes were asked for
    APPROVED = "approved"  # the manager's sign-off
    COMPLETED = "completed"  # the employee confirmed: double sign-off


class Plan(SQLModel, table=True):
    """The person's plan for one period; `version` grows with every change and a PlanVersion keeps each."""

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("person_id", "period", name="uq_plan_person_period"),
        Index("ix_plan_state_changed", "state", "state_changed_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    period: int  # the year
    state: str = Field(default=PlanState.DRAFT, max_length=20)
    version: int = 1
    # The finished self-assessment the plan was drafted from.
    assessment_id: Optional[int] = Field(default=None, foreign_key="assessment.id")
    # Ordered: [{"competence": "3.1", "level": 2, "target": 5, "agreed_level": None}, ...]
    priorities: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    goals: str = Field(default="", max_length=TEXT_MAX)
    activities: str = Field(default="", max_length=TEXT_MAX)
    target_date: Optional[date] = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    state_changed_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None
    approved_at: Optional[datetime] = None
    approved_by_person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    completed_at: Optional[datetime] = None
    # Reminders while the plan waits for the manager (at most 3) or stays a draft (at most 2).
    review_reminders: int = 0
    last_review_reminder_at: Optional[datetime] = None
    draft_reminders: int = 0
    last_draft_reminder_at: Optional[datetime] = None


class PlanVersion(SQLModel, table=True):
    """A snapshot of the plan as it was at one version: what both people saw and signed."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_version"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    version: int
    state: str = Field(max_length=20)
    change: str = Field(max_length=40)  # created, edited, sent, reviewed, approved, ...
    changed_by_person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    at: datetime = Field(default_factory=utcnow)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PlanComment(SQLModel, table=True):
    """A comment in the dialogue: the manager's reasons for changes, notes on approval, the employee's replies."""

    __tablename__ = "plan_comment"

    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    version: int
    author_person_id: int = Field(foreign_key="person.id")
    kind: str = Field(max_length=20)  # comment, changes_requested
    text: str = Field(max_length=TEXT_MAX)
    at: datetime = Field(default_factory=utcnow)
