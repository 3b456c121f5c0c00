"""Read models for the organisation views of the tab and the exports: counts straight from SQL, small enough
to carry to Python (at most units × competences × levels rows), and the retention of old records.

The heatmap reads a histogram (unit, competence, level, below the role target?) -> people, so that medians
and shares can be computed after groups below the anonymity threshold are merged (histograms add up,
medians do not). Months are calendar months in UTC on both backends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import and_, delete, func, literal, literal_column, or_, union_all, update
from sqlmodel import Session, select

from store import audit, level_summary
from store.models.activity import Activity, ActivityHours, ActivitySignup, SignupStatus
from store.models.assessment import (
    Assessment, AssessmentLevel, AssessmentStatus, LevelSummary, PersonRole, RoleTarget,
)
from store.models.broadcast import Broadcast
from store.models.core import Person
from store.models.directory import DirectoryEntry, DirectoryRole, Organisation, Unit
from store.models.plan import Plan, PlanComment, PlanVersion


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    parent_id: int | None


@dataclass(frozen=True)
class ReportFilter:
    """Which people and which period a view covers; `unit_ids` None = the whole organisation."""

    organisation_id: int
    start: datetime
    end: datetime  # exclusive
    unit_ids: frozenset[int] | None = None
    role_key: str | None = None


class LevelCount(NamedTuple):
    """A named tuple rather than a frozen dataclass: a year's heatmap makes 80,000 of them (0.3 µs each, not 7)."""

    unit_id: int | None
    competence: str  # or the column it was grouped under (level_histogram column_of), e.g. the area
    level: int
    below_target: bool | None  # None: the person's role has no target for this competence
    people: int


class MonthCount(NamedTuple):
    unit_id: int | None
    month: str  # "2026-03"
    kind: str  # one of PARTICIPATION_KINDS
    count: int | float  # hours are a number of hours, rounded to a tenth; the other kinds count events


# ---- the directory side -------------------------------------------------------------------------------------

def organisation_units(session: Session, *, organisation_id: int) -> dict[int, UnitInfo]:
    rows = session.exec(select(Unit.id, Unit.code, Unit.name, Unit.parent_id)
                        .where(Unit.organisation_id == organisation_id))
    return {row[0]: UnitInfo(*row) for row in rows}


def subtree(units: dict[int, UnitInfo], root_id: int) -> frozenset[int]:
    """The unit and every unit below it."""
    children: dict[int | None, list[int]] = {}
    for unit in units.values():
        children.setdefault(unit.parent_id, []).append(unit.id)
    found, todo = set(), [root_id]
    while todo:
        unit_id = todo.pop()
        if unit_id in found:
            continue
        found.add(unit_id)
        todo += children.get(unit_id, [])
    return frozenset(found)


def organisation_roles(session: Session, *, organisation_id: int) -> list[tuple[str, str]]:
    """(key, name) of the organisation's directory roles, by name."""
    return list(session.exec(select(DirectoryRole.key, DirectoryRole.name)
                             .where(DirectoryRole.organisation_id == organisation_id)
                             .order_by(DirectoryRole.name)).all())


def _people(flt: ReportFilter, person_column) -> list:
    """Conditions that keep the filter's people: active entries of the organisation, unit and role."""
    conditions = [DirectoryEntry.person_id == person_column, DirectoryEntry.organisation_id == flt.organisation_id,
                  DirectoryEntry.active]
    if flt.unit_ids is not None:
        conditions.append(DirectoryEntry.unit_id.in_(sorted(flt.unit_ids)))
    if flt.role_key:
        conditions.append(DirectoryEntry.role_id.in_(
            select(DirectoryRole.id).where(DirectoryRole.organisation_id == flt.organisation_id,
                                           DirectoryRole.key == flt.role_key)))
    return conditions


def headcount_by_unit(session: Session, flt: ReportFilter) -> dict[int | None, int]:
    """Active people in the directory per unit (the size of a group for participation figures)."""
    conditions = [c for c in _people(flt, DirectoryEntry.person_id)[1:]]
    rows = session.exec(select(DirectoryEntry.unit_id, func.count()).where(*conditions)
                        .group_by(DirectoryEntry.unit_id))
    return {unit_id: count for unit_id, count in rows}


