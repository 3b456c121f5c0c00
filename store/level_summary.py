"""The heatmap's summary of finished assessments (store.models.assessment.LevelSummary): one row per finished
assessment with its levels as "competence=level" tokens in one text, kept in step with assessment_level on
every write path: finishing an assessment (store/assessments.py), the retention job (store/reports.py) and
erasure (store/privacy.py). Migration 0014 fills it from existing assessments, as `rebuild` does."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, unquote

from sqlalchemy import and_, delete, func, insert, or_, update
from sqlmodel import Session, select

from store.models.assessment import Assessment, AssessmentLevel, AssessmentStatus, LevelSummary


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
    """The summary row of an assessment just finished, in the same transaction: superseded by the person's next
    finished assessment if there is one (none, unless it was finished with an earlier date), and superseding
    the one before it. Two statements."""
    table = LevelSummary.__table__  # type: ignore[attr-defined]
    after = _after(table, assessment.person_id, assessment.finished_at, assessment.id)
    session.execute(insert(table).values(
        assessment_id=assessment.id, person_id=assessment.person_id, finished_at=assessment.finished_at,
        superseded_at=select(func.min(table.c.finished_at)).where(after).scalar_subquery(),
        levels=encode(levels)))
    before = (select(table.c.assessment_id)
              .where(table.c.person_id == assessment.person_id, ~after, table.c.assessment_id != assessment.id)
              .order_by(table.c.finished_at.desc(), table.c.assessment_id.desc()).limit(1).scalar_subquery())
    session.execute(update(table).where(table.c.assessment_id == before)
                    .values(superseded_at=assessment.finished_at))


def _after(table, person_id: int, finished_at, assessment_id: int):
    """Rows of the person that come after (finished_at, assessment_id)."""
    return and_(table.c.person_id == person_id,
                or_(table.c.finished_at > finished_at,
                    and_(table.c.finished_at == finished_at, table.c.assessment_id > assessment_id)))


def rebuild(session: Session) -> int:
    """Writes the summary anew from assessment and assessment_level (what migration 0014 does in SQL); returns
    the rows written. For a repair, and for checks that the summary matches the levels."""
    session.execute(delete(LevelSummary))
    finished = session.exec(select(Assessment.id, Assessment.person_id, Assessment.finished_at)
                            .where(Assessment.status == AssessmentStatus.FINISHED,
                                   Assessment.finished_at.is_not(None))
                            .order_by(Assessment.person_id, Assessment.finished_at, Assessment.id)).all()
    levels: dict[int, dict[str, int | None]] = {row[0]: {} for row in finished}
    for assessment_id, competence, level in session.exec(
            select(AssessmentLevel.assessment_id, AssessmentLevel.competence, AssessmentLevel.level)):
        if assessment_id in levels:
            levels[assessment_id][competence] = level
    rows = []
    for index, (assessment_id, person_id, finished_at) in enumerate(finished):
        following = finished[index + 1] if index + 1 < len(finished) else None
        rows.append({"assessment_id": assessment_id, "person_id": person_id, "finished_at": finished_at,
                     "superseded_at": following[2] if following and following[1] == person_id else None,
                     "levels": encode(levels[assessment_id])})
    if rows:
        session.execute(insert(LevelSummary.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)
