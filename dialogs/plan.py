"""The employee's development plan ("min plan"): drafted from the latest finished self-assessment, edited,
sent to the manager (who is told through the outbox), withdrawn again while the manager has not decided,
and finally confirmed after the manager approved it (the manager is told of both).

Every action names the plan and the version its card showed; an older version gets the current plan back
with a note (PlanChanged) instead of a change made on top of something the person did not see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any, Protocol

from sqlmodel import Session

from cards.digcomp_titles import DigCompTitles
from cards.i18n import Lang, t
from cards.plan import (
    ACTIVITIES_ID, GOALS_ID, PRIORITY_SLOTS, TARGET_DATE_ID, CandidateView, ContactView, PlanView, PriorityView,
    approved_notice_card, no_assessment_card, no_manager_card, not_in_directory_card, plan_card, plan_edit_card,
    priority_input_id,
)
from cards.review import acknowledged_notice_card, first_name, review_card, withdrawn_notice_card
from dialogs.config import DialogConfig
from dialogs.errors import NotPermitted, StaleCard, UserFacingError
from dialogs.digcomp_titles import digcomp_titles
from dialogs.notify import arrival_text, notify, recipient_lang
from dialogs.profile import agreed_in, confirmed_competences, unconfirmed
from dialogs.rules.plan_rules import (
    EMPLOYEE_EDITS, MIN_PRIORITIES, SIGNED_BY_MANAGER, WITHDRAWABLE, Candidate, check_priorities,
    priority_candidates, sending_problems, state_after_sending,
)
from dialogs.rules.scoring import summarise_assessment
from dialogs.turn import Reply, Turn
from store import directory, plans
from store.assessments import latest_finished_assessments
from store.digcomp import Framework, load_framework
from store.models.core import Person
from store.models.directory import DirectoryEntry
from store.models.plan import Plan, PlanState
from store.team import assessment_summaries, assessment_summary

log = logging.getLogger(__name__)
FRAMEWORK_VERSION = "2.2"
TEXT_MAX = 2000


# ---- the person's levels and gaps --------------------------------------------------------------------------

class GapLike(Protocol):
    competence: str
    level: int
    target: int


@dataclass(frozen=True)
class PersonProfile:
    """What a plan is drafted from: the latest finished assessment's levels and the gaps to the targets."""

    assessment_id: int
    finished_at: datetime
    levels: Mapping[str, int | None]
    gaps: Sequence[GapLike]


class ProfileSource(Protocol):
    def __call__(self, session: Session, person_id: int) -> PersonProfile | None: ...


def assessed_profile(session: Session, person_id: int) -> PersonProfile | None:
    """The profile from the self-assessment store (issue 3): latest finished assessment, gaps to targets."""
    from dialogs.profile import profile_gaps
    from store.assessments import latest_finished_assessment

    latest = latest_finished_assessment(session, person_id=person_id)
    if latest is None:
        return None
    return PersonProfile(latest.id, latest.finished_at, latest.levels, profile_gaps(session, person_id=person_id))


profile_of: ProfileSource = assessed_profile


# ---- views -------------------------------------------------------------------------------------------------

def framework() -> Framework:
    return load_framework(FRAMEWORK_VERSION)


def titles(lang: Lang) -> DigCompTitles:
    """The DigComp titles the plan and review cards show, in the reader's language."""
    return digcomp_titles(FRAMEWORK_VERSION, lang)


def period_of(now: datetime, config: DialogConfig) -> int:
    return now.astimezone(config.tz).year


def _local_date(moment: datetime | None, config: DialogConfig) -> date | None:
    from store.people import aware

    return aware(moment).astimezone(config.tz).date() if moment else None


