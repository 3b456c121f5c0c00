"""The activity catalogue, sign-ups with capacity and a waiting list, completion with hours, and the hours per
person and month that the ESF report sums.

Capacity holds under concurrency: sign-up and cancellation lock the activity row (PostgreSQL) and change
`places_taken` in the same transaction as the sign-up row; SQLite serialises writers anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, or_
from sqlmodel import Session, delete, select

from store.matching import ActivityFacts, PersonNeeds, Proposal, effective_levels, rank_activities
from store import audit, directory
from store.models.activity import (
    Activity, ActivityCompetence, ActivityHours, ActivitySignup, ActivityStatus, PlanActivity, SignupStatus,
)
from store.models.activity import ActivitySession
from store.models.core import Person
from store.models.directory import DirectoryEntry, Organisation
from store.models.plan import Plan, PlanState
from store.people import aware

log = logging.getLogger(__name__)
SUBJECT = "activity"
# A signup in one of these keeps the activity out of the person's proposals.
_EXCLUDING = (SignupStatus.SIGNED_UP, SignupStatus.WAITING, SignupStatus.COMPLETED, SignupStatus.DECLINED)
SIGNED_PLAN_STATES = (PlanState.APPROVED, PlanState.COMPLETED)

EDITABLE_FIELDS = (
    "title_sv", "title_en", "description_sv", "description_en", "format", "competences", "level_min", "level_max",
    "roles", "hours", "self_paced", "starts_at", "ends_at", "place", "online_url", "provider", "capacity",
    "registration_deadline", "shared", "external_places",
)


class ActivityError(ValueError):
    """A change to the catalogue that cannot be made; the message says why."""


# ---- the catalogue -----------------------------------------------------------------------------------------

def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def activity_by_id(session: Session, activity_id: object, *, for_update: bool = False) -> Activity | None:
    try:
        wanted = int(activity_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    query = select(Activity).where(Activity.id == wanted)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def activity_by_key(session: Session, *, organisation_id: int, key: str) -> Activity | None:
    return session.exec(select(Activity).where(Activity.organisation_id == organisation_id,
                                               Activity.key == key)).first()


def save_activity(session: Session, *, organisation_id: int, key: str, values: dict[str, Any], now: datetime,
                  actor_person_id: int | None = None, status: str | None = None,
                  more_sessions: Sequence[SessionValues] | None = None) -> tuple[Activity, bool]:
    """Creates the activity with this key in the organisation, or updates it; True when created.

    `values` holds any of EDITABLE_FIELDS; `competences` as "3.1,3.2" or a list. A dated activity's start,
    end, place and link are its first session; `more_sessions` are the others (None: kept as they are).
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ActivityError(f"unknown activity fields {sorted(unknown)}")
    values = dict(values)
    if isinstance(values.get("competences"), (list, tuple)):
        values["competences"] = ",".join(values["competences"])
    if isinstance(values.get("roles"), (list, tuple, frozenset, set)):
        values["roles"] = ",".join(sorted(values["roles"]))
    activity = activity_by_key(session, organisation_id=organisation_id, key=key)
    created = activity is None
    if activity is None:
        activity = Activity(organisation_id=organisation_id, key=key, format=values.get("format", "course"),
                            competences=values.get("competences", ""), created_by_person_id=actor_person_id,
                            created_at=now)
        session.add(activity)
    for name, value in values.items():
        setattr(activity, name, value)
    if status is not None and status != activity.status:
        _set_status(activity, status, now)
    activity.updated_at = now
    if not created:
        activity.version += 1
    session.flush()
    set_sessions(session, activity, more_sessions)
    _index_competences(session, activity)
    return activity, created


def _index_competences(session: Session, activity: Activity) -> None:
    """The matching index: a row per competence and level while the activity is published, none otherwise."""
    session.exec(delete(ActivityCompetence).where(ActivityCompetence.activity_id == activity.id))
    if activity.status == ActivityStatus.PUBLISHED:
        for competence in dict.fromkeys(split_list(activity.competences)):
            for level in range(activity.level_min, activity.level_max + 1):
                session.add(ActivityCompetence(activity_id=activity.id, competence=competence, level=level,
                                               self_paced=activity.self_paced,
                                               starts_at=None if activity.self_paced else activity.starts_at))
    session.flush()


def _set_status(activity: Activity, status: str, now: datetime) -> None:
    activity.status = status
    if status == ActivityStatus.PUBLISHED and activity.published_at is None:
        activity.published_at = now
    if status == ActivityStatus.CANCELLED:
        activity.cancelled_at = now


