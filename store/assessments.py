"""Self-assessments: start, save an area's answers, go back, finish, expire; finished results and history.

Status is an explicit state machine on the assessment row (ALLOWED_STATUS_CHANGES):
in_progress -> finished | expired | restarted; the last three are final. `revision` grows with every save,
so a card that shows an older revision can be told apart from the current one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Mapping

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from store import level_summary
from store.limits import row_id
from store.models.assessment import Assessment, AssessmentLevel, AssessmentStatus
from store.models.core import Person
from store.people import aware

# An assessment not finished within 30 days of its start expires: a profile should describe one moment.
EXPIRY = timedelta(days=30)

ALLOWED_STATUS_CHANGES: dict[str, frozenset[str]] = {
    AssessmentStatus.IN_PROGRESS: frozenset(
        {AssessmentStatus.FINISHED, AssessmentStatus.EXPIRED, AssessmentStatus.RESTARTED}
    ),
    AssessmentStatus.FINISHED: frozenset(),
    AssessmentStatus.EXPIRED: frozenset(),
    AssessmentStatus.RESTARTED: frozenset(),
}


class AssessmentClosed(Exception):
    """The assessment is no longer in progress, so its answers cannot change."""

    def __init__(self, assessment: Assessment) -> None:
        super().__init__(f"assessment {assessment.id} is {assessment.status}")
        self.status = assessment.status


class ConcurrentAssessmentChange(Exception):
    """Another turn saved this assessment between our read and our write."""


@dataclass(frozen=True)
class AssessmentResult:
    """A finished assessment as the profile, the history and the development plan need it."""

    id: int
    person_id: int
    mode: str
    framework_version: str
    instrument_version: str
    started_at: datetime
    finished_at: datetime
    levels: Mapping[str, int | None]
    # The scoring rule's version (1 for assessments finished before versions were recorded).
    scoring_version: int = 1


def is_expired(assessment: Assessment, *, now: datetime) -> bool:
    """Computed on read: an unfinished assessment started more than EXPIRY ago counts as expired."""
    if assessment.status == AssessmentStatus.EXPIRED:
        return True
    return assessment.status == AssessmentStatus.IN_PROGRESS and now - aware(assessment.started_at) > EXPIRY


def expires_at(assessment: Assessment) -> datetime:
    return aware(assessment.started_at) + EXPIRY


def _close(assessment: Assessment, status: str, *, now: datetime) -> None:
    if status not in ALLOWED_STATUS_CHANGES[assessment.status]:
        raise AssessmentClosed(assessment)
    assessment.status = status
    assessment.updated_at = now
    assessment.closed_at = now
    assessment.revision += 1


def expire_if_due(session: Session, *, assessment: Assessment, now: datetime) -> bool:
    """Marks an overdue in-progress assessment expired (when a turn touches it); True if it is expired."""
    if assessment.status == AssessmentStatus.IN_PROGRESS and is_expired(assessment, now=now):
        _close(assessment, AssessmentStatus.EXPIRED, now=now)
        session.flush()
    return assessment.status == AssessmentStatus.EXPIRED


# The statements of the assessment turns, built once with bind parameters so that they keep their SQL cache
# key: building a select and its cache key is about as costly as running it on SQLite (bench/README.md).
_IN_PROGRESS = (select(Assessment)
                .where(Assessment.person_id == bindparam("person_id"),
                       Assessment.status == AssessmentStatus.IN_PROGRESS)
                .order_by(Assessment.id.desc()))
_LAST = select(Assessment).where(Assessment.person_id == bindparam("person_id")).order_by(Assessment.id.desc())
_FINISHED = (select(Assessment)
             .where(Assessment.person_id == bindparam("person_id"), Assessment.status == AssessmentStatus.FINISHED)
             .order_by(Assessment.finished_at.desc(), Assessment.id.desc()))
_HISTORY = _FINISHED.limit(bindparam("limit"))
_PREVIOUS = _FINISHED.where(Assessment.finished_at <= bindparam("finished_at"),
                            Assessment.id != bindparam("chosen_id")).limit(1)
_LEVELS = (select(AssessmentLevel.assessment_id, AssessmentLevel.competence, AssessmentLevel.level)
           .where(AssessmentLevel.assessment_id.in_(bindparam("assessment_ids", expanding=True))))


def in_progress_assessment(session: Session, *, person_id: int, now: datetime) -> Assessment | None:
    """The person's unfinished assessment, or None; an overdue one is marked expired on the way."""
    assessment = session.exec(_IN_PROGRESS, params={"person_id": person_id}).first()
    if assessment is None or expire_if_due(session, assessment=assessment, now=now):
        return None
    return assessment