def _name(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    entry = directory.entry_for_person_id(session, person_id)
    if entry is not None:
        return entry.name
    person = session.get(Person, person_id)
    return person.name if person else None


@dataclass(frozen=True)
class _PlanFacts:
    """What a plan's view is made of besides the plan: read per plan (plan_view) or per batch (plan_views)."""

    owner_name: str | None
    manager_name: str | None
    approved_by: str | None
    comment: str | None
    assessment: tuple[datetime | None, Mapping[str, int | None], str | None]  # finished, levels, framework
    times_sent: int
    latest: PersonProfile | None
    confirmed: frozenset[str]  # competences agreed in the person's latest signed plan


def plan_view(session: Session, plan: Plan, config: DialogConfig) -> PlanView:
    """Everything the plan and review cards show, read from the store."""
    owner_entry = directory.entry_for_person_id(session, plan.person_id)
    manager_name = None
    if owner_entry is not None and owner_entry.manager_entry_id is not None:
        manager = session.get(DirectoryEntry, owner_entry.manager_entry_id)
        manager_name = manager.name if manager else None
    comment = None
    if plan.state == PlanState.CHANGES_REQUESTED:
        latest = plans.latest_comment(session, plan, kind="changes_requested")
        comment = latest.text if latest else None
    return _view(plan, config, _PlanFacts(
        owner_name=_name(session, plan.person_id), manager_name=manager_name,
        approved_by=_name(session, plan.approved_by_person_id), comment=comment,
        assessment=assessment_summary(session, plan.assessment_id), times_sent=plans.sending_count(session, plan),
        latest=profile_of(session, plan.person_id), confirmed=confirmed_competences(session, person_id=plan.person_id)))


def plan_views(session: Session, batch: Sequence[Plan], config: DialogConfig) -> dict[int, PlanView]:
    """`plan_view` of many plans (by plan id) in about ten queries however many plans, for the reminder jobs."""
    if profile_of is not assessed_profile:  # another profile source: only it knows how to read profiles
        return {plan.id: plan_view(session, plan, config) for plan in batch}
    owner_ids = {plan.person_id for plan in batch}
    named = owner_ids | {plan.approved_by_person_id for plan in batch if plan.approved_by_person_id is not None}
    entries = directory.entries_for_person_ids(session, named)
    managers = directory.entries_by_id(session, [entries[i].manager_entry_id for i in owner_ids
                                                 if i in entries and entries[i].manager_entry_id is not None])
    people = directory.persons_by_id(session, named - set(entries))

    def name(person_id: int | None) -> str | None:
        if person_id is None:
            return None
        if person_id in entries:
            return entries[person_id].name
        return people[person_id].name if person_id in people else None

    comments = plans.latest_comments(session, plan_ids=[p.id for p in batch if p.state == PlanState.CHANGES_REQUESTED],
                                     kind="changes_requested")
    summaries = assessment_summaries(session, [p.assessment_id for p in batch if p.assessment_id is not None])
    times_sent = plans.sending_counts(session, plan_ids=[p.id for p in batch])
    latest = latest_finished_assessments(session, person_ids=owner_ids)
    latest_plans = plans.latest_plans(session, person_ids=owner_ids)
    views = {}
    for plan in batch:
        owner = entries.get(plan.person_id)
        manager = (managers.get(owner.manager_entry_id)
                   if owner is not None and owner.manager_entry_id is not None else None)
        result = latest.get(plan.person_id)
        comment = comments.get(plan.id)
        views[plan.id] = _view(plan, config, _PlanFacts(
            owner_name=name(plan.person_id), manager_name=manager.name if manager else None,
            approved_by=name(plan.approved_by_person_id), comment=comment.text if comment else None,
            assessment=summaries.get(plan.assessment_id, (None, {}, None)), times_sent=times_sent[plan.id],
            latest=PersonProfile(result.id, result.finished_at, result.levels, ()) if result else None,
            confirmed=agreed_in(latest_plans.get(plan.person_id))))
    return views


def _view(plan: Plan, config: DialogConfig, facts: _PlanFacts) -> PlanView:
    finished_at, levels, version = facts.assessment
    means = {}
    if levels:
        fw = load_framework(version or FRAMEWORK_VERSION)
        known = {c.key for c in fw.competences}
        means = {key: s.mean for key, s in summarise_assessment(
            {k: v for k, v in levels.items() if k in known}, fw).items()}
    newer_on, newer_levels = None, ()
    latest = facts.latest
    if latest is not None and plan.assessment_id is not None and latest.assessment_id != plan.assessment_id:
        newer_levels = tuple((p["competence"], p.get("level"), latest.levels.get(p["competence"]))
                             for p in plan.priorities if p.get("level") != latest.levels.get(p["competence"]))
        newer_on = _local_date(latest.finished_at, config) if newer_levels else None
    return PlanView(
        plan_id=plan.id, version=plan.version, state=plan.state, period=plan.period,
        owner_name=facts.owner_name or "",
        priorities=[PriorityView(p["competence"], p.get("level"), p.get("target"), p.get("agreed_level"))
                    for p in plan.priorities],
        goals=plan.goals, activities=plan.activities, target_date=plan.target_date, manager_name=facts.manager_name,
        sent_on=_local_date(plan.sent_at, config), approved_on=_local_date(plan.approved_at, config),
        approved_by=facts.approved_by, completed_on=_local_date(plan.completed_at, config),
        changes_comment=facts.comment, assessed_on=_local_date(finished_at, config), area_means=means,
        times_sent=facts.times_sent, changed_on=_local_date(plan.updated_at, config), newer_assessment_on=newer_on,
        newer_levels=newer_levels,
        to_confirm=unconfirmed({p["competence"]: p.get("level") for p in plan.priorities}, facts.confirmed),
    )


def contacts(turn: Turn) -> list[ContactView]:
    found = directory.contacts_for_tenant(turn.session, turn.person.tenant_id, fallback=turn.config.directory_contact)
    return [ContactView(c.name, c.email) for c in found]


# ---- stale cards -------------------------------------------------------------------------------------------

class PlanChanged(StaleCard):
    """The card shows an older version than the plan has now."""

    def __init__(self, plan: Plan, shown: object) -> None:
        super().__init__(f"card for plan {plan.id} version {shown!r}, plan is at {plan.version}", key="plan_changed")
        self.plan = plan


def check_version(plan: Plan, data: Mapping[str, Any]) -> int:
    """The version the card showed, if it is still the plan's current one; PlanChanged otherwise."""
    shown = data.get("version")
    try:
        version = int(shown)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PlanChanged(plan, shown) from None
    if version != plan.version:
        raise PlanChanged(plan, shown)
    return version


def offering_current_version(current_card: Callable[[Turn, Plan], dict]) -> Callable:
    """A handler whose card is out of date answers with the current version and a note, saving nothing.

    PlanChanged is raised before anything is written; a concurrent change detected while writing
    becomes a StaleCard, so the dispatcher rolls the turn back.
    """
    def decorate(handler: Callable[[Turn], Reply]) -> Callable[[Turn], Reply]:
        @wraps(handler)
        def run(turn: Turn) -> Reply:
            try:
                return handler(turn)
            except PlanChanged as changed:
                log.info("stale plan card: %s", changed)
                return Reply.of(current_card(turn, changed.plan))
            except plans.PlanChangedConcurrently as error:
                raise StaleCard(str(error), key="plan_changed") from error

        return run

    return decorate


def _own_plan_card(turn: Turn, plan: Plan) -> dict:
    return plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                     notice=t(turn.lang, "review.stale", version=plan.version), notice_color="Warning")