# ---- the competence heatmap ---------------------------------------------------------------------------------

HEATMAP_WORK_MEM = "32MB"


def _latest_levels_by_group(session: Session, flt: ReportFilter) -> list[tuple[int | None, int | None, int, str]]:
    """(unit id, role profile id, people, their levels' tokens) per unit and role profile, from each filtered
    person's latest assessment finished in the period: a summary row (store/level_summary.py) finished in the
    period and not superseded before its end. PostgreSQL joins 50,000 narrow rows and hands over a few
    thousand; no anti-join, no per-level row."""
    statement = (
        select(DirectoryEntry.unit_id, PersonRole.role_profile_id, func.count(),
               func.aggregate_strings(LevelSummary.levels, " "))
        .select_from(LevelSummary)
        .join(DirectoryEntry, and_(*_people(flt, LevelSummary.person_id)))
        .outerjoin(PersonRole, PersonRole.person_id == LevelSummary.person_id)
        .where(LevelSummary.finished_at >= flt.start, LevelSummary.finished_at < flt.end,
               or_(LevelSummary.superseded_at.is_(None), LevelSummary.superseded_at >= flt.end))
        .group_by(DirectoryEntry.unit_id, PersonRole.role_profile_id)
    )
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A year of 50,000 people's level texts is ~7 MB: with the default 4 MB work_mem PostgreSQL sorts them
        # on disk to group them; with room it hashes them in memory (bench/reports.py). For this transaction.
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{HEATMAP_WORK_MEM}'")
    return list(connection.execute(statement))  # Core: plain rows, no ORM


class _Codes(dict):
    """Token ("1.1=3") -> the index of its (column, level, below target) key, for one role profile: a dict so
    that the counting runs in C (Counter.update over map(codes.__getitem__, tokens)); filled on first sight."""

    def __init__(self, role_profile_id, keys: dict, targets: Mapping, column_of: Mapping[str, str] | None):
        super().__init__()
        self.role_profile_id, self.keys, self.targets, self.column_of = role_profile_id, keys, targets, column_of

    def __missing__(self, token: str) -> int:
        competence, level = level_summary.decode_token(token)
        column = competence if self.column_of is None else self.column_of.get(competence)
        target = self.targets.get((self.role_profile_id, competence))
        key = (column, level, None if target is None else level < target)
        code = self[token] = self.keys.setdefault(key, len(self.keys))
        return code


def heatmap_counts(session: Session, flt: ReportFilter, *, column_of: Mapping[str, str] | None = None
                   ) -> tuple[dict[int | None, dict[tuple[str | None, int, bool | None], int]], dict[int | None, int]]:
    """The heatmap's two inputs in one read: per unit, people per (competence, level, below their role's
    target: None when the role has none) from each person's latest finished assessment in the period (levels
    marked not relevant left out), and the people so assessed per unit (the size of a group). With
    `column_of` (competence -> column, e.g. its area) the levels are counted by that column instead (None for
    a competence it does not name). dialogs/rules/report_figures.heatmap takes both as they are.

    Reads the summary rows' levels joined per unit and role profile (store/level_summary.py) and counts their
    tokens with Counter, in C; the role's targets come from role_target as the person's role is now."""
    sizes: dict[int | None, int] = {}
    groups = _latest_levels_by_group(session, flt)
    for unit_id, _, people, _ in groups:
        sizes[unit_id] = sizes.get(unit_id, 0) + people
    targets = {(role, competence): target for role, competence, target in session.connection().execute(
        select(RoleTarget.role_profile_id, RoleTarget.competence, RoleTarget.target))}
    keys: dict[tuple, int] = {}
    codes: dict[int | None, _Codes] = {}
    counts: dict[int | None, Counter] = {}
    for unit_id, role_profile_id, _, levels in groups:
        table = codes.get(role_profile_id)
        if table is None:
            table = codes[role_profile_id] = _Codes(role_profile_id, keys, targets, column_of)
        counts.setdefault(unit_id, Counter()).update(map(table.__getitem__, (levels or "").split()))
    key_of = list(keys)
    histogram = {unit_id: {key_of[code]: people for code, people in counter.items()}
                 for unit_id, counter in counts.items()}
    return histogram, sizes