def publish_activity(session: Session, activity: Activity, *, actor_person_id: int | None, now: datetime) -> None:
    if activity.status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise ActivityError(f"activity {activity.id} is {activity.status}; only drafts are published")
    _set_status(activity, ActivityStatus.PUBLISHED, now)
    activity.updated_at, activity.version = now, activity.version + 1
    session.flush()
    _index_competences(session, activity)
    audit.record(session, actor_person_id=actor_person_id, action="activity.published", subject_type=SUBJECT,
                 subject_id=activity.id)


def cancel_activity(session: Session, activity: Activity, *, actor_person_id: int | None, now: datetime
                    ) -> list[int]:
    """Cancels the activity and every place and waiting-list place on it; returns the people to tell."""
    if activity.status == ActivityStatus.CANCELLED:
        return []
    affected = list(session.exec(select(ActivitySignup).where(
        ActivitySignup.activity_id == activity.id,
        ActivitySignup.status.in_((SignupStatus.SIGNED_UP, SignupStatus.WAITING)))))
    for signup in affected:
        signup.status, signup.updated_at = SignupStatus.CANCELLED, now
    _set_status(activity, ActivityStatus.CANCELLED, now)
    activity.places_taken = 0
    activity.updated_at, activity.version = now, activity.version + 1
    session.flush()
    _index_competences(session, activity)
    audit.record(session, actor_person_id=actor_person_id, action="activity.cancelled", subject_type=SUBJECT,
                 subject_id=activity.id, details={"told": len(affected)})
    return [signup.person_id for signup in affected]


def activities_of_organisation(session: Session, *, organisation_id: int, offset: int = 0, limit: int = 5,
                               statuses: Sequence[str] | None = None) -> tuple[list[Activity], int]:
    """A page of the organisation's activities (drafts and coming ones first), and how many there are."""
    condition = Activity.organisation_id == organisation_id
    if statuses:
        condition = and_(condition, Activity.status.in_(statuses))
    total = session.exec(select(func.count()).select_from(Activity).where(condition)).one()
    rows = list(session.exec(select(Activity).where(condition)
                             .order_by(Activity.status != ActivityStatus.DRAFT, Activity.starts_at.is_(None),
                                       Activity.starts_at, Activity.id).offset(offset).limit(limit)))
    return rows, total


def _open_catalogue(organisation_ids: Iterable[int], now: datetime):
    return and_(Activity.status == ActivityStatus.PUBLISHED,
                or_(Activity.organisation_id.in_(list(organisation_ids) or [-1]), Activity.shared),
                or_(Activity.self_paced, Activity.starts_at.is_(None), Activity.starts_at > now))


def catalogue_page(session: Session, *, organisation_ids: Iterable[int], now: datetime, offset: int = 0,
                   limit: int = 5, competences: Sequence[str] | None = None, format: str | None = None
                   ) -> tuple[list[Activity], int]:
    """Published activities open to the organisations (not started), optionally of some competences or one
    format: a page in start order (self-paced last), and the total."""
    condition = _open_catalogue(organisation_ids, now)
    if format:
        condition = and_(condition, Activity.format == format)
    if competences:
        condition = and_(condition, Activity.id.in_(
            select(ActivityCompetence.activity_id).where(ActivityCompetence.competence.in_(list(competences)))))
    total = session.exec(select(func.count()).select_from(Activity).where(condition)).one()
    rows = list(session.exec(select(Activity).where(condition)
                             .order_by(Activity.self_paced, Activity.starts_at, Activity.id)
                             .offset(offset).limit(limit)))
    return rows, total


# ---- matching ----------------------------------------------------------------------------------------------

def organisations_of(session: Session, person: Person) -> frozenset[int]:
    """The person's organisation from the directory; without an entry, the organisations of their tenant."""
    entry = directory.entry_for_person(session, person)
    if entry is not None:
        return frozenset({entry.organisation_id})
    return frozenset(session.exec(select(Organisation.id).where(
        or_(Organisation.tenant_id == person.tenant_id, Organisation.tenant_id.is_(None)))))


_UNKNOWN: Any = object()


def person_needs(session: Session, *, person: Person, assessed: dict[str, int | None] | None = None,
                 targets: dict[str, int] | None = None, role: str | None = _UNKNOWN) -> PersonNeeds | None:
    """Levels (agreed in a signed plan, else self-assessed), targets, role, organisations and what to leave out;
    None when the person has no finished self-assessment. A caller that has just read the latest assessment's
    levels, the effective targets or the role (the profile) passes them, and they are not read again."""
    from store.assessments import latest_finished_assessment
    from store.targets import effective_targets, role_for_person

    if assessed is None:
        latest = latest_finished_assessment(session, person_id=person.id)
        if latest is None:
            return None
        assessed = latest.levels
    plan = session.exec(select(Plan).where(Plan.person_id == person.id).order_by(Plan.period.desc())).first()
    levels = effective_levels(assessed, plan.priorities if plan else (),
                              plan_signed=plan is not None and plan.state in SIGNED_PLAN_STATES)
    if targets is None:
        targets = {key: target.level for key, target in effective_targets(session, person_id=person.id).items()}
    if role is _UNKNOWN:
        role = role_for_person(session, person.id)
    excluded = frozenset(session.exec(select(ActivitySignup.activity_id).where(
        ActivitySignup.person_id == person.id, ActivitySignup.status.in_(_EXCLUDING))))
    return PersonNeeds(levels=levels, targets=targets, role=role,
                       organisation_ids=organisations_of(session, person), excluded=excluded,
                       priorities=tuple(p["competence"] for p in plan.priorities) if plan else ())