# ---- handlers ----------------------------------------------------------------------------------------------

def _own(turn: Turn, *, for_update: bool = True) -> Plan:
    """The plan a card names, which must be the sender's own."""
    plan = plans.plan_by_id(turn.session, turn.data.get("plan_id"), for_update=for_update)
    if plan is None:
        raise UserFacingError("plan_not_found", f"no plan {turn.data.get('plan_id')!r}")
    if plan.person_id != turn.person.id:
        raise NotPermitted(f"person {turn.person.id} acted on plan {plan.id} of person {plan.person_id}")
    return plan


def _draft_priorities(profile: PersonProfile) -> list[dict[str, Any]]:
    candidates = _candidates(profile)
    return [_priority(c) for c in candidates[:MIN_PRIORITIES] if c.has_gap]


def _candidates(profile: PersonProfile) -> list[Candidate]:
    order = [c.key for c in framework().competences]
    return priority_candidates(profile.levels, profile.gaps, order)


def _priority(candidate: Candidate) -> dict[str, Any]:
    return {"competence": candidate.competence, "level": candidate.level, "target": candidate.target,
            "agreed_level": None}


def show_plan(turn: Turn) -> Reply:
    """'min plan': this year's plan; the first time, a draft from the latest finished assessment."""
    period = period_of(turn.now, turn.config)
    plan = plans.plan_for(turn.session, person_id=turn.person.id, period=period)
    if plan is None:
        profile = profile_of(turn.session, turn.person.id)
        if profile is None:
            return Reply.of(no_assessment_card(turn.lang))
        plan = plans.create_plan(turn.session, person_id=turn.person.id, period=period,
                                 assessment_id=profile.assessment_id, now=turn.now,
                                 priorities=_draft_priorities(profile))
        log.info("person %s drafted plan %s for %s", turn.person.id, plan.id, period)
    card = plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang))
    # Issue 13: chosen catalogue activities, proposals per priority (drafts), completed hours (dialogs.activities).
    from dialogs.activities import plan_sections, with_sections

    return Reply.of(with_sections(card, plan_sections(turn.session, plan, viewer=turn.person, now=turn.now,
                                                      lang=turn.lang, config=turn.config,
                                                      removable=plan.state in EMPLOYEE_EDITS)))