def level_histogram(session: Session, flt: ReportFilter, *, column_of: Mapping[str, str] | None = None
                    ) -> list[LevelCount]:
    """The histogram of heatmap_counts as rows."""
    return [LevelCount(unit_id, *key, people)
            for unit_id, counts in heatmap_counts(session, flt, column_of=column_of)[0].items()
            for key, people in counts.items()]


def assessed_by_unit(session: Session, flt: ReportFilter) -> dict[int | None, int]:
    """People with a finished assessment in the period, per unit (the size of a heatmap group)."""
    return heatmap_counts(session, flt)[1]


# ---- participation ------------------------------------------------------------------------------------------

ASSESSMENTS_FINISHED = "assessments_finished"
PLANS_SENT = "plans_sent"
PLANS_APPROVED = "plans_approved"


def _month(session: Session, column):
    """(the month to group by, the month as "2026-03" from it): on PostgreSQL the rows are grouped by
    date_trunc and only each group's month is formatted (to_char on every row was a tenth of the query)."""
    if session.get_bind().dialect.name == "postgresql":
        start = func.date_trunc(literal_column("'month'"), func.timezone(literal_column("'UTC'"), column))
        return start, func.to_char(start, literal_column("'YYYY-MM'"))
    month = func.strftime("%Y-%m", column)
    return month, month


def _monthly(session: Session, flt: ReportFilter, *, kind: str, moment, person_column, extra=()):
    """(unit id, month, kind, count) per unit and month of `moment`, as a statement to union with the others."""
    group, month = _month(session, moment)
    return (select(DirectoryEntry.unit_id, month.label("month"), literal(kind).label("kind"),
                   func.count().label("count"))
            .select_from(person_column.table)
            .join(DirectoryEntry, and_(*_people(flt, person_column)))
            .where(moment >= flt.start, moment < flt.end, *extra)
            .group_by(DirectoryEntry.unit_id, group))


def _assessments_finished(session: Session, flt: ReportFilter):
    return _monthly(session, flt, kind=ASSESSMENTS_FINISHED, moment=Assessment.finished_at,
                    person_column=Assessment.person_id, extra=(Assessment.status == AssessmentStatus.FINISHED,))


def _plans_sent(session: Session, flt: ReportFilter):
    return _monthly(session, flt, kind=PLANS_SENT, moment=Plan.sent_at, person_column=Plan.person_id)


def _plans_approved(session: Session, flt: ReportFilter):
    return _monthly(session, flt, kind=PLANS_APPROVED, moment=Plan.approved_at, person_column=Plan.person_id)


ACTIVITIES_SIGNED_UP = "activities_signed_up"
ACTIVITIES_DONE = "activities_done"
HOURS = "hours"

# A sign-up counts in the month it was made while it stands (a place, the waiting list, or done); one the
# person cancelled or declined ("Inte intresserad") does not.
_STANDING_SIGNUPS = (SignupStatus.SIGNED_UP, SignupStatus.WAITING, SignupStatus.COMPLETED)


def _activities_signed_up(session: Session, flt: ReportFilter):
    return _monthly(session, flt, kind=ACTIVITIES_SIGNED_UP, moment=ActivitySignup.signed_up_at,
                    person_column=ActivitySignup.person_id, extra=(ActivitySignup.status.in_(_STANDING_SIGNUPS),))


def _activities_done(session: Session, flt: ReportFilter):
    return _monthly(session, flt, kind=ACTIVITIES_DONE, moment=ActivitySignup.completed_at,
                    person_column=ActivitySignup.person_id,
                    extra=(ActivitySignup.status == SignupStatus.COMPLETED,))