_FACT_COLUMNS = (Activity.id, Activity.organisation_id, Activity.competences, Activity.level_min,
                 Activity.level_max, Activity.roles, Activity.status, Activity.shared, Activity.self_paced,
                 Activity.starts_at, Activity.registration_deadline, Activity.capacity, Activity.places_taken,
                 Activity.external_places)


def _facts(row) -> ActivityFacts:
    return ActivityFacts(id=row[0], organisation_id=row[1], competences=tuple(split_list(row[2])), level_min=row[3],
                         level_max=row[4], roles=frozenset(split_list(row[5])), status=row[6], shared=row[7],
                         self_paced=row[8], starts_at=aware(row[9]) if row[9] else None,
                         registration_deadline=aware(row[10]) if row[10] else None, capacity=row[11],
                         places_taken=row[12] + row[13])


_FACTS = select(*_FACT_COLUMNS).where(Activity.id.in_(bindparam("ids", expanding=True)))


def facts_of(session: Session, activity_ids: Sequence[int]) -> list[ActivityFacts]:
    if not activity_ids:
        return []
    return [_facts(row) for row in session.exec(_FACTS, params={"ids": list(activity_ids)})]


@dataclass(frozen=True)
class Proposed:
    proposal: Proposal
    activity: Activity


# rank_activities (store/matching.py) is the rule; ranked_page gives the same page of it while reading
# only a few index rows per gap competence, so a turn costs the same whatever the catalogue's size (ranking
# 2,000 activities in Python or in one SQL statement cost 15 and 8 times a help turn: bench/activities.py).
# tests/unit/test_matching.py checks that the two always agree.
_FIRST_READ = 2  # index rows read per competence beyond the places still wanted


def _stream_statement(competence: str = "competence", level: str = "level"):
    """One (competence, next level)'s activities in rule order d-e: self-paced by id, then dated from now on.
    Built once with bind parameters, so each use is a cached statement; one statement per competence reads
    the index directly (a UNION of them all cost SQLite twice as much: bench/activities.py)."""
    from sqlalchemy import union_all

    columns = (ActivityCompetence.activity_id, ActivityCompetence.competence, ActivityCompetence.starts_at)
    base = (ActivityCompetence.competence == bindparam(competence), ActivityCompetence.level == bindparam(level))
    self_paced = (select(*columns).where(*base, ActivityCompetence.self_paced.is_(True))
                  .order_by(ActivityCompetence.activity_id).limit(bindparam("read")))
    dated = (select(*columns).where(*base, ActivityCompetence.self_paced.is_(False),
                                    ActivityCompetence.starts_at > bindparam("now"))
             .order_by(ActivityCompetence.starts_at, ActivityCompetence.activity_id).limit(bindparam("read")))
    both = union_all(self_paced.subquery().select(), dated.subquery().select()).subquery()
    return (select(both.c.activity_id, both.c.competence)
            .order_by(both.c.starts_at.is_not(None), both.c.starts_at, both.c.activity_id).limit(bindparam("read")))


_STREAM = _stream_statement()
_ACTIVITIES = select(Activity).where(Activity.id.in_(bindparam("ids", expanding=True)))
_ANY_PUBLISHED = select(ActivityCompetence.activity_id).limit(1)



