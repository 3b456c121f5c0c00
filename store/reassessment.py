"""Who is due a reminder to assess themselves again: one set-based query over assessments, people, the
directory and the outbox, read in batches of people (by id) so that 50,000 people never sit in memory at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, literal, or_, select
from sqlalchemy.orm import aliased, defer
from sqlmodel import Session

from store.assessments import EXPIRY
from store.models.assessment import Assessment, AssessmentStatus
from store.models.core import Person
from store.models.directory import DirectoryEntry
from store.models.outbox import OutboxMessage
from store.people import aware


@dataclass(frozen=True)
class DueReassessment:
    person: Person
    assessment_id: int
    finished_at: datetime


def due_for_reassessment(session: Session, *, finished_before: datetime, now: datetime, campaign_prefix: str,
                         after_person_id: int = 0, limit: int = 500) -> list[DueReassessment]:
    """People (id > `after_person_id`, ascending, at most `limit`) whose latest finished assessment finished
    at or before `finished_before`, with no unexpired assessment in progress started after it, who have not
    left (an inactive directory entry), can be reached (a chat, or an AAD object id to open one), were not
    erased, and have no outbox message for the campaign `<campaign_prefix><person id>:<assessment id>` yet."""
    latest = aliased(Assessment, name="latest")
    newer = aliased(Assessment, name="newer")
    started = aliased(Assessment, name="started")
    campaign = literal(campaign_prefix) + cast(latest.person_id, String) + literal(":") + cast(latest.id, String)
    query = (
        select(Person, latest.id, latest.finished_at)
        .options(defer(Person.conversation_reference))  # for the outbox worker (1 KB each), not needed here
        .join(latest, latest.person_id == Person.id)
        .where(
            latest.person_id > after_person_id,
            latest.status == AssessmentStatus.FINISHED,
            latest.finished_at <= finished_before,
            ~exists().where(newer.person_id == latest.person_id, newer.status == AssessmentStatus.FINISHED,
                            or_(newer.finished_at > latest.finished_at,
                                and_(newer.finished_at == latest.finished_at, newer.id > latest.id))),
            # An assessment in progress counts until it expires (expiry is computed on read, store.assessments).
            ~exists().where(started.person_id == latest.person_id, started.status == AssessmentStatus.IN_PROGRESS,
                            started.started_at > latest.finished_at, started.started_at > now - EXPIRY),
            ~exists().where(DirectoryEntry.person_id == latest.person_id, DirectoryEntry.active.is_(False)),
            # Reachable as the outbox worker decides: through the stored chat, or by opening one with the AAD id.
            or_(Person.conversation_id.is_not(None), Person.aad_object_id.is_not(None)),
            or_(Person.teams_user_id.is_(None), ~Person.teams_user_id.startswith("erased:")),
            ~exists().where(OutboxMessage.recipient_person_id == latest.person_id,
                            OutboxMessage.campaign == campaign),
        )
        .order_by(latest.person_id)
        .limit(limit)
    )
    return [DueReassessment(person, assessment_id, aware(finished_at))
            for person, assessment_id, finished_at in session.execute(query).all()]