def last_assessment(session: Session, *, person_id: int) -> Assessment | None:
    """The person's most recently started assessment, whatever its status."""
    return session.exec(_LAST, params={"person_id": person_id}).first()


# Every area answer looks its assessment up: built once, these keep their SQL cache key between turns
# instead of building a select and its cache key anew each time (as store/people.py does for the sender).
_OWNED = select(Assessment).where(Assessment.id == bindparam("assessment_id"),
                                  Assessment.person_id == bindparam("person_id"))
_OWNED_FOR_UPDATE = _OWNED.with_for_update()
# The levels of a finished assessment go in as one executemany: 21 ORM objects cost more than the insert.
_INSERT_LEVELS = insert(AssessmentLevel.__table__)  # type: ignore[attr-defined]


def owned_assessment(session: Session, *, assessment_id: object, person_id: int,
                     for_update: bool = False) -> Assessment | None:
    """The assessment with this id if it belongs to the person; None for someone else's or an unknown id.

    `for_update` locks the row on PostgreSQL, so a double click waits for the first save and then sees it.
    """
    wanted = row_id(assessment_id)  # an id no row can have (2**63, "x") finds nothing, as an unknown one
    if wanted is None:
        return None
    held = _held_in_transaction(session).get(wanted)
    if held is not None:
        # Locked or saved by this transaction, so nobody else can have changed or deleted it until we commit,
        # and a SELECT would hand back this very object from the identity map unchanged. (SQLite locks no
        # rows; there the guarded UPDATE still refuses a save that another turn made in between.)
        return held if held.person_id == person_id else None
    query = _OWNED_FOR_UPDATE if for_update else _OWNED
    return session.exec(query, params={"assessment_id": wanted, "person_id": person_id}).first()


# An area answer looks up its sender and then locks the assessment its card names: one statement instead of
# two (a round trip and a statement of the area answer's four on PostgreSQL, bench/README.md).
def _owner_with_assessment(person_column):
    return (select(Person, Assessment)
            .join(Assessment, Assessment.person_id == Person.id)
            .where(Assessment.id == bindparam("assessment_id"), Person.tenant_id == bindparam("tenant_id"),
                   person_column == bindparam("user_id"))
            .with_for_update(of=Assessment))


_OWNER_BY_AAD_OBJECT_ID = _owner_with_assessment(Person.aad_object_id)
_OWNER_BY_TEAMS_USER_ID = _owner_with_assessment(Person.teams_user_id)


def owner_with_locked_assessment(session: Session, *, tenant_id: str, teams_user_id: str | None,
                                 aad_object_id: str | None, assessment_id: object) -> Person | None:
    """The sender, if they own the assessment with this id, which is then locked for this transaction.

    None when they are not found that way (a new person, someone else's assessment, an unknown id): the
    caller then looks them up as for any turn, and `owned_assessment` refuses the assessment as before.
    """
    wanted = row_id(assessment_id)  # an id no row can have (2**63, "x") finds nothing, as an unknown one
    if wanted is None:
        return None
    # As find_person: the AAD object id when Teams sends one, which is the id people are linked by.
    query, user_id = ((_OWNER_BY_AAD_OBJECT_ID, aad_object_id) if aad_object_id
                      else (_OWNER_BY_TEAMS_USER_ID, teams_user_id))
    if not user_id:
        return None
    row = session.execute(query, {"assessment_id": wanted, "tenant_id": tenant_id, "user_id": user_id}).first()
    if row is None:
        return None
    person, assessment = row
    _remember_held(session, assessment)
    return person


# The finishing answer shows the profile of the assessment it has just saved: it read that row and its levels
# back (two of the finishing answer's round trips on PostgreSQL, bench/README.md). What this transaction locked
# or wrote is remembered on the session for as long as the transaction (or savepoint) that did it is current.
_HELD = "kl_assessments_held"


def _current_transaction(session: Session):
    return session.get_nested_transaction() or session.get_transaction()