def ranked_page(session: Session, *, needs: PersonNeeds, now: datetime, offset: int, limit: int,
                competences: Sequence[str] | None = None, catalogue: Any = None) -> tuple[list[Proposal], bool]:
    """Proposals offset..offset+limit of rank_activities(needs, the catalogue, now), and whether more follow.

    Gap competences are taken in groups of equal gap, largest first. Within a group, each competence's index
    stream is read in rule order (d, e) up to a limit; a group read to its end is ranked whole, a group cut
    short is ranked only as far as every cut stream still has the places wanted (anything beyond a cut ranks
    after them), else the limit doubles. Full activities rank after every free one (rule a), so they are
    needed only once every group was read to its end.

    `catalogue`: a process copy of the index and the facts (store/catalogue.py) to read instead of the database.
    """
    gaps = {}
    for key, target in needs.targets.items():
        level = needs.levels.get(key)
        level = 0 if level is None else level
        if target is not None and target > level and (competences is None or key in competences):
            gaps[key] = (level, target)
    if not gaps or (catalogue.empty if catalogue is not None else session.exec(_ANY_PUBLISHED).first() is None):
        return [], False  # nothing to propose: one query instead of one per gap competence
    want = offset + limit + 1
    free: list[Proposal] = []
    full: list[Proposal] = []
    seen: set[int] = set()
    for gap in sorted({target - level for level, target in gaps.values()}, reverse=True):
        group = [key for key, (level, target) in gaps.items() if target - level == gap]
        read = want - len(free) + _FIRST_READ
        while True:
            rows = [row for key in group for row in (
                catalogue.stream(key, gaps[key][0] + 1, now, read) if catalogue is not None else session.execute(
                    _STREAM, {"competence": key, "level": gaps[key][0] + 1, "now": now, "read": read}))]
            per_stream: dict[str, list[int]] = {}
            for activity_id, key in rows:
                per_stream.setdefault(key, []).append(activity_id)
            unseen = list({activity_id for activity_id, _ in rows} - seen)
            facts = {f.id: f for f in (catalogue.facts_of(unseen) if catalogue is not None
                                       else facts_of(session, unseen))}
            ranked = rank_activities(needs, facts.values(), now) if facts else []
            mine = [p for p in ranked if p.target - p.level == gap]
            cut = [key for key in group if len(per_stream.get(key, [])) >= read]  # a stream may go on
            if not cut:
                break
            kept = {p.activity_id for p in mine if not p.full}
            if all(sum(1 for a in per_stream[key] if a in kept) >= want - len(free) for key in cut):
                break
            read *= 2
        group_free = [p for p in mine if not p.full]
        seen |= {p.activity_id for p in mine}
        if cut:
            free += group_free[:want - len(free)]
            break
        free += group_free
        full += [p for p in mine if p.full]
        if len(free) >= want:
            break
    else:
        free += full
    page = free[offset:offset + limit]
    return page, len(free) > offset + limit


def proposals_for_person(session: Session, person: Person, now: datetime, limit: int = 3, offset: int = 0,
                         competences: Sequence[str] | None = None, needs: PersonNeeds | None = None,
                         catalogue: Any = _UNKNOWN) -> tuple[list[Proposed], bool]:
    """The person's ranked proposals (rules: store/matching.py): one page with the activities, and
    whether more follow; ([], False) without a finished self-assessment. `competences` narrows them.
    `catalogue`: the copy store/catalogue.py `needs_and_catalogue` gave (looked up here when not given)."""
    from store.catalogue import current_catalogue

    needs = needs or person_needs(session, person=person)
    if needs is None:
        return [], False
    if catalogue is _UNKNOWN:
        catalogue = current_catalogue(session)
    page, more = ranked_page(session, needs=needs, now=now, offset=offset, limit=limit, competences=competences,
                             catalogue=catalogue)
    if not page:
        return [], more
    ids = [p.activity_id for p in page]
    by_id = catalogue.rows_of(session, ids) if catalogue is not None else \
        {a.id: a for a in session.exec(_ACTIVITIES, params={"ids": ids})}
    return [Proposed(p, by_id[p.activity_id]) for p in page], more


# ---- sign-up, waiting list, cancellation, declining --------------------------------------------------------

class SignUpOutcome(StrEnum):
    SIGNED_UP = "signed_up"  # a place
    WAITING = "waiting"  # a place on the waiting list (`position`)
    ALREADY_SIGNED_UP = "already_signed_up"
    ALREADY_WAITING = "already_waiting"
    ALREADY_DONE = "already_done"
    CLOSED = "closed"  # not published, started, or past its registration deadline
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class SignUpResult:
    outcome: SignUpOutcome
    activity: Activity | None = None
    position: int | None = None  # on the waiting list, 1 = next in line

    @property
    def ok(self) -> bool:
        return self.outcome in (SignUpOutcome.SIGNED_UP, SignUpOutcome.WAITING)


def signup_of(session: Session, *, activity_id: int, person_id: int) -> ActivitySignup | None:
    return session.exec(select(ActivitySignup).where(ActivitySignup.activity_id == activity_id,
                                                     ActivitySignup.person_id == person_id)).first()


def waiting_position(session: Session, signup: ActivitySignup) -> int:
    earlier = session.exec(select(func.count()).select_from(ActivitySignup).where(
        ActivitySignup.activity_id == signup.activity_id, ActivitySignup.status == SignupStatus.WAITING,
        or_(ActivitySignup.signed_up_at < signup.signed_up_at,
            and_(ActivitySignup.signed_up_at == signup.signed_up_at, ActivitySignup.id < signup.id)))).one()
    return earlier + 1