def _edit_card(turn: Turn, plan: Plan, *, problems: Sequence[str] = (), view: PlanView | None = None) -> dict:
    profile = profile_of(turn.session, turn.person.id)
    candidates = _candidates(profile) if profile else []
    # Priorities already in the plan stay choosable even if a newer assessment closed their gap.
    known = {c.competence for c in candidates}
    extra = [CandidateView(p["competence"], p.get("level") or 0, p.get("target"), True)
             for p in plan.priorities if p["competence"] not in known]
    return plan_edit_card(turn.lang, view=view or plan_view(turn.session, plan, turn.config),
                          titles=titles(turn.lang),
                          candidates=[CandidateView(c.competence, c.level, c.target, c.has_gap)
                                      for c in candidates] + extra,
                          problems=problems)


@offering_current_version(_own_plan_card)
def edit_plan(turn: Turn) -> Reply:
    plan = _own(turn, for_update=False)
    if plan.state not in EMPLOYEE_EDITS:
        raise UserFacingError("plan_not_editable", f"plan {plan.id} is {plan.state}")
    check_version(plan, turn.data)
    return Reply.of(_edit_card(turn, plan))


def _parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value)[:10])


@offering_current_version(_own_plan_card)
def save_plan(turn: Turn) -> Reply:
    plan = _own(turn)
    if plan.state not in EMPLOYEE_EDITS:
        raise UserFacingError("plan_not_editable", f"plan {plan.id} is {plan.state}")
    version = check_version(plan, turn.data)
    profile = profile_of(turn.session, turn.person.id)
    candidates = _candidates(profile) if profile else []
    previous = {p["competence"]: p for p in plan.priorities}
    candidates += [Candidate(key, p.get("level") or 0, p.get("target"), True) for key, p in previous.items()
                   if key not in {c.competence for c in candidates}]
    chosen, problems = check_priorities([turn.data.get(priority_input_id(slot)) for slot in
                                         range(1, PRIORITY_SLOTS + 1)], candidates)
    try:
        target_date = _parse_date(turn.data.get(TARGET_DATE_ID))
    except ValueError:
        target_date, problems = None, [*problems, "plan.problem.bad_date"]
    goals = str(turn.data.get(GOALS_ID) or "").strip()[:TEXT_MAX]
    activities = str(turn.data.get(ACTIVITIES_ID) or "").strip()[:TEXT_MAX]
    if problems:
        return Reply.of(_edit_card(turn, plan, problems=problems))
    by_key = {c.competence: c for c in candidates}
    priorities = [{**_priority(by_key[key]), "agreed_level": previous.get(key, {}).get("agreed_level")}
                  for key in chosen]
    plans.edit_plan(turn.session, plan, expected_version=version, actor_person_id=turn.person.id, now=turn.now,
                    priorities=priorities, goals=goals, activities=activities, target_date=target_date,
                    assessment_id=profile.assessment_id if profile else None)
    return Reply.of(plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                              notice=t(turn.lang, "plan.saved_notice")))


