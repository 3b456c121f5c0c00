"""Development plans: create, edit, send, withdraw, review, approve, acknowledge; each change a new version with a
snapshot, each state change an audit event. Writes are guarded by the version the caller read, so two
clicks on the same card cannot both change the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from store import audit
from store.models.plan import Plan, PlanComment, PlanState, PlanVersion
from store.limits import row_id
from store.people import aware
from store.plan_states import EMPLOYEE_EDITS, check_transition, state_after_withdrawing

SUBJECT = "plan"


class PlanChangedConcurrently(Exception):
    """Someone else changed the plan between reading it and writing it."""


class PlanNotEditable(Exception):
    """The plan is not in a state where this person may change it."""


def plan_for(session: Session, *, person_id: int, period: int) -> Plan | None:
    return session.exec(select(Plan).where(Plan.person_id == person_id, Plan.period == period)).first()


def latest_plan(session: Session, *, person_id: int) -> Plan | None:
    return session.exec(select(Plan).where(Plan.person_id == person_id).order_by(Plan.period.desc())).first()


def plan_by_id(session: Session, plan_id: object, *, for_update: bool = False) -> Plan | None:
    """The plan with this id (from card data: anything), or None; `for_update` locks it on PostgreSQL."""
    wanted = row_id(plan_id)  # an id no row can have (2**63, "x") finds nothing, as an unknown one
    if wanted is None:
        return None
    query = select(Plan).where(Plan.id == wanted)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def plans_of(session: Session, person_ids: Iterable[int], *, period: int) -> dict[int, Plan]:
    ids = list(person_ids)
    if not ids:
        return {}
    return {plan.person_id: plan for plan in
            session.exec(select(Plan).where(Plan.person_id.in_(ids), Plan.period == period))}


def snapshot(plan: Plan) -> dict[str, Any]:
    return {
        "state": plan.state,
        "period": plan.period,
        "assessment_id": plan.assessment_id,
        "priorities": [dict(p) for p in plan.priorities],
        "goals": plan.goals,
        "activities": plan.activities,
        "target_date": plan.target_date.isoformat() if plan.target_date else None,
    }


def create_plan(session: Session, *, person_id: int, period: int, assessment_id: int | None, now: datetime,
                priorities: Sequence[dict[str, Any]] = ()) -> Plan:
    plan = Plan(person_id=person_id, period=period, assessment_id=assessment_id, priorities=list(priorities),
                created_at=now, updated_at=now, state_changed_at=now)
    session.add(plan)
    session.flush()
    _version(session, plan, change="created", actor_person_id=person_id, now=now)
    audit.record(session, actor_person_id=person_id, action="plan.created", subject_type=SUBJECT,
                 subject_id=plan.id, details={"period": period, "version": plan.version})
    return plan


def _version(session: Session, plan: Plan, *, change: str, actor_person_id: int | None, now: datetime) -> None:
    session.add(PlanVersion(plan_id=plan.id, version=plan.version, state=plan.state, change=change,
                            changed_by_person_id=actor_person_id, at=now,
                            snapshot={**snapshot(plan), "linked_activities": linked_activities(session, plan.id)}))
    session.flush()


def linked_activities(session: Session, plan_id: int | None) -> list[dict[str, Any]]:
    """The catalogue activities linked to the plan as they are now, for its version snapshot: what the
    manager signed off and the history and the export show (the catalogue entry may change later)."""
    from store.models.activity import Activity, PlanActivity

    if plan_id is None:
        return []
    rows = session.exec(select(PlanActivity, Activity).join(Activity, Activity.id == PlanActivity.activity_id)
                        .where(PlanActivity.plan_id == plan_id).order_by(PlanActivity.id))
    return [{"activity_id": activity.id, "key": activity.key, "title_sv": activity.title_sv,
             "title_en": activity.title_en, "format": activity.format, "competence": link.competence,
             "hours": activity.hours, "self_paced": activity.self_paced,
             "starts_at": aware(activity.starts_at).isoformat() if activity.starts_at else None,
             "place": activity.place, "status": activity.status} for link, activity in rows]


def record_linked_activities(session: Session, plan: Plan, *, actor_person_id: int, now: datetime, change: str
                             ) -> Plan:
    """A catalogue activity was added to or removed from the plan (by the employee in a draft, or the manager
    in the review): a new version whose snapshot lists the linked activities, audited."""
    _write(session, plan, expected_version=plan.version, values={}, change=change, actor_person_id=actor_person_id,
           now=now)
    audit.record(session, actor_person_id=actor_person_id, action=f"plan.{change}", subject_type=SUBJECT,
                 subject_id=plan.id, details={"version": plan.version})
    return plan


def _write(session: Session, plan: Plan, *, expected_version: int, values: dict[str, Any], change: str,
           actor_person_id: int, now: datetime) -> Plan:
    """One guarded UPDATE to version + 1; PlanChangedConcurrently if the plan moved on since it was read."""
    if plan.version != expected_version:
        raise PlanChangedConcurrently(f"plan {plan.id} is at version {plan.version}, not {expected_version}")
    values = {**values, "version": expected_version + 1, "updated_at": now}
    result = session.execute(
        update(Plan).where(Plan.id == plan.id, Plan.version == expected_version).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise PlanChangedConcurrently(f"plan {plan.id} changed concurrently after version {expected_version}")
    for key, value in values.items():
        set_committed_value(plan, key, value)
    _version(session, plan, change=change, actor_person_id=actor_person_id, now=now)
    return plan


def edit_plan(session: Session, plan: Plan, *, expected_version: int, actor_person_id: int, now: datetime,
              priorities: Sequence[dict[str, Any]] | None = None, goals: str | None = None,
              activities: str | None = None, target_date: date | None | str = "keep",
              assessment_id: int | None = None, change: str = "edited") -> Plan:
    """The employee's edit of their own plan (only as a draft or after changes were asked for)."""
    if plan.person_id != actor_person_id:
        raise PlanNotEditable(f"person {actor_person_id} cannot edit plan {plan.id} of person {plan.person_id}")
    if plan.state not in EMPLOYEE_EDITS:
        raise PlanNotEditable(f"plan {plan.id} is {plan.state}; the employee edits only drafts")
    values = _changes(plan, priorities=priorities, goals=goals, activities=activities, target_date=target_date)
    if assessment_id is not None and assessment_id != plan.assessment_id:
        values["assessment_id"] = assessment_id  # re-drafted from a newer assessment
    if not values:
        return plan  # saved without a change: no new version
    return _write(session, plan, expected_version=expected_version, values=values,
                  change=change, actor_person_id=actor_person_id, now=now)


