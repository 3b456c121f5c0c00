"""The store's report read models on SQLite and PostgreSQL, checked against figures computed by hand
(tests/tab_fixtures.py explains them), the ESF rows, sign-in lookup and the retention of old records."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from dialogs.rules.report_figures import heatmap, participation
from store import plans, reports
from store.models.assessment import Assessment, AssessmentLevel
from store.models.core import AuditEvent
from store.models.plan import Plan, PlanState
from tests.tab_fixtures import ORG_NAME, TENANT, finish, seed_tab_organisation

AT = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
PERIOD = dict(start=datetime(2026, 1, 1, tzinfo=timezone.utc), end=datetime(2027, 1, 1, tzinfo=timezone.utc))


@pytest.fixture
def people(db, tmp_path):
    return seed_tab_organisation(db, tmp_path, assessed_at=AT)


def _org(session):
    from store.directory import organisation_by_key

    return organisation_by_key(session, "stockholm-kultur")


def _by_name(units):
    return {unit.name: unit.id for unit in units.values()}


def test_the_heatmap_shows_medians_and_shares_below_target_and_merges_the_small_unit(db, people):
    with db.session() as session:
        organisation = _org(session)
        units = reports.organisation_units(session, organisation_id=organisation.id)
        flt = reports.ReportFilter(organisation.id, **PERIOD)
        histogram, sizes = reports.level_histogram(session, flt), reports.assessed_by_unit(session, flt)
    ids = _by_name(units)
    parents = {unit.id: unit.parent_id for unit in units.values()}
    by_competence = heatmap(histogram, sizes, parents, columns=["1.1"], column_of={"1.1": "1.1"}, k=5)
    rows = {row.group: row for row in by_competence.rows}
    assert set(rows) == {ids["Stadsbiblioteket"], ids["Kulturhuset"], ids["Kulturförvaltningen"]}
    library, house, admin = rows[ids["Stadsbiblioteket"]], rows[ids["Kulturhuset"]], rows[ids["Kulturförvaltningen"]]
    assert (library.people, library.cells["1.1"].median, library.cells["1.1"].share_below) == (5, 3, 0.6)
    assert (house.people, house.cells["1.1"].median, house.cells["1.1"].share_below) == (5, 6, 0.0)
    assert (admin.people, admin.cells["1.1"].median, admin.cells["1.1"].share_below) == (5, 4, None)
    assert ids["Arkivet"] in admin.members
    by_area = heatmap(histogram, sizes, parents, columns=["1"], column_of={"1.1": "1", "1.2": "1", "1.3": "1"}, k=5)
    area = {row.group: row for row in by_area.rows}[ids["Stadsbiblioteket"]].cells["1"]
    assert (area.median, area.share_below, area.levels) == (3, pytest.approx(0.2), 15)
    # Grouped by area in SQL: the same figures.
    with db.session() as session:
        grouped = reports.level_histogram(session, flt, column_of={"1.1": "1", "1.2": "1", "1.3": "1"})
    in_sql = heatmap(grouped, sizes, parents, columns=["1"], column_of={"1": "1"}, k=5)
    assert {row.group: row.cells for row in in_sql.rows} == {row.group: row.cells for row in by_area.rows}


def test_filters_by_unit_role_and_period_narrow_the_people_counted(db, people):
    with db.session() as session:
        organisation = _org(session)
        units = reports.organisation_units(session, organisation_id=organisation.id)
        ids = _by_name(units)
        library_only = reports.ReportFilter(organisation.id, **PERIOD,
                                            unit_ids=reports.subtree(units, ids["Stadsbiblioteket"]))
        librarians = reports.ReportFilter(organisation.id, **PERIOD, role_key="bibliotekarie")
        last_year = reports.ReportFilter(organisation.id, start=datetime(2025, 1, 1, tzinfo=timezone.utc),
                                         end=PERIOD["start"])
        assert reports.assessed_by_unit(session, library_only) == {ids["Stadsbiblioteket"]: 5}
        assert reports.assessed_by_unit(session, librarians) == {ids["Stadsbiblioteket"]: 5}
        assert reports.assessed_by_unit(session, last_year) == {}
        everything = reports.subtree(units, ids["Kulturförvaltningen"])
        assert everything == frozenset(ids.values())


def test_a_later_assessment_in_the_period_replaces_the_earlier_one(db, people):
    finish(db, people["s1"].person_id, at=AT + timedelta(days=30), levels={"1.1": 8})
    with db.session() as session:
        organisation = _org(session)
        flt = reports.ReportFilter(organisation.id, **PERIOD, role_key="bibliotekarie")
        counts = {(row.level, row.below_target): row.people for row in reports.level_histogram(session, flt)
                  if row.competence == "1.1"}
    assert counts == {(3, True): 2, (4, False): 1, (6, False): 1, (8, False): 1}


def test_participation_counts_assessments_and_plans_per_unit_and_month(db, people):
    anna = people["s1"]
    with db.session() as session:
        plan = plans.create_plan(session, person_id=anna.person_id, period=2026, assessment_id=None, now=AT)
        plans.change_state(session, plan, to=PlanState.SENT, expected_version=plan.version,
                           actor_person_id=anna.person_id, now=AT + timedelta(days=25), sent_at=AT + timedelta(days=25))
        organisation = _org(session)
        units = reports.organisation_units(session, organisation_id=organisation.id)
        flt = reports.ReportFilter(organisation.id, **PERIOD)
        counts, headcount = reports.participation_counts(session, flt), reports.headcount_by_unit(session, flt)
    ids = _by_name(units)
    rows, hidden = participation(counts, headcount, {u.id: u.parent_id for u in units.values()},
                                 kinds=reports.PARTICIPATION_KINDS, k=5)
    table = {(row.group, row.month): row.counts for row in rows}
    assert hidden == 0
    assert table[(ids["Stadsbiblioteket"], "2026-03")] == {"assessments_finished": 5, "plans_sent": 0,
                                                           "plans_approved": 0, "activities_signed_up": 0,
                                                           "activities_done": 0, "hours": 0}
    assert table[(ids["Stadsbiblioteket"], "2026-04")]["plans_sent"] == 1
    # Arkivet has 2 people: its figures count in Kulturförvaltningen (3 + 2 assessments), never on their own.
    assert table[(ids["Kulturförvaltningen"], "2026-03")]["assessments_finished"] == 5
    assert all(row.group != ids["Arkivet"] for row in rows)


def test_participation_counts_standing_sign_ups_activities_done_and_hours_per_unit_and_month(db, people):
    """Worked by hand. Stadsbiblioteket: Anna signs up for a course on 2 March and completes it on 11 March
    (6 h, March), then a self-paced module on 1 April, done on 20 April (2.5 h, April); Sven waits for the
    course (5 March); Stina signs up and cancels (not counted). Kulturhuset: Hugo says "Inte intresserad"
    (not counted), and does a workshop in March (1.5 h) that he signed up for in February, before the period."""
    from store.models.activity import Activity, ActivityHours, ActivitySignup, SignupStatus

    def at(month, day):
        return datetime(2026, month, day, 9, tzinfo=timezone.utc)

    anna, sven, stina, hugo = people["s1"], people["s2"], people["s3"], people["h2"]
    with db.session() as session:
        org = _org(session)
        course = Activity(organisation_id=org.id, key="kurs", format="kurs", competences="3.1",
                          starts_at=at(3, 10), ends_at=at(3, 11))
        module = Activity(organisation_id=org.id, key="modul", format="e-learning", competences="4.2",
                          self_paced=True)
        workshop = Activity(organisation_id=org.id, key="ws", format="workshop", competences="2.4",
                            starts_at=at(3, 20))
        session.add_all([course, module, workshop])
        session.flush()
        signups = [(anna, course, SignupStatus.COMPLETED, at(3, 2), at(3, 11)),
                   (anna, module, SignupStatus.COMPLETED, at(4, 1), at(4, 20)),
                   (sven, course, SignupStatus.WAITING, at(3, 5), None),
                   (stina, course, SignupStatus.CANCELLED, at(3, 6), None),
                   (hugo, module, SignupStatus.DECLINED, at(3, 7), None),
                   (hugo, workshop, SignupStatus.COMPLETED, at(2, 25), at(3, 20))]
        session.add_all([ActivitySignup(activity_id=activity.id, person_id=who.person_id, status=status,
                                        signed_up_at=signed_up, completed_at=done)
                         for who, activity, status, signed_up, done in signups])
        session.add_all([ActivityHours(person_id=who.person_id, activity_id=activity.id, organisation_id=org.id,
                                       month=month, hours=hours)
                         for who, activity, month, hours in [(anna, course, "2026-03", 6),
                                                             (anna, module, "2026-04", 2.5),
                                                             (hugo, workshop, "2026-03", 1.5)]])
    with db.session() as session:
        organisation = _org(session)
        units = reports.organisation_units(session, organisation_id=organisation.id)
        march_on = reports.ReportFilter(organisation.id, start=at(3, 1).replace(day=1, hour=0),
                                        end=PERIOD["end"])
        counts, headcount = reports.participation_counts(session, march_on), reports.headcount_by_unit(session, march_on)
    ids = _by_name(units)
    rows, _ = participation(counts, headcount, {u.id: u.parent_id for u in units.values()},
                            kinds=reports.PARTICIPATION_KINDS, k=5)
    table = {(row.group, row.month): row.counts for row in rows}
    activity_kinds = ("activities_signed_up", "activities_done", "hours")
    assert [table[(ids["Stadsbiblioteket"], "2026-03")][kind] for kind in activity_kinds] == [2, 1, 6]
    assert [table[(ids["Stadsbiblioteket"], "2026-04")][kind] for kind in activity_kinds] == [1, 1, 2.5]
    assert [table[(ids["Kulturhuset"], "2026-03")][kind] for kind in activity_kinds] == [0, 1, 1.5]
    assert table[(ids["Stadsbiblioteket"], "2026-03")]["assessments_finished"] == 5
    assert all(isinstance(c.count, int) for c in counts if c.kind != "hours")


def test_esf_rows_are_one_per_participant_and_month_with_the_hours_of_that_month(db, people):
    anna, hugo = people["s1"], people["h2"]

    def hours(session, organisation_id, start, end):
        return {
            anna.person_id: reports.PersonActivity(date(2026, 2, 3), date(2026, 4, 20), {
                date(2026, 2, 1): Decimal("3.5"), date(2026, 3, 1): Decimal("6"), date(2026, 4, 1): Decimal("2")}),
            hugo.person_id: reports.PersonActivity(date(2025, 11, 5), None, {date(2026, 3, 1): Decimal("1.5")}),
        }

    with db.session() as session:
        rows = reports.esf_rows(session, organisation=_org(session), start=date(2026, 3, 1), end=date(2026, 4, 30),
                                hours=hours)
    assert [(r["name"], r["month"], r["hours"], r["start_date"], r["end_date"]) for r in rows] == [
        ("Anna Lindberg", "2026-03", Decimal("6"), "2026-02-03", "2026-04-20"),
        ("Anna Lindberg", "2026-04", Decimal("2"), "2026-02-03", "2026-04-20"),
        ("Hugo Lind", "2026-03", Decimal("1.5"), "2025-11-05", ""),
    ]
    assert {r["unit"] for r in rows} == {"Stadsbiblioteket", "Kulturhuset"} and rows[0]["organisation"] == ORG_NAME
    assert rows[0]["person_id"] == anna.person_id and rows[0]["role"] == "Bibliotekarie"


def test_the_esf_export_sums_the_hours_recorded_for_activities_by_person_and_month(db, people):
    """Worked by hand: Anna did a dated course in March (6 h) and a self-paced module marked done in April
    (2.5 h); Hugo a dated workshop in February only. March to April: Anna's two months; Hugo has no row."""
    from datetime import datetime, timezone

    from store.models.activity import Activity, ActivityHours

    anna, hugo = people["s1"], people["h2"]
    with db.session() as session:
        org = _org(session)
        course = Activity(organisation_id=org.id, key="kurs", format="kurs", competences="3.1",
                          starts_at=datetime(2026, 3, 10, 8, tzinfo=timezone.utc),
                          ends_at=datetime(2026, 3, 11, 15, tzinfo=timezone.utc))
        module = Activity(organisation_id=org.id, key="modul", format="e-learning", competences="4.2",
                          self_paced=True)
        workshop = Activity(organisation_id=org.id, key="ws", format="workshop", competences="2.4",
                            starts_at=datetime(2026, 2, 2, 8, tzinfo=timezone.utc))
        session.add_all([course, module, workshop])
        session.flush()
        session.add_all([
            ActivityHours(person_id=anna.person_id, activity_id=course.id, organisation_id=org.id, month="2026-03",
                          hours=6, recorded_at=datetime(2026, 3, 12, tzinfo=timezone.utc)),
            ActivityHours(person_id=anna.person_id, activity_id=module.id, organisation_id=org.id, month="2026-04",
                          hours=2.5, recorded_at=datetime(2026, 4, 20, 9, tzinfo=timezone.utc)),
            ActivityHours(person_id=hugo.person_id, activity_id=workshop.id, organisation_id=org.id,
                          month="2026-02", hours=3, recorded_at=datetime(2026, 2, 3, tzinfo=timezone.utc)),
        ])
    with db.session() as session:
        rows = reports.esf_rows(session, organisation=_org(session), start=date(2026, 3, 1), end=date(2026, 4, 30))
    assert [(r["name"], r["month"], r["hours"], r["start_date"], r["end_date"]) for r in rows] == [
        ("Anna Lindberg", "2026-03", Decimal("6"), "2026-03-10", "2026-04-20"),
        ("Anna Lindberg", "2026-04", Decimal("2.5"), "2026-03-10", "2026-04-20"),
    ]