@offering_current_version(_own_plan_card)
def submit_plan(turn: Turn) -> Reply:
    """Sends the plan to the manager: the state changes and the manager's review card goes to the outbox."""
    plan = _own(turn)
    if plan.state not in EMPLOYEE_EDITS:
        raise UserFacingError("plan_not_editable", f"plan {plan.id} is {plan.state}")
    version = check_version(plan, turn.data)
    if len(plan.priorities) < MIN_PRIORITIES:
        return Reply.of(_edit_card(turn, plan, problems=["plan.problem.too_few"]))
    if problems := sending_problems(goals=plan.goals, activities=plan.activities):
        log.info("person %s tried to send plan %s with nothing written", turn.person.id, plan.id)
        return Reply.of(plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                                  notice=t(turn.lang, problems[0]), notice_color="Attention"))
    entry = directory.entry_for_person(turn.session, turn.person)
    if entry is None:
        return Reply.of(not_in_directory_card(turn.lang, contacts=contacts(turn)))
    reviewers = directory.reviewers_of(turn.session, entry, now=turn.now)
    if not reviewers:
        return Reply.of(no_manager_card(turn.lang, contacts=contacts(turn)))
    plans.change_state(turn.session, plan, to=state_after_sending(plan.state), expected_version=version,
                       actor_person_id=turn.person.id, now=turn.now, sent_at=turn.now,
                       details={"reviewers": [r.email for r in reviewers]})
    reached = notify_reviewers(turn.session, plan, reviewers, employee=entry, now=turn.now, config=turn.config,
                               tenant_id=turn.person.tenant_id)
    manager = reviewers[0].name
    notice = t(turn.lang, "plan.sent_notice" if reached else "plan.sent_not_reachable", manager=manager,
               first=first_name(manager))
    at = turn.config.next_sending_moment(turn.now)
    if reached and at > turn.now:  # quiet hours hold the manager's card: say when it arrives
        notice += " " + t(turn.lang, "plan.sent_when", manager=first_name(manager),
                          when=arrival_text(turn.lang, at, now=turn.now, config=turn.config))
    return Reply.of(plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                              notice=notice))


def reachable_reviewers(session: Session, plan: Plan, reviewers: Sequence[DirectoryEntry], *, tenant_id: str
                        ) -> list[tuple[DirectoryEntry, Person]]:
    """The reviewers the bot can write to, each with their person; the others are logged and left out."""
    reachable = []
    for reviewer in reviewers:
        person = directory.person_for_entry(session, reviewer, tenant_id=tenant_id)
        if person is None:
            log.info("reviewer entry %s of plan %s cannot be reached yet (never wrote, no AAD object id)",
                     reviewer.id, plan.id)
            continue
        reachable.append((reviewer, person))
    return reachable


def notify_reviewers(session: Session, plan: Plan, reviewers: Sequence[DirectoryEntry], *, employee: DirectoryEntry,
                     now: datetime, config: DialogConfig, tenant_id: str, notice_key: str | None = None,
                     campaign: str | None = None, notice_params: Mapping[str, Any] | None = None) -> int:
    """Enqueues the review card for each reviewer who can be reached; returns how many were enqueued."""
    enqueued = 0
    view = plan_view(session, plan, config)
    for reviewer, person in reachable_reviewers(session, plan, reviewers, tenant_id=tenant_id):
        as_stand_in = reviewer.id != employee.manager_entry_id

        def build(lang: Lang, as_stand_in: bool = as_stand_in, person: Person = person) -> dict:
            card = _review_notice_card(lang, view=view, employee=employee, as_stand_in=as_stand_in,
                                       notice_key=notice_key, notice_params=notice_params)
            # Issue 13: the catalogue activities linked to the plan, which the manager signs off with it, and
            # proposals for its priorities that she may add (dialogs.activities), as on "Visa planen".
            from dialogs.activities import plan_sections, with_sections

            return with_sections(card, plan_sections(session, plan, viewer=person, now=now, lang=lang, config=config,
                                                     removable=plan.state in (PlanState.SENT, PlanState.RESENT)))

        if notify(session, recipient=person, campaign=campaign or f"plan-review:{plan.id}:v{plan.version}",
                  card=build, now=now, config=config):
            enqueued += 1
    return enqueued


def _review_notice_card(lang: Lang, *, view: PlanView, employee: DirectoryEntry, as_stand_in: bool,
                        notice_key: str | None, notice_params: Mapping[str, Any] | None) -> dict:
    notice = t(lang, notice_key, name=view.owner_name, **(notice_params or {})) if notice_key else None
    return review_card(lang, view=view, titles=titles(lang), employee_email=employee.email,
                       notice=notice, notice_color="Accent", as_stand_in=as_stand_in)