def _held(session: Session) -> tuple[Any, dict[int, Assessment], dict[int, dict[str, int | None]]] | None:
    held = session.info.get(_HELD)
    return held if held is not None and held[0] is _current_transaction(session) else None


def _held_in_transaction(session: Session) -> dict[int, Assessment]:
    held = _held(session)
    return held[1] if held else {}


def _levels_written_in_transaction(session: Session) -> dict[int, dict[str, int | None]]:
    held = _held(session)
    return held[2] if held else {}


def _remember_held(session: Session, assessment: Assessment,
                   levels: Mapping[str, int | None] | None = None) -> None:
    """`assessment` is locked (or written) by the current transaction; `levels`, if given, it inserted."""
    held = _held(session)
    if held is None:
        held = session.info[_HELD] = (_current_transaction(session), {}, {})
    held[1][assessment.id] = assessment
    if levels is not None:
        held[2][assessment.id] = dict(levels)


def start_assessment(session: Session, *, person_id: int, mode: str, framework_version: str,
                     instrument_version: str, now: datetime, replacing: Assessment | None = None) -> Assessment:
    """A new assessment in progress; `replacing` (the person's unfinished one) is closed as restarted."""
    if replacing is not None:
        if replacing.person_id != person_id:
            raise ValueError(f"assessment {replacing.id} is not person {person_id}'s")
        _close(replacing, AssessmentStatus.RESTARTED, now=now)
    assessment = Assessment(person_id=person_id, mode=mode, framework_version=framework_version,
                            instrument_version=instrument_version, started_at=now, updated_at=now)
    session.add(assessment)
    session.flush()
    return assessment


@lru_cache(maxsize=None)
def _guarded_update_statement(columns: tuple[str, ...]):
    """UPDATE ... WHERE id, revision and status are as read, built once per set of columns (a handful).

    On the table rather than the ORM entity, with bind parameters: the ORM's bulk-update path and a new
    statement with its cache key on every area answer cost more than the UPDATE itself (bench/README.md).
    """
    table = Assessment.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id == bindparam("guard_id"), table.c.revision == bindparam("guard_revision"),
               table.c.status == AssessmentStatus.IN_PROGRESS)
        .values(revision=bindparam("new_revision"), **{column: bindparam(f"new_{column}") for column in columns})
    )


def _guarded_update(session: Session, assessment: Assessment, **values: object) -> None:
    """One UPDATE that only succeeds if nobody saved since we read the row (optimistic concurrency)."""
    session.flush()  # what the ORM statement did first (autoflush); a table statement does not
    result = session.execute(
        _guarded_update_statement(tuple(values)),
        {"guard_id": assessment.id, "guard_revision": assessment.revision, "new_revision": assessment.revision + 1,
         **{f"new_{column}": value for column, value in values.items()}},
    )
    if result.rowcount != 1:
        raise ConcurrentAssessmentChange(f"assessment {assessment.id} changed since revision {assessment.revision}")
    # The object in the session now says what the row says, without a second UPDATE at flush.
    for key, value in {**values, "revision": assessment.revision + 1}.items():
        set_committed_value(assessment, key, value)
    _remember_held(session, assessment)


def save_area_answers(session: Session, *, assessment: Assessment, answers: Mapping[str, str], next_area: int,
                      now: datetime) -> Assessment:
    """Merges an area's answers into the assessment and moves the person on to `next_area`."""
    if assessment.status != AssessmentStatus.IN_PROGRESS:
        raise AssessmentClosed(assessment)
    merged = {**assessment.answers, **answers}
    _guarded_update(session, assessment, answers=merged, area_index=next_area, updated_at=now)
    return assessment


def go_to_area(session: Session, *, assessment: Assessment, area_index: int, now: datetime) -> Assessment:
    """The person went back to an earlier area (or resumed at one); answers stay as they are."""
    if assessment.status != AssessmentStatus.IN_PROGRESS:
        raise AssessmentClosed(assessment)
    if assessment.area_index != area_index:
        _guarded_update(session, assessment, area_index=area_index, updated_at=now)
    return assessment


