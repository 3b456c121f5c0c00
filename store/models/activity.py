"""Learning activities: the catalogue coordinators keep, who signed up (with the waiting list), completed
hours per person and month (for the ESF report), and activities linked to development plans."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import utcnow

TEXT_MAX = 2000


class ActivityFormat(StrEnum):
    COURSE = "course"  # kurs
    ELEARNING = "elearning"  # e-learning / självstudier
    LECTURE = "lecture"  # föreläsning
    WORKSHOP = "workshop"
    WEBINAR = "webinar"  # webbinarium
    NETWORK = "network"  # nätverk / lärande nätverk
    MENTORING = "mentoring"  # mentorskap / kollegialt lärande
    STUDY_VISIT = "study_visit"  # studiebesök


class ActivityStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class SignupStatus(StrEnum):
    SIGNED_UP = "signed_up"  # has a place
    WAITING = "waiting"  # on the waiting list, in order of signed_up_at
    CANCELLED = "cancelled"  # the person cancelled, or the activity was cancelled
    DECLINED = "declined"  # "Inte intresserad": never proposed again
    COMPLETED = "completed"  # done, with hours


class Activity(SQLModel, table=True):
    """One activity of an organisation's catalogue: a dated session (start, end, place or link) or self-paced.

    `places_taken` counts the SIGNED_UP rows; it is changed only under the activity's row lock, so capacity
    holds with several instances. `competences` is the display order; activity_competence indexes it.
    """

    __tablename__ = "activity"
    __table_args__ = (
        UniqueConstraint("organisation_id", "key", name="uq_activity_org_key"),
        Index("ix_activity_status_org", "status", "organisation_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    key: str = Field(max_length=60)  # the coordinator's id, the key of the idempotent import
    title_sv: Optional[str] = Field(default=None, max_length=200)
    title_en: Optional[str] = Field(default=None, max_length=200)
    description_sv: Optional[str] = Field(default=None, max_length=TEXT_MAX)
    description_en: Optional[str] = Field(default=None, max_length=TEXT_MAX)
    format: str = Field(max_length=20)
    competences: str = Field(max_length=200)  # "3.1,3.2"
    level_min: int = 1
    level_max: int = 8
    roles: str = Field(default="", max_length=500)  # role keys, comma-separated; empty: everyone
    hours: float = 1.0
    self_paced: bool = False
    starts_at: Optional[datetime] = None
    ends_at: Optional[datetime] = None
    place: Optional[str] = Field(default=None, max_length=300)
    online_url: Optional[str] = Field(default=None, max_length=500)
    provider: Optional[str] = Field(default=None, max_length=200)
    capacity: Optional[int] = None  # None: no limit
    registration_deadline: Optional[datetime] = None
    status: str = Field(default=ActivityStatus.DRAFT, max_length=16)
    shared: bool = False  # offered to people of other organisations too
    places_taken: int = 0  # signed up in the bot
    # Places taken outside the bot (registrations by e-mail, say), as the coordinator imported them.
    external_places: int = 0
    version: int = 1
    created_by_person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: Optional[datetime] = None
    cancelled_at: Optional[datetime] = None


class ActivityCompetence(SQLModel, table=True):
    """What matching looks activities up by: one row per competence an activity develops and per level its range
    covers, kept only while the activity is published. The index walks one (competence, level) in the order
    proposals take (self-paced, then dated by start), so a person's page reads a few rows per gap competence
    whatever the catalogue's size (store/activities.py ranked_page)."""

    __tablename__ = "activity_competence"
    __table_args__ = (
        Index("ix_activity_competence_match", "competence", "level", "self_paced", "starts_at", "activity_id"),
    )

    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    competence: str = Field(max_length=8, primary_key=True)
    level: int = Field(primary_key=True)
    self_paced: bool = False
    starts_at: Optional[datetime] = None


class ActivitySignup(SQLModel, table=True):
    """One person and one activity: a place, a waiting-list place, cancelled, declined or completed."""

    __tablename__ = "activity_signup"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id", name="uq_activity_signup_person"),
        Index("ix_activity_signup_activity_status", "activity_id", "status", "signed_up_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=16)
    signed_up_at: datetime = Field(default_factory=utcnow)  # the waiting list's order (then id)
    updated_at: datetime = Field(default_factory=utcnow)
    hours: Optional[float] = None
    completed_at: Optional[datetime] = None
    confirmed_by_person_id: Optional[int] = Field(default=None, foreign_key="person.id")


class ActivityHours(SQLModel, table=True):
    """Completed learning hours per person, month and activity: what the ESF participant report sums."""

    __tablename__ = "activity_hours"
    __table_args__ = (
        UniqueConstraint("person_id", "activity_id", "month", name="uq_activity_hours_person_month"),
        Index("ix_activity_hours_month", "month"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    month: str = Field(max_length=7)  # "2026-03", local time of the organisation
    hours: float
    recorded_at: datetime = Field(default_factory=utcnow)


class PlanActivity(SQLModel, table=True):
    """A catalogue activity chosen for a plan (the plan's free text stays as it was, beside these links)."""

    __tablename__ = "plan_activity"
    __table_args__ = (UniqueConstraint("plan_id", "activity_id", name="uq_plan_activity"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    competence: Optional[str] = Field(default=None, max_length=8)
    added_by_person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    added_at: datetime = Field(default_factory=utcnow)


class ActivitySession(SQLModel, table=True):
    """One dated meeting of an activity (a course of three meetings has three): start, end, place or link.

    People sign up for the activity, not a session; each session is reminded the working day before, and a
    cancelled one stays (with `cancelled_at`) so the history shows it. The activity's own starts_at, ends_at,
    place and online_url repeat its first session that is not cancelled, for matching and the catalogue's order
    (store.activities keeps them in step)."""

    __tablename__ = "activity_session"
    __table_args__ = (
        UniqueConstraint("activity_id", "starts_at", name="uq_activity_session_start"),
        Index("ix_activity_session_starts", "starts_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    starts_at: datetime
    ends_at: Optional[datetime] = None
    place: Optional[str] = Field(default=None, max_length=300)
    online_url: Optional[str] = Field(default=None, max_length=500)
    cancelled_at: Optional[datetime] = None
