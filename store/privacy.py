"""Export and erasure of everything stored about one person (GDPR articles 15, 17 and 20), each audited.

Erasure deletes the person's own records (assessments, targets, plans, conversation state, queued messages)
and keeps a tombstone person row, so that other people's records that name them (a manager's sign-off on
someone else's plan, the audit trail) stay consistent while no longer saying who they were.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import String, Text, cast, delete, or_
from sqlmodel import Session, SQLModel, select

from store import audit
from store.models.activity import Activity, ActivityHours, ActivitySignup, PlanActivity
from store.models.assessment import Assessment, AssessmentLevel, LevelSummary, PersonalTarget, PersonRole
from store.models.broadcast import Broadcast, DownloadToken
from store.models.core import AuditEvent, FlowState, Person, utcnow
from store.models.directory import DirectoryEntry
from store.models.outbox import OutboxMessage
from store.models.plan import Plan, PlanComment, PlanVersion
from store.models.survey import SurveyInvitation
from store.survey import delete_unfinished_survey_answers

ERASED_NAME = "(raderad)"

# Every column that points at a person, and what erasure does with it. A test checks that this list names
# every foreign key to person.id, so a new table cannot hold personal data that export and erasure miss.
PERSON_REFERENCES: dict[tuple[str, str], str] = {
    ("flow_state", "person_id"): "deleted",
    ("assessment", "person_id"): "deleted with its levels",
    ("level_summary", "person_id"): "deleted (the heatmap's copy of the levels of their finished assessments)",
    ("personal_target", "person_id"): "deleted",
    ("person_role", "person_id"): "deleted",
    ("plan", "person_id"): "deleted with its versions and comments",
    ("plan", "approved_by_person_id"): "kept on others' plans, pointing at the tombstone",
    ("plan_version", "changed_by_person_id"): "kept on others' plans, pointing at the tombstone",
    ("plan_comment", "author_person_id"): "kept on others' plans, pointing at the tombstone",
    ("directory_entry", "person_id"): "unlinked, deactivated, name and addresses scrubbed",
    # The survey register: who was invited and the day they answered. Kept for response rates, pointing at
    # the nameless tombstone; finished answers hold no identity and cannot be found, unfinished ones are deleted.
    ("survey_invitation", "person_id"): "kept, pointing at the tombstone; unfinished survey answers deleted",
    ("broadcast", "created_by_person_id"): "kept (the organisation's record), pointing at the tombstone",
    ("download_token", "person_id"): "deleted",
    # Learning activities (issue 13)
    ("activity", "created_by_person_id"): "kept in the catalogue, pointing at the tombstone",
    ("activity_signup", "person_id"): "deleted",
    ("activity_signup", "confirmed_by_person_id"): "kept on others' sign-ups, pointing at the tombstone",
    ("activity_hours", "person_id"): "deleted",
    ("plan_activity", "added_by_person_id"): "deleted on own plans; kept on others', pointing at the tombstone",
    ("outbox_message", "recipient_person_id"): "deleted, and so are messages to others whose card names them",
}


class PersonNotFound(LookupError):
    pass


def find_person_by_email(session: Session, email: str) -> Person:
    email = email.strip().lower()
    person = session.exec(select(Person).where(Person.email == email)).first()
    if person is None:
        entry = session.exec(
            select(DirectoryEntry).where(DirectoryEntry.email == email, DirectoryEntry.person_id.is_not(None))
        ).first()
        person = session.get(Person, entry.person_id) if entry else None
    if person is None:
        raise PersonNotFound(f"nobody with the e-mail address {email} has used Kompetenslyft")
    return person


def export_person(session: Session, *, person_id: int, actor: str) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data; the export itself goes into the audit trail."""
    person = _get(session, person_id)
    assessments = _all(session, select(Assessment).where(Assessment.person_id == person_id))
    plans = _all(session, select(Plan).where(Plan.person_id == person_id))
    plan_ids = [plan.id for plan in plans]
    export = {
        "exported_at": utcnow().isoformat(),
        "person": _dump(person),
        "directory_entries": _dumps(session, select(DirectoryEntry).where(DirectoryEntry.person_id == person_id)),
        "assessments": [
            {**_dump(a), "levels": _dumps(session, select(AssessmentLevel).where(AssessmentLevel.assessment_id == a.id))}
            for a in assessments
        ],
        # The same levels again, as the organisation heatmap reads them (one row per finished assessment).
        "level_summaries": _dumps(session, select(LevelSummary).where(LevelSummary.person_id == person_id)),
        "personal_targets": _dumps(session, select(PersonalTarget).where(PersonalTarget.person_id == person_id)),
        "role": _dumps(session, select(PersonRole).where(PersonRole.person_id == person_id)),
        "plans": [
            {
                **_dump(plan),
                "versions": _dumps(session, select(PlanVersion).where(PlanVersion.plan_id == plan.id)),
                "comments": _dumps(session, select(PlanComment).where(PlanComment.plan_id == plan.id)),
                "catalogue_activities": _dumps(session, select(PlanActivity).where(PlanActivity.plan_id == plan.id)),
            }
            for plan in plans
        ],
        "comments_on_others_plans": _dumps(
            session,
            select(PlanComment).where(PlanComment.author_person_id == person_id, PlanComment.plan_id.not_in(plan_ids)),
        ),
        "conversation_state": _dumps(session, select(FlowState).where(FlowState.person_id == person_id)),
        "activity_signups": _dumps(session, select(ActivitySignup).where(ActivitySignup.person_id == person_id)),
        "activity_hours": _dumps(session, select(ActivityHours).where(ActivityHours.person_id == person_id)),
        "messages_queued": _dumps(session, select(OutboxMessage).where(OutboxMessage.recipient_person_id == person_id)),
        # Survey answers themselves are anonymous: nothing ties them to the person, so they cannot be exported.
        "survey_invitations": _dumps(session, select(SurveyInvitation).where(SurveyInvitation.person_id == person_id)),
        "broadcasts_sent": _dumps(session, select(Broadcast).where(Broadcast.created_by_person_id == person_id)),
        "download_links": _dumps(session, select(DownloadToken).where(DownloadToken.person_id == person_id)),
        "audit_trail": _dumps(session, _audit_about(person_id)),
    }
    audit.record(session, actor_person_id=None, action="person.exported", subject_type="person",
                 subject_id=person_id, details={"by": actor})
    return export


