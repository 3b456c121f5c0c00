"""The manager's review of a plan and "mina medarbetare".

Every action is authorised on the server from the sender's own directory entry: only the employee's
active manager, or a stand-in an admin assigned, may review; nobody reviews their own plan, whatever the
card data says. Approving twice is answered, not repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from cards.i18n import t
from cards.plan import (
    ACTIVITIES_ID, PlanView, PriorityView, changes_requested_notice_card, not_in_directory_card,
)
from cards.review import (
    COMMENT_ID, TeamMemberView, agreed_input_id, not_a_manager_card, review_card, review_outcome_card,
    target_input_id, team_card,
)
from dialogs.config import DialogConfig
from dialogs.errors import MalformedAction, UserFacingError
from dialogs.notify import arrival_text, notify
from dialogs.plan import (
    check_version, contacts, notify_employee_approved, titles, notify_reviewers, offering_current_version,
    period_of, plan_view,
)
from dialogs.rules.plan_rules import AWAITING_REVIEW, SIGNED_BY_MANAGER, parse_level
from dialogs.turn import Reply, Turn
from store import directory, plans
from store.directory_import import ImportReport
from store.models.core import Person
from store.models.directory import DirectoryEntry, Organisation
from store.models.plan import Plan, PlanState
from store.team import assessment_states

log = logging.getLogger(__name__)
TEXT_MAX = 2000


@dataclass(frozen=True)
class Review:
    plan: Plan
    employee: DirectoryEntry
    as_stand_in: bool


def _authorised(turn: Turn, *, for_update: bool = True) -> Review:
    """The plan the card names, if the sender may review it; refuses with a specific reason otherwise."""
    plan = plans.plan_by_id(turn.session, turn.data.get("plan_id"), for_update=for_update)
    if plan is None:
        raise UserFacingError("plan_not_found", f"no plan {turn.data.get('plan_id')!r}")
    if plan.person_id == turn.person.id:
        raise UserFacingError("own_plan", f"person {turn.person.id} tried to review their own plan {plan.id}")
    reviewer = directory.entry_for_person(turn.session, turn.person)
    employee = directory.entry_for_person_id(turn.session, plan.person_id)
    right = directory.review_right(turn.session, reviewer=reviewer, employee=employee, now=turn.now)
    if not right.allowed:
        raise UserFacingError("not_reviewer", f"person {turn.person.id} may not review plan {plan.id}: "
                                              f"{right.reason}")
    assert employee is not None
    return Review(plan, employee, right.as_stand_in)


def _card(turn: Turn, review: Review, *, view: PlanView | None = None, notice: str | None = None,
          notice_color: str = "Warning") -> dict:
    return review_card(turn.lang, view=view or plan_view(turn.session, review.plan, turn.config),
                       titles=titles(turn.lang), employee_email=review.employee.email, notice=notice,
                       notice_color=notice_color, as_stand_in=review.as_stand_in)


def _current_review_card(turn: Turn, plan: Plan) -> dict:
    review = _authorised(turn, for_update=False)
    return _card(turn, review, notice=t(turn.lang, "review.stale", version=plan.version))


def _edited_priorities(plan: Plan, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The priorities with the agreed level and target the manager set on the card (missing: unchanged)."""
    edited = []
    for priority in plan.priorities:
        key = priority["competence"]
        updated = dict(priority)
        try:
            if agreed_input_id(key) in data:
                updated["agreed_level"] = parse_level(data.get(agreed_input_id(key)))
            if target_input_id(key) in data:
                updated["target"] = parse_level(data.get(target_input_id(key)))
        except ValueError as error:
            raise MalformedAction(f"plan {plan.id}, competence {key}: {error}") from error
        edited.append(updated)
    return edited


def _activities(plan: Plan, data: Mapping[str, Any]) -> str:
    if ACTIVITIES_ID not in data:
        return plan.activities
    return str(data.get(ACTIVITIES_ID) or "").strip()[:TEXT_MAX]