def is_open_for_signup(activity: Activity, now: datetime) -> bool:
    if activity.status != ActivityStatus.PUBLISHED:
        return False
    if activity.self_paced:
        return True
    if activity.starts_at is not None and aware(activity.starts_at) <= now:
        return False
    return activity.registration_deadline is None or aware(activity.registration_deadline) >= now


def has_free_place(activity: Activity) -> bool:
    if activity.self_paced or activity.capacity is None:
        return True
    return activity.places_taken + activity.external_places < activity.capacity


def sign_up(session: Session, *, activity_id: object, person: Person, now: datetime) -> SignUpResult:
    """Signs the person up: a place while there is one, else a place on the waiting list. Idempotent: a
    second click reports what the person already has. Callable from any card (broadcasts' "Anmäl mig")."""
    activity = activity_by_id(session, activity_id, for_update=True)
    if activity is None:
        return SignUpResult(SignUpOutcome.NOT_FOUND)
    signup = signup_of(session, activity_id=activity.id, person_id=person.id)
    if signup is not None and signup.status == SignupStatus.SIGNED_UP:
        return SignUpResult(SignUpOutcome.ALREADY_SIGNED_UP, activity)
    if signup is not None and signup.status == SignupStatus.WAITING:
        return SignUpResult(SignUpOutcome.ALREADY_WAITING, activity, waiting_position(session, signup))
    if signup is not None and signup.status == SignupStatus.COMPLETED:
        return SignUpResult(SignUpOutcome.ALREADY_DONE, activity)
    if not is_open_for_signup(activity, now):
        return SignUpResult(SignUpOutcome.CLOSED, activity)
    status = SignupStatus.SIGNED_UP if has_free_place(activity) else SignupStatus.WAITING
    if signup is None:
        signup = ActivitySignup(activity_id=activity.id, person_id=person.id, status=status, signed_up_at=now,
                                updated_at=now)
        session.add(signup)
    else:  # cancelled or declined before: back in, at the end of the line
        signup.status, signup.signed_up_at, signup.updated_at = status, now, now
        signup.hours = signup.completed_at = None
    if status == SignupStatus.SIGNED_UP:
        activity.places_taken += 1
    session.flush()
    log.info("person %s %s activity %s", person.id, status, activity.id)
    if status == SignupStatus.WAITING:
        return SignUpResult(SignUpOutcome.WAITING, activity, waiting_position(session, signup))
    return SignUpResult(SignUpOutcome.SIGNED_UP, activity)


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    NOT_SIGNED_UP = "not_signed_up"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class CancelResult:
    outcome: CancelOutcome
    activity: Activity | None = None
    promoted_person_id: int | None = None  # who got the freed place (to be told)


def cancel_signup(session: Session, *, activity_id: object, person: Person, now: datetime) -> CancelResult:
    """The person gives up their place (or waiting-list place); a freed place goes to the first in line."""
    activity = activity_by_id(session, activity_id, for_update=True)
    if activity is None:
        return CancelResult(CancelOutcome.NOT_FOUND)
    signup = signup_of(session, activity_id=activity.id, person_id=person.id)
    if signup is None or signup.status not in (SignupStatus.SIGNED_UP, SignupStatus.WAITING):
        return CancelResult(CancelOutcome.NOT_SIGNED_UP, activity)
    had_place = signup.status == SignupStatus.SIGNED_UP
    signup.status, signup.updated_at = SignupStatus.CANCELLED, now
    promoted = None
    if had_place:
        activity.places_taken -= 1
        session.flush()
        promoted = _promote_first_waiting(session, activity, now)
    session.flush()
    return CancelResult(CancelOutcome.CANCELLED, activity, promoted)


def _promote_first_waiting(session: Session, activity: Activity, now: datetime) -> int | None:
    if not has_free_place(activity) or not is_open_for_signup(activity, now):
        return None
    first = session.exec(select(ActivitySignup).where(
        ActivitySignup.activity_id == activity.id, ActivitySignup.status == SignupStatus.WAITING)
        .order_by(ActivitySignup.signed_up_at, ActivitySignup.id)).first()
    if first is None:
        return None
    first.status, first.updated_at = SignupStatus.SIGNED_UP, now
    activity.places_taken += 1
    session.flush()
    log.info("person %s moved up from the waiting list of activity %s", first.person_id, activity.id)
    return first.person_id


def decline(session: Session, *, activity_id: object, person: Person, now: datetime) -> bool:
    """"Inte intresserad": the activity is not proposed to the person again. False if not found or the
    person has a place, is waiting or has done it (cancel first)."""
    activity = activity_by_id(session, activity_id)
    if activity is None:
        return False
    signup = signup_of(session, activity_id=activity.id, person_id=person.id)
    if signup is None:
        session.add(ActivitySignup(activity_id=activity.id, person_id=person.id, status=SignupStatus.DECLINED,
                                   signed_up_at=now, updated_at=now))
    elif signup.status in (SignupStatus.CANCELLED, SignupStatus.DECLINED):
        signup.status, signup.updated_at = SignupStatus.DECLINED, now
    else:
        return False
    session.flush()
    return True