def erase_person(session: Session, *, person_id: int, actor: str) -> dict[str, int]:
    """Deletes the person's own records and scrubs the person row; returns how many rows each step touched."""
    person = _get(session, person_id)
    counts: dict[str, int] = {}
    assessment_ids = select(Assessment.id).where(Assessment.person_id == person_id)
    plan_ids = select(Plan.id).where(Plan.person_id == person_id)
    steps = [
        ("assessment_levels", delete(AssessmentLevel).where(AssessmentLevel.assessment_id.in_(assessment_ids))),
        ("level_summaries", delete(LevelSummary).where(LevelSummary.person_id == person_id)),
        ("plan_comments", delete(PlanComment).where(PlanComment.plan_id.in_(plan_ids))),
        ("plan_versions", delete(PlanVersion).where(PlanVersion.plan_id.in_(plan_ids))),
        ("plan_activities", delete(PlanActivity).where(PlanActivity.plan_id.in_(plan_ids))),
        ("activity_signups", delete(ActivitySignup).where(ActivitySignup.person_id == person_id)),
        ("activity_hours", delete(ActivityHours).where(ActivityHours.person_id == person_id)),
        ("plans", delete(Plan).where(Plan.person_id == person_id)),
        ("assessments", delete(Assessment).where(Assessment.person_id == person_id)),
        ("personal_targets", delete(PersonalTarget).where(PersonalTarget.person_id == person_id)),
        ("roles", delete(PersonRole).where(PersonRole.person_id == person_id)),
        ("conversation_state", delete(FlowState).where(FlowState.person_id == person_id)),
        ("messages_queued", delete(OutboxMessage).where(OutboxMessage.recipient_person_id == person_id)),
        ("download_links", delete(DownloadToken).where(DownloadToken.person_id == person_id)),
        # Copies: a card to their manager names them, shows their e-mail, their plan (sent or not yet sent).
        ("messages_about", _messages_naming(person)),
    ]
    # A place given up by erasure is free again for the waiting list's next person (told by nobody: no turn).
    for signup in session.exec(select(ActivitySignup).where(ActivitySignup.person_id == person_id,
                                                            ActivitySignup.status == "signed_up")):
        activity = session.get(Activity, signup.activity_id)
        if activity is not None and activity.places_taken > 0:
            activity.places_taken -= 1
    for name, statement in steps:
        counts[name] = session.execute(statement).rowcount or 0
    counts["unfinished_survey_answers"] = delete_unfinished_survey_answers(session, person_id=person_id)
    for entry in session.exec(select(DirectoryEntry).where(DirectoryEntry.person_id == person_id)):
        entry.person_id = None
        entry.active = False
        entry.left_at = entry.left_at or utcnow()
        entry.name = ERASED_NAME
        entry.email = f"erased-{entry.id}@invalid"
        entry.upn = None
        entry.aad_object_id = None
        counts["directory_entries"] = counts.get("directory_entries", 0) + 1
    person.name = ERASED_NAME
    person.email = None
    person.aad_object_id = None
    # Unique per tenant and never a real Teams id again, so a returning user becomes a new person.
    person.teams_user_id = f"erased:{person.id}"
    person.locale = None
    person.conversation_reference = None
    person.conversation_id = None
    person.service_url = None
    session.flush()
    audit.record(session, actor_person_id=None, action="person.erased", subject_type="person",
                 subject_id=person_id, details={"by": actor, "rows": counts})
    return counts


def _messages_naming(person: Person):
    """Outbox rows, to anyone, whose card holds the person's name, e-mail, AAD object id or Teams id: as
    written, or as JSON escapes it (a column stores "Åsa" as "\\u00c5sa")."""
    needles = {value for value in (person.name, person.email, person.aad_object_id, person.teams_user_id)
               if value and len(value) >= 3}
    variants = {form for needle in needles for form in (needle, json.dumps(needle)[1:-1])}
    if not variants:
        return delete(OutboxMessage).where(OutboxMessage.id.is_(None))
    card = cast(cast(OutboxMessage.card, Text), String)
    return delete(OutboxMessage).where(or_(*(card.like(f"%{_escaped(v)}%", escape="\\") for v in variants)))


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _audit_about(person_id: int):
    return select(AuditEvent).where(
        or_(AuditEvent.actor_person_id == person_id,
            (AuditEvent.subject_type == "person") & (AuditEvent.subject_id == str(person_id)))
    ).order_by(AuditEvent.at, AuditEvent.id)


def _get(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise PersonNotFound(f"no person with id {person_id}")
    return person


def _all(session: Session, statement) -> list[Any]:
    return list(session.exec(statement))


def _dump(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")


def _dumps(session: Session, statement) -> list[dict[str, Any]]:
    return [_dump(row) for row in session.exec(statement)]
