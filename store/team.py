"""Read models for managers: the assessment status of several people at once, and one assessment's levels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from store.assessments import EXPIRY
from store.models.assessment import Assessment, AssessmentLevel, AssessmentStatus
from store.people import aware


@dataclass(frozen=True)
class AssessmentState:
    status: str  # none, in_progress, finished
    finished_at: datetime | None = None


def assessment_states(session: Session, person_ids: Iterable[int], *, now: datetime) -> dict[int, AssessmentState]:
    """Per person: the date of their latest finished assessment, else whether one is in progress; one query."""
    ids = list(person_ids)
    states = {person_id: AssessmentState("none") for person_id in ids}
    if not ids:
        return states
    rows = session.exec(
        select(Assessment.person_id, Assessment.status, Assessment.started_at, Assessment.finished_at)
        .where(Assessment.person_id.in_(ids),
               Assessment.status.in_([AssessmentStatus.FINISHED, AssessmentStatus.IN_PROGRESS])))
    for person_id, status, started_at, finished_at in rows:
        current = states[person_id]
        if status == AssessmentStatus.FINISHED and finished_at is not None:
            if current.finished_at is None or aware(finished_at) > current.finished_at:
                states[person_id] = AssessmentState("finished", aware(finished_at))
        elif current.status == "none" and now - aware(started_at) <= EXPIRY:
            states[person_id] = AssessmentState("in_progress")
    return states


def assessment_summary(session: Session, assessment_id: int | None) -> tuple[datetime | None, dict[str, int | None],
                                                                             str | None]:
    """(finished_at, level per competence, framework version) of one assessment; empty when unknown."""
    if assessment_id is None:
        return None, {}, None
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        return None, {}, None
    levels = dict(session.exec(select(AssessmentLevel.competence, AssessmentLevel.level)
                               .where(AssessmentLevel.assessment_id == assessment_id)).all())
    finished = aware(assessment.finished_at) if assessment.finished_at else None
    return finished, levels, assessment.framework_version


def assessment_summaries(session: Session, assessment_ids: Iterable[int]
                         ) -> dict[int, tuple[datetime | None, dict[str, int | None], str | None]]:
    """`assessment_summary` of many assessments in two queries; an unknown id is left out."""
    ids = sorted(set(assessment_ids))
    if not ids:
        return {}
    found = {a.id: a for a in session.exec(select(Assessment).where(Assessment.id.in_(ids)))}
    levels: dict[int, dict[str, int | None]] = {assessment_id: {} for assessment_id in found}
    if found:
        for assessment_id, competence, level in session.exec(
                select(AssessmentLevel.assessment_id, AssessmentLevel.competence, AssessmentLevel.level)
                .where(AssessmentLevel.assessment_id.in_(list(found)))):
            levels[assessment_id][competence] = level
    return {assessment_id: (aware(a.finished_at) if a.finished_at else None, levels[assessment_id],
                            a.framework_version)
            for assessment_id, a in found.items()}