def _hours(session: Session, flt: ReportFilter):
    """Hours by the month they were recorded for (the organisation's local month, as the ESF report counts
    them), summed per unit: the months the period touches."""
    first, last = flt.start.strftime("%Y-%m"), (flt.end - timedelta(microseconds=1)).strftime("%Y-%m")
    return (select(DirectoryEntry.unit_id, ActivityHours.month.label("month"), literal(HOURS).label("kind"),
                   func.sum(ActivityHours.hours).label("count"))
            .select_from(ActivityHours.__table__)
            .join(DirectoryEntry, and_(*_people(flt, ActivityHours.person_id)))
            .where(ActivityHours.month >= first, ActivityHours.month <= last)
            .group_by(DirectoryEntry.unit_id, ActivityHours.month))


# Each source is a function (session, filter) -> a select of (unit_id, month, kind, count); all run as one
# UNION ALL. The tab shows one column per kind, in this order, with the strings tab.kind.<kind>.
PARTICIPATION_SOURCES: tuple[tuple[str, Callable[[Session, ReportFilter], Any]], ...] = (
    (ASSESSMENTS_FINISHED, _assessments_finished),
    (PLANS_SENT, _plans_sent),
    (PLANS_APPROVED, _plans_approved),
    (ACTIVITIES_SIGNED_UP, _activities_signed_up),
    (ACTIVITIES_DONE, _activities_done),
    (HOURS, _hours),
)
PARTICIPATION_KINDS = tuple(kind for kind, _ in PARTICIPATION_SOURCES)


def participation_counts(session: Session, flt: ReportFilter) -> list[MonthCount]:
    """Every source's counts per unit and month, in one round trip."""
    statement = union_all(*(source(session, flt) for _, source in PARTICIPATION_SOURCES))
    # PostgreSQL gives the union one type, double precision, because of the hours' sum: counts back to int.
    return [MonthCount(unit_id, month, kind, round(count, 1) if kind == HOURS else int(count))
            for unit_id, month, kind, count in session.connection().execute(statement).fetchall()]


# ---- a manager's reports ------------------------------------------------------------------------------------

def latest_levels(session: Session, person_ids: Iterable[int]) -> dict[int, tuple[datetime, dict[str, int | None]]]:
    """Per person: (finished_at, level per competence) of their latest finished assessment; two queries."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    ranked = (select(Assessment.id, Assessment.person_id, Assessment.finished_at,
                     func.row_number().over(partition_by=Assessment.person_id,
                                            order_by=(Assessment.finished_at.desc(), Assessment.id.desc()))
                     .label("rank"))
              .where(Assessment.person_id.in_(ids), Assessment.status == AssessmentStatus.FINISHED)).subquery()
    latest = {assessment_id: (person_id, finished_at) for assessment_id, person_id, finished_at, _ in
              session.execute(select(ranked).where(ranked.c.rank == 1))}
    result: dict[int, tuple[datetime, dict[str, int | None]]] = {
        person_id: (finished_at, {}) for person_id, finished_at in latest.values()}
    if latest:
        for assessment_id, competence, level in session.exec(
                select(AssessmentLevel.assessment_id, AssessmentLevel.competence, AssessmentLevel.level)
                .where(AssessmentLevel.assessment_id.in_(list(latest)))):
            result[latest[assessment_id][0]][1][competence] = level
    return result


# ---- the ESF participant report -----------------------------------------------------------------------------

@dataclass
class PersonActivity:
    """One participant's activities as the ESF report needs them."""

    first_activity: date  # the start date in the report
    last_activity: date | None  # the end date, unless the person left the organisation earlier
    hours_by_month: dict[date, Decimal] = field(default_factory=dict)  # first day of month -> hours done


