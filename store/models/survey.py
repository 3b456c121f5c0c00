"""The yearly digital maturity survey: rounds, the register of who was invited and answered, unfinished
answers held for resumption, and the anonymous answers themselves (docs/survey.md says why each looks so).

The answer table (`survey_response`) has no person, no timestamp and no sequence: a random id, the round, a
unit and the answers. The register (`survey_invitation`) knows who answered, to the day, and nothing else.
Unfinished answers (`survey_draft`) are keyed by a keyed hash of the person, never by the person's id.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import utcnow


class RoundStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class SurveyRound(SQLModel, table=True):
    """One organisation's survey for one period: opens at the start of `opens_on`, closes after `closes_on`
    (local dates)."""

    __tablename__ = "survey_round"

    id: Optional[int] = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    instrument_version: str = Field(max_length=20)
    opens_on: date
    closes_on: date
    # Results are shown for groups of at least this many answers (3..25, dialogs.rules.anonymity).
    min_group: int = 5
    status: str = Field(default=RoundStatus.SCHEDULED, max_length=16, index=True)
    # Keys the unfinished answers' table; wiped at closing, so nothing left can be tied to anyone.
    draft_secret: Optional[str] = Field(default=None, max_length=64)
    # Set at closing: how many answered in all (the answers are deleted when fewer than min_group did).
    answer_count: Optional[int] = None
    created_at: datetime = Field(default_factory=utcnow)
    opened_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None


class SurveyInvitation(SQLModel, table=True):
    """The register: who was invited to a round and whether they have answered, to the day. It shares no id,
    no sequence and no time finer than a date with the answers."""

    __tablename__ = "survey_invitation"
    __table_args__ = (UniqueConstraint("round_id", "person_id", name="uq_survey_invitation_round_person"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    # The person's unit when invited, for response rates per unit.
    unit_id: Optional[int] = Field(default=None, foreign_key="directory_unit.id")
    invited_on: date
    answered_on: Optional[date] = None


class SurveyDraft(SQLModel, table=True):
    """Unfinished answers, held only to resume: keyed by HMAC(round secret, person id), deleted at finish
    and at closing. No person id, no unit, no timestamp."""

    __tablename__ = "survey_draft"
    __table_args__ = {"sqlite_with_rowid": False}

    token: str = Field(primary_key=True, max_length=64)
    round_id: int = Field(foreign_key="survey_round.id", index=True)
    dimension_index: int = 0
    revision: int = 0
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SurveyPending(SQLModel, table=True):
    """Finished answers waiting to be written, one row per round, kept in random order and moved into
    `survey_response` shuffled, a batch at a time, so the answers' storage order says nothing of who came when."""

    __tablename__ = "survey_pending"

    round_id: int = Field(foreign_key="survey_round.id", primary_key=True)
    version: int = 0
    answers: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class SurveyResponse(SQLModel, table=True):
    """One person's finished answers, without any identity; `unit_id` is coarsened at closing to the group
    the unit is reported in, so every unit named here has at least min_group answers."""

    __tablename__ = "survey_response"
    __table_args__ = {"sqlite_with_rowid": False}

    id: str = Field(primary_key=True, max_length=32)
    round_id: int = Field(foreign_key="survey_round.id", index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="directory_unit.id")
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    free_text: Optional[str] = Field(default=None, max_length=1000)