def _apply_review_inputs(turn: Turn, review: Review, version: int) -> int:
    """Saves the agreed levels, targets and activities from the card; returns the plan's version after."""
    plans.review_edit(turn.session, review.plan, expected_version=version, reviewer_person_id=turn.person.id,
                      now=turn.now, priorities=_edited_priorities(review.plan, turn.data),
                      activities=_activities(review.plan, turn.data))
    return review.plan.version


# The review verbs check the card's version before the state: a card from before the employee withdrew the
# plan (or before anything else changed it) answers "the plan has changed" with the current version.
def _not_awaiting(turn: Turn, review: Review) -> Reply:
    return Reply.of(_card(turn, review, notice=t(turn.lang, "review.not_awaiting")))


def open_review(turn: Turn) -> Reply:
    """The current version of a report's plan, from a notification, a reminder or "mina medarbetare"."""
    review = _authorised(turn, for_update=False)
    # Issue 13: the plan's catalogue activities, which the manager may remove while reviewing (dialogs.activities).
    from dialogs.activities import plan_sections, with_sections

    return Reply.of(with_sections(_card(turn, review), plan_sections(
        turn.session, review.plan, viewer=turn.person, now=turn.now, lang=turn.lang, config=turn.config,
        removable=review.plan.state in (PlanState.SENT, PlanState.RESENT))))


@offering_current_version(_current_review_card)
def save_review(turn: Turn) -> Reply:
    review = _authorised(turn)
    version = check_version(review.plan, turn.data)
    if review.plan.state not in AWAITING_REVIEW:
        return _not_awaiting(turn, review)
    _apply_review_inputs(turn, review, version)
    comment = str(turn.data.get(COMMENT_ID) or "").strip()[:TEXT_MAX]
    if comment:
        plans.add_comment(turn.session, review.plan, author_person_id=turn.person.id, kind="comment", text=comment,
                          now=turn.now)
    return Reply.of(_card(turn, review, notice=t(turn.lang, "review.saved"), notice_color="Good"))


@offering_current_version(_current_review_card)
def approve(turn: Turn) -> Reply:
    """The manager's sign-off: saves what the card says, approves, and tells the employee."""
    review = _authorised(turn)
    plan = review.plan
    view_after = lambda: plan_view(turn.session, plan, turn.config)  # noqa: E731
    if plan.state in SIGNED_BY_MANAGER:
        log.info("plan %s approved again by person %s: nothing to do", plan.id, turn.person.id)
        return Reply.of(review_outcome_card(turn.lang, view=view_after(), titles=titles(turn.lang),
                                            outcome="approved", already=True))
    version = check_version(plan, turn.data)
    if plan.state not in AWAITING_REVIEW:
        return _not_awaiting(turn, review)
    version = _apply_review_inputs(turn, review, version)
    comment = str(turn.data.get(COMMENT_ID) or "").strip()[:TEXT_MAX]
    if comment:
        plans.add_comment(turn.session, plan, author_person_id=turn.person.id, kind="comment", text=comment,
                          now=turn.now)
    plans.change_state(turn.session, plan, to=PlanState.APPROVED, expected_version=version,
                       actor_person_id=turn.person.id, now=turn.now, approved_at=turn.now,
                       approved_by_person_id=turn.person.id,
                       details={"as_stand_in": review.as_stand_in, "reviewer": review.employee.manager_entry_id})
    at = notify_employee_approved(turn.session, plan, now=turn.now, config=turn.config)
    log.info("plan %s approved by person %s", plan.id, turn.person.id)
    return Reply.of(review_outcome_card(turn.lang, view=view_after(), titles=titles(turn.lang), outcome="approved",
                                        told=_told(turn, at)))


def _told(turn: Turn, at: datetime | None) -> str | None:
    """When the employee hears of the manager's decision, in words; None when no notice was enqueued."""
    return arrival_text(turn.lang, at, now=turn.now, config=turn.config) if at is not None else None