@dataclass(frozen=True)
class ReviewReminder:
    """One reminder card for one reviewer of a plan that waits; `campaign` is the plan's reminder number."""

    plan_id: int
    campaign: str
    recipient_person_id: int
    card: dict


def review_reminders(session: Session, due: Sequence[tuple[Plan, Person]], *, now: datetime,
                     config: DialogConfig) -> list[ReviewReminder]:
    """The reminders of a batch of waiting plans (each with its owner), as `notify_reviewers` would send
    them with the notice "review.reminder": to the employee's active manager and current stand-ins who can
    be reached, once per reviewer, in their language. Read set-based: about fifteen queries per batch, however
    many plans; only a reviewer the bot has no person for yet costs a few more, once (created from their AAD
    object id, as when a plan is sent). A plan whose owner has left, or is not in the directory, gets none."""
    employees = directory.entries_for_person_ids(session, [plan.person_id for plan, _ in due])
    due = [(plan, owner) for plan, owner in due
           if plan.person_id in employees and employees[plan.person_id].active]
    if not due:
        return []
    reviewers_of = directory.reviewers_of_many(session, [employees[plan.person_id] for plan, _ in due], now=now)
    due = [(plan, owner) for plan, owner in due if reviewers_of[employees[plan.person_id].id]]
    if not due:  # nobody to remind (the top of the directory has no manager)
        return []
    linked = directory.persons_by_id(session, [r.person_id for found in reviewers_of.values() for r in found
                                               if r.person_id is not None])
    views = plan_views(session, [plan for plan, _ in due], config)
    reminders = []
    for plan, owner in due:
        employee = employees[plan.person_id]
        view = views[plan.id]
        campaign = f"plan-review-reminder:{plan.id}:{plan.review_reminders + 1}"
        notice_params = {"days": (now - plans.times_of(plan).state_changed_at).days}
        recipients = set()
        for reviewer in reviewers_of[employee.id]:
            if reviewer.person_id is not None and reviewer.person_id in linked:
                person = linked[reviewer.person_id]
            else:  # never wrote: reachable (and linked from now on) only through the AAD object id
                person = directory.person_for_entry(session, reviewer, tenant_id=owner.tenant_id)
                if person is None:
                    log.info("reviewer entry %s of plan %s cannot be reached yet (never wrote, no AAD object id)",
                             reviewer.id, plan.id)
                    continue
                linked[person.id] = person
            if person.id in recipients:
                continue
            recipients.add(person.id)
            card = _review_notice_card(recipient_lang(person, config), view=view, employee=employee,
                                       as_stand_in=reviewer.id != employee.manager_entry_id,
                                       notice_key="review.reminder", notice_params=notice_params)
            reminders.append(ReviewReminder(plan.id, campaign, person.id, card))
    return reminders


@offering_current_version(_own_plan_card)
def acknowledge_plan(turn: Turn) -> Reply:
    """'Jag har tagit del av planen': the employee's sign-off after the manager's completes the plan."""
    plan = _own(turn)
    if plan.state == PlanState.COMPLETED:
        return Reply.of(plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                                  notice=t(turn.lang, "plan.acknowledged_already")))
    if plan.state != PlanState.APPROVED:
        raise UserFacingError("plan_not_editable", f"plan {plan.id} is {plan.state}; nothing to acknowledge")
    version = check_version(plan, turn.data)
    plans.change_state(turn.session, plan, to=PlanState.COMPLETED, expected_version=version,
                       actor_person_id=turn.person.id, now=turn.now, completed_at=turn.now)
    notify_manager_acknowledged(turn.session, plan, now=turn.now, config=turn.config,
                                tenant_id=turn.person.tenant_id)
    return Reply.of(plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                              notice=t(turn.lang, "plan.completed_notice")))


def notify_employee_approved(session: Session, plan: Plan, *, now: datetime, config: DialogConfig) -> bool:
    employee = session.get(Person, plan.person_id)
    view = plan_view(session, plan, config)
    return notify(session, recipient=employee, campaign=f"plan-approved:{plan.id}",
                  card=lambda lang: approved_notice_card(lang, view=view, titles=titles(lang)), now=now,
                  config=config)