def review_edit(session: Session, plan: Plan, *, expected_version: int, reviewer_person_id: int, now: datetime,
                priorities: Sequence[dict[str, Any]] | None = None, activities: str | None = None) -> Plan:
    """The manager's changes in the dialogue: agreed levels and targets per priority, activities.

    Authorisation is the caller's (dialogs.review); the state must be awaiting review.
    """
    if plan.state not in (PlanState.SENT, PlanState.RESENT):
        raise PlanNotEditable(f"plan {plan.id} is {plan.state}; it is reviewed only while it waits")
    values = _changes(plan, priorities=priorities, activities=activities)
    if not values:
        return plan
    _write(session, plan, expected_version=expected_version, values=values, change="reviewed",
           actor_person_id=reviewer_person_id, now=now)
    audit.record(session, actor_person_id=reviewer_person_id, action="plan.reviewed", subject_type=SUBJECT,
                 subject_id=plan.id, details={"version": plan.version, "changed": sorted(values)})
    return plan


def _changes(plan: Plan, *, priorities=None, goals=None, activities=None, target_date: Any = "keep"
             ) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if priorities is not None and list(priorities) != list(plan.priorities):
        values["priorities"] = [dict(p) for p in priorities]
    if goals is not None and goals != plan.goals:
        values["goals"] = goals
    if activities is not None and activities != plan.activities:
        values["activities"] = activities
    if target_date != "keep" and target_date != plan.target_date:
        values["target_date"] = target_date
    return values


def change_state(session: Session, plan: Plan, *, to: str, expected_version: int, actor_person_id: int,
                 now: datetime, details: dict[str, Any] | None = None, step: str | None = None,
                 **values: Any) -> Plan:
    """Moves the plan to state `to` (validated against the transition table), versioned and audited.

    `step` names the change in the version history and the audit trail when the target state alone would
    not say what happened (a withdrawal returns the plan to draft); by default it is the target state.
    """
    source = plan.state
    step = step or to
    check_transition(source, to)
    _write(session, plan, expected_version=expected_version,
           values={"state": to, "state_changed_at": now, **values}, change=step, actor_person_id=actor_person_id,
           now=now)
    audit.record(session, actor_person_id=actor_person_id, action=f"plan.{step}", subject_type=SUBJECT,
                 subject_id=plan.id, details={"from": source, "to": to, "version": plan.version, **(details or {})})
    return plan


def withdraw_plan(session: Session, plan: Plan, *, expected_version: int, actor_person_id: int, now: datetime,
                  details: dict[str, Any] | None = None) -> Plan:
    """The employee takes back a plan the manager has not decided on; audited as `plan.withdrawn` (who, when).

    The new version makes every review card of the plan out of date, so the manager cannot act on it.
    """
    if plan.person_id != actor_person_id:
        raise PlanNotEditable(f"person {actor_person_id} cannot withdraw plan {plan.id} of person {plan.person_id}")
    target = state_after_withdrawing(plan.state)
    # Back to draft the plan reads as never sent; the sending stays in the version history and the audit trail.
    values = {"sent_at": None} if target == PlanState.DRAFT else {}
    return change_state(session, plan, to=target, expected_version=expected_version, actor_person_id=actor_person_id,
                        now=now, details=details, step="withdrawn", **values)