@offering_current_version(_current_review_card)
def request_changes(turn: Turn) -> Reply:
    """Sends the plan back with the manager's comment, which the employee receives."""
    review = _authorised(turn)
    plan = review.plan
    version = check_version(plan, turn.data)
    if plan.state not in AWAITING_REVIEW:
        return _not_awaiting(turn, review)
    comment = str(turn.data.get(COMMENT_ID) or "").strip()[:TEXT_MAX]
    if not comment:
        # Show what the manager set on the card, unsaved, and ask for the comment.
        edited = [PriorityView(p["competence"], p.get("level"), p.get("target"), p.get("agreed_level"))
                  for p in _edited_priorities(plan, turn.data)]
        view = replace(plan_view(turn.session, plan, turn.config), activities=_activities(plan, turn.data),
                       priorities=edited)
        return Reply.of(_card(turn, review, view=view, notice=t(turn.lang, "review.comment_required")))
    version = _apply_review_inputs(turn, review, version)
    plans.change_state(turn.session, plan, to=PlanState.CHANGES_REQUESTED, expected_version=version,
                       actor_person_id=turn.person.id, now=turn.now, details={"as_stand_in": review.as_stand_in})
    plans.add_comment(turn.session, plan, author_person_id=turn.person.id, kind="changes_requested", text=comment,
                      now=turn.now)
    employee = turn.session.get(Person, plan.person_id)
    view = plan_view(turn.session, plan, turn.config)
    at = notify(turn.session, recipient=employee, campaign=f"plan-changes:{plan.id}:v{plan.version}",
                card=lambda lang: changes_requested_notice_card(lang, view=view, comment=comment), now=turn.now,
                config=turn.config)
    return Reply.of(review_outcome_card(turn.lang, view=view, titles=titles(turn.lang), outcome="changes_requested",
                                        told=_told(turn, at)))


# ---- "mina medarbetare" ------------------------------------------------------------------------------------

def show_team(turn: Turn) -> Reply:
    entry = directory.entry_for_person(turn.session, turn.person)
    if entry is None:
        return Reply.of(not_in_directory_card(turn.lang, contacts=contacts(turn), feature="team"))
    if not directory.is_manager(turn.session, entry, now=turn.now):
        return Reply.of(not_a_manager_card(turn.lang))
    reports = directory.reports_of(turn.session, entry, now=turn.now)
    period = period_of(turn.now, turn.config)
    person_ids = [r.person_id for r in reports if r.person_id is not None]
    plans_by_person = plans.plans_of(turn.session, person_ids, period=period)
    assessments = assessment_states(turn.session, person_ids, now=turn.now)
    units = directory.unit_names(turn.session, reports)
    members = []
    for report in reports:
        plan = plans_by_person.get(report.person_id) if report.person_id else None
        state = assessments.get(report.person_id) if report.person_id else None
        members.append(TeamMemberView(
            name=report.name, unit=units.get(report.unit_id) if report.unit_id else None,
            assessment=state.status if state else "none",
            assessed_on=state.finished_at.astimezone(turn.config.tz).date() if state and state.finished_at else None,
            plan_state=plan.state if plan else None, plan_id=plan.id if plan else None,
            plan_version=plan.version if plan else None, uses_bot=report.person_id is not None))
    try:
        page = max(0, int(turn.data.get("page") or 0))
    except (TypeError, ValueError):
        page = 0
    return Reply.of(team_card(turn.lang, members=members, period=period, page=page))


# ---- after a directory import ------------------------------------------------------------------------------

def notify_new_managers(session: Session, report: ImportReport, *, now: datetime, config: DialogConfig) -> int:
    """People whose manager changed in an import and whose plan waits for review: the new manager is told."""
    if report.dry_run or not report.manager_changes:
        return 0
    organisation = directory.organisation_by_key(session, report.organisation)
    assert isinstance(organisation, Organisation)
    period = period_of(now, config)
    enqueued = 0
    for email, _old, _new in report.manager_changes:
        employee = directory.entry_by_email(session, organisation, email)
        if employee is None or employee.person_id is None:
            continue
        plan = plans.plan_for(session, person_id=employee.person_id, period=period)
        if plan is None or plan.state not in AWAITING_REVIEW:
            continue
        person = session.get(Person, employee.person_id)
        reviewers = directory.reviewers_of(session, employee, now=now)
        enqueued += notify_reviewers(session, plan, reviewers, employee=employee, now=now, config=config,
                                     tenant_id=person.tenant_id if person else "", notice_key="review.new_reviewer")
    return enqueued