def acknowledgement_recipient(session: Session, plan: Plan, *, tenant_id: str) -> Person | None:
    """Who hears that the employee confirmed: the manager who approved, while still in the directory;
    otherwise (they left, or the approval predates the directory) the employee's active manager."""
    if plan.approved_by_person_id is not None:
        approver = directory.entry_for_person_id(session, plan.approved_by_person_id)
        if approver is not None and approver.active:
            return session.get(Person, plan.approved_by_person_id)
    employee = directory.entry_for_person_id(session, plan.person_id)
    manager = directory.manager_of(session, employee) if employee is not None else None
    return directory.person_for_entry(session, manager, tenant_id=tenant_id) if manager is not None else None


def notify_manager_acknowledged(session: Session, plan: Plan, *, now: datetime, config: DialogConfig,
                                tenant_id: str) -> bool:
    """Once per plan (the campaign key), however often the employee clicks; True if this call enqueued it."""
    recipient = acknowledgement_recipient(session, plan, tenant_id=tenant_id)
    if recipient is None:
        log.info("plan %s confirmed, but no manager can be reached to be told", plan.id)
        return False
    view = plan_view(session, plan, config)
    return notify(session, recipient=recipient, campaign=f"plan-acknowledged:{plan.id}",
                  card=lambda lang: acknowledged_notice_card(lang, view=view), now=now, config=config)


# ---- withdrawing a sent plan -------------------------------------------------------------------------------

@offering_current_version(_own_plan_card)
def withdraw_plan(turn: Turn) -> Reply:
    """'Dra tillbaka': the employee takes the plan back while the manager has not decided. The new version
    makes the manager's review card stale, and the manager (and any current stand-in) is told."""
    plan = _own(turn)
    # Checked before the version, so a late click on an old card still says why, not only that it is old.
    if plan.state in SIGNED_BY_MANAGER:
        raise UserFacingError("plan_not_withdrawable", f"plan {plan.id} is {plan.state}; the manager has decided")
    version = check_version(plan, turn.data)
    if plan.state not in WITHDRAWABLE:
        raise UserFacingError("plan_not_sent", f"plan {plan.id} is {plan.state}; there is nothing to withdraw")
    reviewers = _reviewers_of(turn)
    plans.withdraw_plan(turn.session, plan, expected_version=version, actor_person_id=turn.person.id, now=turn.now,
                        details={"reviewers": [r.email for r in reviewers]})
    told = notify_withdrawal(turn.session, plan, reviewers, now=turn.now, config=turn.config,
                             tenant_id=turn.person.tenant_id)
    log.info("person %s withdrew plan %s (now %s); %s reviewer(s) told", turn.person.id, plan.id, plan.state,
             len(told))
    when = arrival_text(turn.lang, turn.config.next_sending_moment(turn.now), now=turn.now, config=turn.config)
    notice = (t(turn.lang, "plan.withdrawn_notice", manager=told[0].name, when=when) if told
              else t(turn.lang, "plan.withdrawn_notice_untold"))
    return Reply.of(plan_card(turn.lang, view=plan_view(turn.session, plan, turn.config), titles=titles(turn.lang),
                              notice=notice))


def _reviewers_of(turn: Turn) -> list[DirectoryEntry]:
    """The sender's active manager and current stand-ins (none when the sender left the directory)."""
    entry = directory.entry_for_person(turn.session, turn.person)
    return directory.reviewers_of(turn.session, entry, now=turn.now) if entry is not None else []


def notify_withdrawal(session: Session, plan: Plan, reviewers: Sequence[DirectoryEntry], *, now: datetime,
                      config: DialogConfig, tenant_id: str) -> list[DirectoryEntry]:
    """Tells each reachable reviewer that the plan was withdrawn; returns those told (the manager first).

    The campaign names the version after the withdrawal, so every withdrawal is told once.
    """
    view = plan_view(session, plan, config)
    told = []
    for reviewer, person in reachable_reviewers(session, plan, reviewers, tenant_id=tenant_id):
        if notify(session, recipient=person, campaign=f"plan-withdrawn:{plan.id}:v{plan.version}",
                  card=lambda lang: withdrawn_notice_card(lang, view=view), now=now, config=config):
            told.append(reviewer)
    return told