def add_comment(session: Session, plan: Plan, *, author_person_id: int, kind: str, text: str,
                now: datetime) -> PlanComment:
    comment = PlanComment(plan_id=plan.id, version=plan.version, author_person_id=author_person_id, kind=kind,
                          text=text, at=now)
    session.add(comment)
    session.flush()
    return comment


def latest_comment(session: Session, plan: Plan, *, kind: str | None = None) -> PlanComment | None:
    query = select(PlanComment).where(PlanComment.plan_id == plan.id)
    if kind:
        query = query.where(PlanComment.kind == kind)
    return session.exec(query.order_by(PlanComment.id.desc())).first()


def sending_count(session: Session, plan: Plan) -> int:
    """How often the employee has sent the plan (first sending and every sending again): the versions a
    person would count, unlike `plan.version`, which grows with every saved change."""
    return session.exec(select(func.count()).select_from(PlanVersion).where(
        PlanVersion.plan_id == plan.id, PlanVersion.change.in_([PlanState.SENT, PlanState.RESENT]))).one()


def sending_counts(session: Session, *, plan_ids: Iterable[int]) -> dict[int, int]:
    """`sending_count` of many plans in one query."""
    ids = sorted(set(plan_ids))
    if not ids:
        return {}
    counts = dict(session.exec(
        select(PlanVersion.plan_id, func.count()).where(PlanVersion.plan_id.in_(ids),
                                                        PlanVersion.change.in_([PlanState.SENT, PlanState.RESENT]))
        .group_by(PlanVersion.plan_id)).all())
    return {plan_id: counts.get(plan_id, 0) for plan_id in ids}


def latest_comments(session: Session, *, plan_ids: Iterable[int], kind: str) -> dict[int, PlanComment]:
    """`latest_comment` of this kind for many plans in one query (plans without one are left out)."""
    ids = sorted(set(plan_ids))
    latest: dict[int, PlanComment] = {}
    if ids:
        for comment in session.exec(select(PlanComment).where(PlanComment.plan_id.in_(ids), PlanComment.kind == kind)
                                    .order_by(PlanComment.plan_id, PlanComment.id.desc())):
            latest.setdefault(comment.plan_id, comment)
    return latest


def latest_plans(session: Session, *, person_ids: Iterable[int]) -> dict[int, Plan]:
    """`latest_plan` of many people in one query (a plan per period, so a few rows each)."""
    ids = sorted(set(person_ids))
    latest: dict[int, Plan] = {}
    if ids:
        for plan in session.exec(select(Plan).where(Plan.person_id.in_(ids))
                                 .order_by(Plan.person_id, Plan.period.desc())):
            latest.setdefault(plan.person_id, plan)
    return latest


def versions_of(session: Session, plan: Plan) -> list[PlanVersion]:
    return list(session.exec(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                             .order_by(PlanVersion.version)))


# ---- for the reminder jobs --------------------------------------------------------------------------------

def plans_in_states(session: Session, states: Iterable[str], *, changed_before: datetime) -> list[Plan]:
    return list(session.exec(select(Plan).where(Plan.state.in_(list(states)), Plan.state_changed_at <= changed_before)
                             .order_by(Plan.id)))


def count_review_reminder(session: Session, plan: Plan, *, now: datetime) -> None:
    """Counts a reminder without a new version: reminders change nothing the two people signed."""
    session.execute(update(Plan).where(Plan.id == plan.id)
                    .values(review_reminders=Plan.review_reminders + 1, last_review_reminder_at=now)
                    .execution_options(synchronize_session=False))
    set_committed_value(plan, "review_reminders", plan.review_reminders + 1)
    set_committed_value(plan, "last_review_reminder_at", now)


def count_draft_reminder(session: Session, plan: Plan, *, now: datetime) -> None:
    session.execute(update(Plan).where(Plan.id == plan.id)
                    .values(draft_reminders=Plan.draft_reminders + 1, last_draft_reminder_at=now)
                    .execution_options(synchronize_session=False))
    set_committed_value(plan, "draft_reminders", plan.draft_reminders + 1)
    set_committed_value(plan, "last_draft_reminder_at", now)


@dataclass(frozen=True)
class PlanTimes:
    state_changed_at: datetime
    last_review_reminder_at: datetime | None
    last_draft_reminder_at: datetime | None


def times_of(plan: Plan) -> PlanTimes:
    """SQLite hands back naive datetimes; these are UTC."""
    return PlanTimes(aware(plan.state_changed_at),
                     aware(plan.last_review_reminder_at) if plan.last_review_reminder_at else None,
                     aware(plan.last_draft_reminder_at) if plan.last_draft_reminder_at else None)