def hours_by_person_month(session: Session, organisation_id: int, start: date, end: date) -> dict[int, PersonActivity]:
    """Person id -> their learning activities, for people of the organisation (the ESF participant report).

    `hours_by_month` holds the months from `start` to `end` (inclusive dates) with hours done, keyed by the first
    day of the month; `first_activity`/`last_activity` span all time: the ESF start and end dates. An activity's
    date is its session's (start, end) when it has one, else the day it was marked done (self-paced). Hours are
    counted in the month store.activities recorded them for (the session's month, or the month marked done)."""
    rows = session.exec(
        select(ActivityHours.person_id, ActivityHours.month, ActivityHours.hours, Activity.starts_at,
               Activity.ends_at, ActivityHours.recorded_at)
        .join(Activity, Activity.id == ActivityHours.activity_id)
        .where(ActivityHours.organisation_id == organisation_id))
    first_month = start.replace(day=1)
    found: dict[int, PersonActivity] = {}
    for person_id, month, hours, starts_at, ends_at, recorded_at in rows:
        began = (starts_at or recorded_at).date()
        ended = (ends_at or starts_at or recorded_at).date()
        record = found.get(person_id)
        if record is None:
            record = found[person_id] = PersonActivity(began, ended)
        record.first_activity = min(record.first_activity, began)
        record.last_activity = max(record.last_activity or ended, ended)
        month_start = date(int(month[:4]), int(month[5:7]), 1)
        if first_month <= month_start <= end:
            record.hours_by_month[month_start] = record.hours_by_month.get(month_start, Decimal(0)) + \
                Decimal(str(hours))
    return {person_id: record for person_id, record in found.items() if record.hours_by_month}


ESF_COLUMNS = ("person_id", "name", "email", "organisation", "unit", "role", "start_date", "end_date", "month",
               "hours")


def esf_rows(session: Session, *, organisation: Organisation, start: date, end: date,
             hours: Callable[[Session, int, date, date], dict[int, PersonActivity]] = hours_by_person_month
             ) -> list[dict[str, Any]]:
    """One row per participant and month with hours in [start, end]: ESF project 22-043-S01's participant
    report (deltagarrapport: participant, start and end of participation, hours per month)."""
    activity = hours(session, organisation.id, start, end)
    if not activity:
        return []
    entries = {row.person_id: row for row in session.exec(
        select(DirectoryEntry).where(DirectoryEntry.organisation_id == organisation.id,
                                     DirectoryEntry.person_id.in_(sorted(activity))))}
    units = dict(session.exec(select(Unit.id, Unit.name).where(Unit.organisation_id == organisation.id)).all())
    roles = dict(session.exec(select(DirectoryRole.id, DirectoryRole.name)
                              .where(DirectoryRole.organisation_id == organisation.id)).all())
    names = dict(session.exec(select(Person.id, Person.name).where(Person.id.in_(sorted(activity)))).all())
    rows = []
    for person_id in sorted(activity, key=lambda pid: ((entries[pid].name if pid in entries else names.get(pid))
                                                        or "", pid)):
        record, entry = activity[person_id], entries.get(person_id)
        end_date = record.last_activity
        if entry is not None and entry.left_at is not None:
            left = entry.left_at.date()
            end_date = min(end_date, left) if end_date else left
        for month in sorted(record.hours_by_month):
            if not (date(start.year, start.month, 1) <= month <= end) or not record.hours_by_month[month]:
                continue
            rows.append({
                "person_id": person_id,
                "name": entry.name if entry else (names.get(person_id) or ""),
                "email": entry.email if entry else "",
                "organisation": organisation.name,
                "unit": units.get(entry.unit_id, "") if entry else "",
                "role": roles.get(entry.role_id, "") if entry else "",
                "start_date": record.first_activity.isoformat(),
                "end_date": end_date.isoformat() if end_date else "",
                "month": month.strftime("%Y-%m"),
                "hours": record.hours_by_month[month],
            })
    return rows


# ---- retention ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionResult:
    assessments: int
    assessment_levels: int
    plans: int
    plan_versions: int
    plan_comments: int
    people: int