def signups_for_activity(session: Session, *, activity_id: int, statuses: Sequence[str]) -> list[ActivitySignup]:
    return list(session.exec(select(ActivitySignup).where(
        ActivitySignup.activity_id == activity_id, ActivitySignup.status.in_(list(statuses)))
        .order_by(ActivitySignup.signed_up_at, ActivitySignup.id)))


def signups_of_person(session: Session, *, person_id: int, statuses: Sequence[str]
                      ) -> list[tuple[ActivitySignup, Activity]]:
    return list(session.exec(select(ActivitySignup, Activity).join(Activity, Activity.id == ActivitySignup.activity_id)
                             .where(ActivitySignup.person_id == person_id,
                                    ActivitySignup.status.in_(list(statuses)))
                             .order_by(ActivitySignup.updated_at.desc(), ActivitySignup.id)))


# ---- completion and hours ----------------------------------------------------------------------------------

def month_of(moment: datetime, tz: ZoneInfo) -> str:
    return aware(moment).astimezone(tz).strftime("%Y-%m")


def _record_hours(session: Session, *, signup: ActivitySignup, activity: Activity, hours: float, month: str,
                  now: datetime) -> None:
    existing = session.exec(select(ActivityHours).where(ActivityHours.person_id == signup.person_id,
                                                        ActivityHours.activity_id == activity.id)).all()
    for row in existing:
        session.delete(row)
    session.flush()
    session.add(ActivityHours(person_id=signup.person_id, activity_id=activity.id,
                              organisation_id=activity.organisation_id, month=month, hours=hours, recorded_at=now))
    session.flush()


def complete_self_paced(session: Session, *, activity: Activity, person: Person, hours: float, now: datetime,
                        tz: ZoneInfo) -> ActivitySignup:
    """The person marks a self-paced activity done with their hours, counted in this month."""
    if not activity.self_paced:
        raise ActivityError(f"activity {activity.id} is dated; its coordinator confirms attendance")
    if not 0 < hours <= 500:
        raise ActivityError(f"hours must be more than 0 and at most 500, not {hours}")
    signup = signup_of(session, activity_id=activity.id, person_id=person.id)
    if signup is None:
        signup = ActivitySignup(activity_id=activity.id, person_id=person.id, status=SignupStatus.COMPLETED,
                                signed_up_at=now)
        session.add(signup)
    elif signup.status == SignupStatus.SIGNED_UP:
        activity.places_taken -= 1
    signup.status, signup.hours, signup.completed_at, signup.updated_at = SignupStatus.COMPLETED, hours, now, now
    session.flush()
    _record_hours(session, signup=signup, activity=activity, hours=hours, month=month_of(now, tz), now=now)
    return signup


def confirm_attendance(session: Session, *, activity: Activity, attended_person_ids: Iterable[int],
                       confirmed_by_person_id: int | None, now: datetime, tz: ZoneInfo,
                       hours: float | None = None) -> list[int]:
    """The coordinator confirms who attended a dated activity: each gets the activity's hours (or `hours`),
    counted in the month of the session. Returns who was newly confirmed; others are left as they were."""
    hours = activity.hours if hours is None else hours
    month = month_of(activity.starts_at or now, tz)
    confirmed = []
    for person_id in dict.fromkeys(attended_person_ids):
        signup = signup_of(session, activity_id=activity.id, person_id=person_id)
        if signup is None:
            signup = ActivitySignup(activity_id=activity.id, person_id=person_id, status=SignupStatus.COMPLETED,
                                    signed_up_at=now)
            session.add(signup)
        elif signup.status == SignupStatus.COMPLETED and signup.hours == hours:
            continue
        signup.status, signup.hours, signup.completed_at, signup.updated_at = SignupStatus.COMPLETED, hours, now, now
        signup.confirmed_by_person_id = confirmed_by_person_id
        session.flush()
        _record_hours(session, signup=signup, activity=activity, hours=hours, month=month, now=now)
        confirmed.append(person_id)
    audit.record(session, actor_person_id=confirmed_by_person_id, action="activity.attendance",
                 subject_type=SUBJECT, subject_id=activity.id, details={"confirmed": len(confirmed)})
    return confirmed


@dataclass(frozen=True)
class DoneActivity:
    activity: Activity
    hours: float
    completed_at: datetime


def done_activities(session: Session, *, person_id: int, limit: int = 10) -> tuple[list[DoneActivity], float]:
    """The person's completed activities (latest first, at most `limit`) and their hours in total."""
    rows = signups_of_person(session, person_id=person_id, statuses=[SignupStatus.COMPLETED])
    done = [DoneActivity(a, s.hours or 0.0, aware(s.completed_at or s.updated_at)) for s, a in rows]
    return done[:limit], sum(d.hours for d in done)


