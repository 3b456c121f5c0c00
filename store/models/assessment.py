"""Self-assessments (answers, status, levels per competence), role profiles with targets, and personal targets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import utcnow


class AssessmentMode(StrEnum):
    LONG = "long"  # four statements per competence on the 4-point scale
    SHORT = "short"  # one level description per competence


class AssessmentStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"  # dated and immutable
    EXPIRED = "expired"  # left unfinished for 30 days
    RESTARTED = "restarted"  # the person started over; the answers are kept but never count


class Assessment(SQLModel, table=True):
    """One self-assessment by one person; `revision` grows with every save, so a card can tell it is stale."""

    __tablename__ = "assessment"
    __table_args__ = (
        Index("ix_assessment_person_status", "person_id", "status"),
        Index("ix_assessment_person_finished", "person_id", "finished_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    # The framework and instrument the answers refer to: a later DigComp 3.0 instrument keeps these comparable.
    framework_version: str = Field(max_length=8)
    instrument_version: str = Field(max_length=16)
    mode: str = Field(max_length=8)
    status: str = Field(default=AssessmentStatus.IN_PROGRESS, max_length=16)
    # The area (0-based, in framework order) the person is on; equals the area count when all are answered.
    area_index: int = 0
    revision: int = 1
    # Statement id (long mode) or competence key (short mode) -> the answer value as the card sent it.
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None  # when it expired or was restarted
    # The version of the scoring rule (dialogs/rules/scoring.py) that gave the levels; set when finished.
    scoring_version: Optional[int] = None


class AssessmentLevel(SQLModel, table=True):
    """The level 0-8 (None: not relevant) per competence of a finished assessment, one row each for reports."""

    __tablename__ = "assessment_level"
    __table_args__ = (
        UniqueConstraint("assessment_id", "competence", name="uq_assessment_level_competence"),
        # Served the heatmap before level_summary (migration 0014) did; kept (bench/README.md).
        Index("ix_assessment_level_report", "assessment_id", "competence", "level"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    competence: str = Field(max_length=8, index=True)
    level: Optional[int] = None


class RoleProfile(SQLModel, table=True):
    """A yrkesroll (librarian, museum educator ...) with target levels per competence, imported by coordinators."""

    __tablename__ = "role_profile"

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)
    title_sv: str = Field(max_length=120)
    title_en: str = Field(max_length=120)
    framework_version: str = Field(default="2.2", max_length=8)
    updated_at: datetime = Field(default_factory=utcnow)


class RoleTarget(SQLModel, table=True):
    __tablename__ = "role_target"
    __table_args__ = (UniqueConstraint("role_profile_id", "competence", name="uq_role_target_competence"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    role_profile_id: int = Field(foreign_key="role_profile.id", index=True)
    competence: str = Field(max_length=8)
    target: int


class PersonRole(SQLModel, table=True):
    """The role profile a person works in: picked by the person until the directory supplies it."""

    __tablename__ = "person_role"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    role_profile_id: int = Field(foreign_key="role_profile.id", index=True)
    source: str = Field(default="self", max_length=16)  # "self" or "directory"
    updated_at: datetime = Field(default_factory=utcnow)


class PersonalTarget(SQLModel, table=True):
    """A target a person set for one competence; it overrides the role profile's target."""

    __tablename__ = "personal_target"
    __table_args__ = (UniqueConstraint("person_id", "competence", name="uq_personal_target_competence"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    competence: str = Field(max_length=8)
    target: int
    updated_at: datetime = Field(default_factory=utcnow)


class LevelSummary(SQLModel, table=True):
    """One row per finished assessment with all its levels in one short text, written in the transaction that
    finishes it (store/level_summary.py) and deleted with it (retention, erasure): the organisation heatmap reads
    one row per person instead of 21 (store/reports.py, bench/reports.py).

    `levels`: "competence=level" tokens separated by single spaces, one per competence with a level; a level
    marked not relevant (None) is left out, as the heatmap leaves it out. A competence key is written
    percent-encoded (urllib.parse.quote, safe=""), which leaves DigComp keys such as "2.4" as they are.
    `superseded_at`: when the same person finished their next assessment (by finished_at, then id), None for
    their latest; so "the latest in [start, end)" is a row finished in it and not superseded before `end`."""

    __tablename__ = "level_summary"

    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    finished_at: datetime = Field(index=True)
    superseded_at: Optional[datetime] = None
    levels: str = ""