def delete_old_records(session: Session, *, cutoff: datetime, now: datetime, actor: str) -> RetentionResult:
    """Deletes assessments closed (finished, expired or restarted) before `cutoff` and plans last changed
    before it, with their levels, versions and comments; newer plans drafted from a deleted assessment keep
    their own copy of its levels (plan.priorities) and lose only the link. One audit event says how many."""
    old_assessments = select(Assessment.id).where(
        or_(and_(Assessment.status == AssessmentStatus.FINISHED, Assessment.finished_at < cutoff),
            and_(Assessment.status.in_([AssessmentStatus.EXPIRED, AssessmentStatus.RESTARTED]),
                 Assessment.closed_at < cutoff)))
    old_plans = select(Plan.id).where(Plan.state_changed_at < cutoff, Plan.updated_at < cutoff)
    people = set(session.exec(select(Assessment.person_id).where(Assessment.id.in_(old_assessments))).all())
    people |= set(session.exec(select(Plan.person_id).where(Plan.id.in_(old_plans))).all())
    counts = {
        "plan_comments": session.execute(delete(PlanComment).where(PlanComment.plan_id.in_(old_plans))).rowcount,
        "plan_versions": session.execute(delete(PlanVersion).where(PlanVersion.plan_id.in_(old_plans))).rowcount,
        "plans": session.execute(delete(Plan).where(Plan.id.in_(old_plans))).rowcount,
    }
    session.execute(update(Plan).where(Plan.assessment_id.in_(old_assessments)).values(assessment_id=None))
    counts["assessment_levels"] = session.execute(
        delete(AssessmentLevel).where(AssessmentLevel.assessment_id.in_(old_assessments))).rowcount
    # The heatmap's summary row goes with its levels (not counted apart: it is a copy of them).
    session.execute(delete(LevelSummary).where(LevelSummary.assessment_id.in_(old_assessments)))
    counts["assessments"] = session.execute(delete(Assessment).where(Assessment.id.in_(old_assessments))).rowcount
    session.flush()
    result = RetentionResult(people=len(people), **{key: value or 0 for key, value in counts.items()})
    audit.record(session, actor_person_id=None, action="retention.deleted", subject_type="retention",
                 details={"by": actor, "cutoff": cutoff.isoformat(), "at": now.isoformat(),
                          **result.__dict__})
    return result


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)



# ---- who opened the tab -------------------------------------------------------------------------------------

def entry_for_sign_in(session: Session, *, tenant_id: str, aad_object_id: str, upn: str | None
                      ) -> DirectoryEntry | None:
    """The active directory entry of a signed-in person: by AAD object id, else by UPN or e-mail, in the
    organisations of their tenant (or of no stated tenant)."""
    organisations = select(Organisation.id).where(or_(Organisation.tenant_id == tenant_id,
                                                      Organisation.tenant_id.is_(None)))
    base = select(DirectoryEntry).where(DirectoryEntry.active, DirectoryEntry.organisation_id.in_(organisations))
    entry = session.exec(base.where(func.lower(DirectoryEntry.aad_object_id) == aad_object_id.lower())
                         .order_by(DirectoryEntry.id)).first()
    if entry is None and upn:
        address = upn.strip().lower()
        entry = session.exec(base.where(or_(DirectoryEntry.email == address, DirectoryEntry.upn == address))
                             .order_by(DirectoryEntry.id)).first()
    return entry


def local_identities(session: Session, *, limit: int = 50) -> list[tuple[int, str, str]]:
    """(entry id, name, organisation key) of active directory entries: whom local dev mode lets you be."""
    return list(session.exec(
        select(DirectoryEntry.id, DirectoryEntry.name, Organisation.key)
        .join(Organisation, Organisation.id == DirectoryEntry.organisation_id)
        .where(DirectoryEntry.active).order_by(Organisation.key, DirectoryEntry.name).limit(limit)).all())


def stored_counts(session: Session, *, person_id: int) -> tuple[int, int]:
    """(finished assessments, plans) stored about the person: what the "mina uppgifter" card names."""
    assessments = session.exec(select(func.count()).select_from(Assessment).where(
        Assessment.person_id == person_id, Assessment.status == AssessmentStatus.FINISHED)).one()
    plan_count = session.exec(select(func.count()).select_from(Plan).where(Plan.person_id == person_id)).one()
    return assessments, plan_count


# ---- broadcasts ---------------------------------------------------------------------------------------------

def broadcasts_in_period(session: Session, *, organisation_id: int, start: datetime, end: datetime,
                         limit: int = 500) -> list[Any]:
    """The organisation's broadcasts confirmed in [start, end), newest first (their delivery figures come from
    store.broadcasts.delivery_counts, as on the report card)."""
    return list(session.exec(select(Broadcast).where(Broadcast.organisation_id == organisation_id,
                                                     Broadcast.created_at >= start, Broadcast.created_at < end)
                             .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)))