@dataclass(frozen=True)
class MonthlyHours:
    """One row of the ESF participant report: a person's completed learning hours in one month."""

    person_id: int
    month: str  # "2026-03"
    hours: float
    activities: int


def hours_per_person_and_month(session: Session, *, organisation_id: int, from_month: str | None = None,
                               to_month: str | None = None) -> list[MonthlyHours]:
    """Completed hours per person and month in the organisation's activities (months inclusive, "YYYY-MM"),
    ordered by person and month: what the ESF report (issue #17) reads."""
    query = (select(ActivityHours.person_id, ActivityHours.month, func.sum(ActivityHours.hours),
                    func.count(ActivityHours.activity_id))
             .where(ActivityHours.organisation_id == organisation_id)
             .group_by(ActivityHours.person_id, ActivityHours.month)
             .order_by(ActivityHours.person_id, ActivityHours.month))
    if from_month:
        query = query.where(ActivityHours.month >= from_month)
    if to_month:
        query = query.where(ActivityHours.month <= to_month)
    return [MonthlyHours(person_id, month, float(hours), count) for person_id, month, hours, count in
            session.exec(query)]


# ---- coordinators ------------------------------------------------------------------------------------------

def coordinated_organisation(session: Session, person: Person) -> Organisation | None:
    """The organisation the person coordinates (from the directory), or None."""
    entry = directory.entry_for_person(session, person)
    if entry is None or not directory.is_coordinator(session, entry):
        return None
    return session.get(Organisation, entry.organisation_id)


