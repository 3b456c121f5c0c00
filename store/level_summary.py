"""The heatmap's summary of finished assessments (store.models.assessment.LevelSummary): one row per finished
assessment with its levels as "competence=level" tokens in one text, kept in step with assessment_level on
every write path: finishing an assessment (store/assessments.py), the retention job (store/reports.py) and
erasure (store/privacy.py). Migration 0014 fills it from existing assessments, as `rebuild` does."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, unquote

from sqlalchemy import delete, insert
from sqlmodel import Session, select

from store.models.assessment import Assessment, AssessmentLevel, AssessmentStatus, LevelSummary

_INSERT = insert(LevelSummary.__table__)  # type: ignore[attr-defined]


def encode(levels: Mapping[str, int | None]) -> str:
    """"1.1=3 1.2=5": a token per competence with a level (in key order), None (not relevant) left out."""
    return " ".join(f"{quote(key, safe='')}={int(level)}" for key, level in sorted(levels.items())
                    if level is not None)


def decode_token(token: str) -> tuple[str, int]:
    """("1.1", 3) from "1.1=3"."""
    key, _, level = token.rpartition("=")
    return unquote(key), int(level)


def decode(text: str) -> dict[str, int]:
    return dict(decode_token(token) for token in text.split())


def record(session: Session, *, assessment: Assessment, levels: Mapping[str, int | None]) -> None:
    """The summary row of an assessment just finished, in the same transaction."""
    session.execute(_INSERT, {"assessment_id": assessment.id, "person_id": assessment.person_id,
                              "finished_at": assessment.finished_at, "levels": encode(levels)})


def rebuild(session: Session) -> int:
    """Writes the summary anew from assessment and assessment_level (what migration 0014 does in SQL); returns
    the rows written. For a repair, and for checks that the summary matches the levels."""
    session.execute(delete(LevelSummary))
    finished = session.exec(select(Assessment.id, Assessment.person_id, Assessment.finished_at)
                            .where(Assessment.status == AssessmentStatus.FINISHED)).all()
    levels: dict[int, dict[str, int | None]] = {row[0]: {} for row in finished}
    for assessment_id, competence, level in session.exec(
            select(AssessmentLevel.assessment_id, AssessmentLevel.competence, AssessmentLevel.level)):
        if assessment_id in levels:
            levels[assessment_id][competence] = level
    if finished:
        session.execute(_INSERT, [{"assessment_id": assessment_id, "person_id": person_id,
                                   "finished_at": finished_at, "levels": encode(levels[assessment_id])}
                                  for assessment_id, person_id, finished_at in finished])
    return len(finished)