def finish_assessment(session: Session, *, assessment: Assessment, levels: Mapping[str, int | None],
                      now: datetime, answers: Mapping[str, str] | None = None,
                      scoring_version: int = 1) -> AssessmentResult:
    """Saves the last `answers`, dates the assessment and stores its level per competence and the version of
    the scoring rule that gave them, in one revision. From now on it never changes.
    """
    if AssessmentStatus.FINISHED not in ALLOWED_STATUS_CHANGES[assessment.status]:
        raise AssessmentClosed(assessment)
    _guarded_update(session, assessment, answers={**assessment.answers, **(answers or {})},
                    status=AssessmentStatus.FINISHED, finished_at=now, updated_at=now,
                    scoring_version=scoring_version)
    if levels:
        session.execute(_INSERT_LEVELS, [{"assessment_id": assessment.id, "competence": key, "level": level}
                                         for key, level in levels.items()])
    level_summary.record(session, assessment=assessment, levels=levels)  # the heatmap's copy, same transaction
    _remember_held(session, assessment, levels)
    return _result(assessment, dict(levels))


def _result(assessment: Assessment, levels: dict[str, int | None]) -> AssessmentResult:
    assert assessment.id is not None and assessment.finished_at is not None
    return AssessmentResult(
        id=assessment.id,
        person_id=assessment.person_id,
        mode=assessment.mode,
        framework_version=assessment.framework_version,
        instrument_version=assessment.instrument_version,
        started_at=aware(assessment.started_at),
        finished_at=aware(assessment.finished_at),
        levels=levels,
        scoring_version=assessment.scoring_version or 1,
    )


def _results(session: Session, assessments: list[Assessment]) -> list[AssessmentResult]:
    """Levels for several assessments in one query (no query per assessment)."""
    if not assessments:
        return []
    known = _levels_written_in_transaction(session)
    levels: dict[int, dict[str, int | None]] = {a.id: dict(known.get(a.id, {})) for a in assessments
                                                if a.id is not None}
    unknown = [assessment_id for assessment_id in levels if assessment_id not in known]
    if unknown:  # the levels of one finished in this transaction are the ones it inserted: no need to read them
        for assessment_id, competence, level in session.exec(_LEVELS, params={"assessment_ids": unknown}):
            levels[assessment_id][competence] = level
    return [_result(a, levels[a.id]) for a in assessments if a.id is not None]


def latest_finished_assessment(session: Session, *, person_id: int) -> AssessmentResult | None:
    """The person's most recent finished assessment with a level (0-8, None = not relevant) per competence."""
    history = assessment_history(session, person_id=person_id, limit=1)
    return history[0] if history else None


def latest_finished_assessments(session: Session, *, person_ids: Iterable[int]) -> dict[int, AssessmentResult]:
    """`latest_finished_assessment` of many people: the latest row each (in `_FINISHED`'s order) in one
    query, their levels in another; people without a finished assessment are left out."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    ranked = (select(Assessment.id.label("id"),
                     func.row_number().over(partition_by=Assessment.person_id,
                                            order_by=(Assessment.finished_at.desc(), Assessment.id.desc()))
                     .label("rank"))
              .where(Assessment.person_id.in_(ids), Assessment.status == AssessmentStatus.FINISHED)
              .subquery())
    latest = list(session.exec(select(Assessment).join(ranked, ranked.c.id == Assessment.id)
                               .where(ranked.c.rank == 1)))
    return {result.person_id: result for result in _results(session, latest)}


def latest_finished(session: Session, *, person_id: int) -> Assessment | None:
    """The person's most recently finished assessment row (without its levels), or None."""
    return session.exec(_HISTORY, params={"person_id": person_id, "limit": 1}).first()


def assessment_history(session: Session, *, person_id: int, limit: int = 20) -> list[AssessmentResult]:
    """The person's finished assessments, newest first, each with its levels."""
    return _results(session, list(session.exec(_HISTORY, params={"person_id": person_id, "limit": limit})))


def finished_assessment_with_previous(session: Session, *, person_id: int, assessment_id: object
                                      ) -> tuple[AssessmentResult, AssessmentResult | None] | None:
    """One of the person's finished assessments and the one finished before it (for the comparison)."""
    chosen = owned_assessment(session, assessment_id=assessment_id, person_id=person_id)
    if chosen is None or chosen.status != AssessmentStatus.FINISHED:
        return None
    previous = session.exec(_PREVIOUS, params={"person_id": person_id, "finished_at": chosen.finished_at,
                                               "chosen_id": chosen.id}).first()
    results = _results(session, [chosen] + ([previous] if previous else []))
    return results[0], (results[1] if previous else None)