def person_names(session: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """Display names: the directory's, else what Teams told us."""
    if not person_ids:
        return {}
    names = {pid: name or "" for pid, name in session.exec(select(Person.id, Person.name)
                                                            .where(Person.id.in_(list(person_ids))))}
    for pid, name in session.exec(select(DirectoryEntry.person_id, DirectoryEntry.name)
                                  .where(DirectoryEntry.person_id.in_(list(person_ids)))):
        names[pid] = name
    return names


# ---- plans -------------------------------------------------------------------------------------------------

def link_to_plan(session: Session, *, plan: Plan, activity: Activity, competence: str | None,
                 actor_person_id: int | None, now: datetime) -> bool:
    """Adds the catalogue activity to the plan; False if it was there already."""
    exists = session.exec(select(PlanActivity.id).where(PlanActivity.plan_id == plan.id,
                                                        PlanActivity.activity_id == activity.id)).first()
    if exists is not None:
        return False
    session.add(PlanActivity(plan_id=plan.id, activity_id=activity.id, competence=competence,
                             added_by_person_id=actor_person_id, added_at=now))
    session.flush()
    return True


def unlink_from_plan(session: Session, *, plan: Plan, activity_id: int) -> bool:
    result = session.exec(delete(PlanActivity).where(PlanActivity.plan_id == plan.id,
                                                     PlanActivity.activity_id == activity_id))
    return bool(result.rowcount)


def plan_activities(session: Session, *, plan_id: int) -> list[tuple[PlanActivity, Activity]]:
    return list(session.exec(select(PlanActivity, Activity).join(Activity, Activity.id == PlanActivity.activity_id)
                             .where(PlanActivity.plan_id == plan_id).order_by(PlanActivity.id)))


def sessions_between(session: Session, *, starts_from: datetime, starts_until: datetime) -> list[Activity]:
    """Published dated activities starting in [starts_from, starts_until]: the reminder job's sessions."""
    return list(session.exec(select(Activity).where(
        Activity.status == ActivityStatus.PUBLISHED, Activity.self_paced.is_(False),
        Activity.starts_at >= starts_from, Activity.starts_at <= starts_until).order_by(Activity.starts_at,
                                                                                          Activity.id)))


# ---- changes after publishing (issue 13 follow-up: dialogs/activity_changes.py tells people) -------------

def fill_freed_places(session: Session, activity: Activity, *, now: datetime) -> list[int]:
    """After an edit that frees places (a larger capacity, no limit any more, fewer places taken outside the
    bot): the waiting list moves up in its order, one person per free place. Returns who got a place."""
    promoted: list[int] = []
    while (person_id := _promote_first_waiting(session, activity, now)) is not None:
        promoted.append(person_id)
    if promoted:
        audit.record(session, actor_person_id=None, action="activity.waiting_list_moved", subject_type=SUBJECT,
                     subject_id=activity.id, details={"promoted": len(promoted)})
    return promoted


# ---- sessions: several dated meetings per activity ---------------------------------------------------------

@dataclass(frozen=True)
class SessionValues:
    """One meeting as a form or a file gives it (aware datetimes)."""

    starts_at: datetime
    ends_at: datetime | None = None
    place: str | None = None
    online_url: str | None = None


def sessions_of(session: Session, *, activity_id: int, cancelled: bool = True) -> list[ActivitySession]:
    """The activity's sessions in time order (with the cancelled ones unless `cancelled` is False)."""
    query = select(ActivitySession).where(ActivitySession.activity_id == activity_id)
    if not cancelled:
        query = query.where(ActivitySession.cancelled_at.is_(None))
    return list(session.exec(query.order_by(ActivitySession.starts_at, ActivitySession.id)))


def set_sessions(session: Session, activity: Activity, more: Sequence[SessionValues] | None) -> None:
    """The activity's own start, end, place and link as a session, and `more` beside it (None: the further
    sessions stay as they are). Sessions are matched by start, so a kept one keeps its id (its reminders); a
    cancelled one stays cancelled unless given again. Then the activity repeats its first session."""
    existing = sessions_of(session, activity_id=activity.id)
    if activity.self_paced or activity.starts_at is None:
        for row in existing:
            session.delete(row)
        session.flush()
        return
    active = [row for row in existing if row.cancelled_at is None]
    if more is None:
        more = [SessionValues(aware(r.starts_at), aware(r.ends_at) if r.ends_at else None, r.place, r.online_url)
                for r in active[1:]]
    first = SessionValues(aware(activity.starts_at), aware(activity.ends_at) if activity.ends_at else None,
                          activity.place, activity.online_url)
    # A meeting given without place or link is where the first one is.
    wanted = {aware(v.starts_at): v if (v.place or v.online_url) else replace(v, place=first.place,
                                                                                online_url=first.online_url)
              for v in (first, *more)}
    by_start = {aware(row.starts_at): row for row in existing}
    for start, row in by_start.items():
        if start not in wanted and row.cancelled_at is None:
            session.delete(row)
    for start, value in wanted.items():
        row = by_start.get(start)
        if row is None:
            session.add(ActivitySession(activity_id=activity.id, starts_at=start, ends_at=value.ends_at,
                                        place=value.place, online_url=value.online_url))
        else:
            row.ends_at, row.place, row.online_url = value.ends_at, value.place, value.online_url
            row.cancelled_at = None  # given again: held again
    session.flush()
    _repeat_first_session(session, activity)


def _repeat_first_session(session: Session, activity: Activity) -> None:
    remaining = sessions_of(session, activity_id=activity.id, cancelled=False)
    if remaining:
        first = remaining[0]
        activity.starts_at, activity.ends_at = first.starts_at, first.ends_at
        activity.place, activity.online_url = first.place, first.online_url
        session.flush()


def cancel_session(session: Session, activity: Activity, *, session_id: object, actor_person_id: int | None,
                   now: datetime) -> tuple[ActivitySession, list[int]]:
    """Cancels one meeting of the activity (the others stay); returns it and the people to tell (signed up or
    waiting). The last meeting left is not cancelled alone: the activity is cancelled instead."""
    try:
        wanted = int(session_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ActivityError(f"no session {session_id!r}") from None
    meeting = session.get(ActivitySession, wanted)
    if meeting is None or meeting.activity_id != activity.id:
        raise ActivityError(f"activity {activity.id} has no session {session_id!r}")
    if meeting.cancelled_at is not None:
        return meeting, []
    if len(sessions_of(session, activity_id=activity.id, cancelled=False)) <= 1:
        raise ActivityError(f"session {meeting.id} is the last of activity {activity.id}: cancel the activity")
    meeting.cancelled_at = now
    session.flush()
    _repeat_first_session(session, activity)
    activity.updated_at, activity.version = now, activity.version + 1
    session.flush()
    _index_competences(session, activity)
    audit.record(session, actor_person_id=actor_person_id, action="activity.session_cancelled", subject_type=SUBJECT,
                 subject_id=activity.id, details={"session": meeting.id})
    told = [s.person_id for s in signups_for_activity(session, activity_id=activity.id,
                                                       statuses=[SignupStatus.SIGNED_UP, SignupStatus.WAITING])]
    return meeting, told


def sessions_starting_between(session: Session, *, starts_from: datetime, starts_until: datetime
                              ) -> list[tuple[Activity, ActivitySession]]:
    """Sessions (not cancelled) of published activities starting in [starts_from, starts_until]: what the
    reminder job reminds, each on the working day before it."""
    return list(session.exec(
        select(Activity, ActivitySession).join(ActivitySession, ActivitySession.activity_id == Activity.id)
        .where(Activity.status == ActivityStatus.PUBLISHED, Activity.self_paced.is_(False),
               ActivitySession.cancelled_at.is_(None), ActivitySession.starts_at >= starts_from,
               ActivitySession.starts_at <= starts_until)
        .order_by(ActivitySession.starts_at, ActivitySession.id)))