def test_sign_in_finds_the_directory_entry_by_object_id_then_by_upn(db, people):
    maria = people["maria"]
    with db.session() as session:
        assert reports.entry_for_sign_in(session, tenant_id=TENANT, aad_object_id=maria.aad_object_id.upper(),
                                         upn=None).id == maria.entry_id
        assert reports.entry_for_sign_in(session, tenant_id=TENANT, aad_object_id="unknown",
                                         upn=maria.email.upper()).id == maria.entry_id
        assert reports.entry_for_sign_in(session, tenant_id="another-tenant", aad_object_id=maria.aad_object_id,
                                         upn=maria.email) is None


def test_retention_deletes_old_assessments_and_plans_and_says_so_in_the_audit_trail(db, people):
    anna = people["s1"]
    old = AT - timedelta(days=6 * 365)
    old_id = finish(db, anna.person_id, at=old, levels={"1.1": 1})
    with db.session() as session:
        old_plan = plans.create_plan(session, person_id=anna.person_id, period=2020, assessment_id=old_id, now=old)
        new_plan = plans.create_plan(session, person_id=anna.person_id, period=2026, assessment_id=old_id, now=AT)
        result = reports.delete_old_records(session, cutoff=reports.years_before(AT, 5), now=AT, actor="test")
    assert (result.assessments, result.assessment_levels, result.plans, result.people) == (1, 1, 1, 1)
    with db.session() as session:
        assert session.get(Assessment, old_id) is None and session.get(Plan, old_plan.id) is None
        assert session.get(Plan, new_plan.id).assessment_id is None
        assert session.exec(select(AssessmentLevel).where(AssessmentLevel.assessment_id == old_id)).all() == []
        kept = session.exec(select(Assessment).where(Assessment.person_id == anna.person_id)).all()
        assert len(kept) == 1 and kept[0].finished_at is not None
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "retention.deleted")).one()
        assert event.details["assessments"] == 1 and event.details["plans"] == 1 and event.details["by"] == "test"


@pytest.mark.parametrize("years, left", [(5, 2), (3, 1)])
def test_the_nightly_job_keeps_what_is_younger_than_the_configured_years(db, people, years, left):
    from dialogs.clock import ManualClock
    from dialogs.config import DialogConfig
    from scheduler.jobs import JobContext, delete_expired_records

    anna = people["s1"]
    finish(db, anna.person_id, at=AT - timedelta(days=6 * 365), levels={"1.1": 1})
    finish(db, anna.person_id, at=AT - timedelta(days=4 * 365), levels={"1.1": 2})
    delete_expired_records(JobContext(db, ManualClock(AT), DialogConfig(retention_years=years)))
    with db.session() as session:
        kept = session.exec(select(Assessment).where(Assessment.person_id == anna.person_id)).all()
    assert len(kept) == left  # this year's assessment always stays
