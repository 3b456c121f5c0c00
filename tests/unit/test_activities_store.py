"""The activity catalogue in the store, on SQLite and PostgreSQL: the all-or-nothing import with row and column,
export and re-import, capacity with a waiting list, declining, completion hours per month, and erasure."""

from __future__ import annotations

import argparse
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.cli import activities as activities_cli
from dialogs.config import DialogConfig
from store import activities
from store.activities_import import DEMO_FILE, import_catalogue, read_catalogue
from store.directory import save_organisation
from store.models.activity import Activity, ActivitySignup, SignupStatus
from store.models.core import Person
from store.privacy import erase_person, export_person

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
TZ = ZoneInfo("Europe/Stockholm")
ORG = "stockholm-kultur"


def _organisation(db) -> int:
    with db.session() as session:
        organisation, _ = save_organisation(session, key=ORG, name="Kulturförvaltningen")
        return organisation.id


def _people(db, count: int) -> list[Person]:
    with db.session() as session:
        people = [Person(tenant_id="t", teams_user_id=f"29:{i}", name=f"Person {i}") for i in range(count)]
        session.add_all(people)
        session.flush()
        return people


def _dated(db, organisation_id: int, *, capacity: int | None = 2, key: str = "mobilfilm") -> int:
    with db.session() as session:
        activity, _ = activities.save_activity(
            session, organisation_id=organisation_id, key=key, now=NOW, status="published",
            values={"title_sv": "Mobilfilm", "format": "course", "competences": "3.1", "level_min": 2, "level_max": 4,
                    "hours": 3.0, "self_paced": False, "starts_at": NOW + timedelta(days=7), "capacity": capacity,
                    "registration_deadline": NOW + timedelta(days=6)})
        return activity.id


def _write(tmp_path, text: str):
    path = tmp_path / "aktiviteter.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_a_broken_row_names_its_row_and_column_and_imports_nothing(db, tmp_path):
    _organisation(db)
    path = _write(tmp_path, "nyckel;titel;format;kompetenser;nivå_från;nivå_till;timmar;start\n"
                            "a1;Mobilfilm;kurs;3.1;2;4;3;2026-04-08 09:00\n"
                            "a2;Canva;pyssel;3.1, 9.9;5;2;tre;2026-13-01\n")
    with db.session() as session:
        report = import_catalogue(session, organisation_key=ORG, table=read_catalogue(path), tz=TZ, now=NOW)
    assert not report.ok
    assert [str(e) for e in report.errors] == [
        "aktiviteter.csv row 3, column competences: not DigComp 2.2 competences: 9.9",
        "aktiviteter.csv row 3, column format: unknown format 'pyssel'; use one of kurs, självstudier, föreläsning, "
        "workshop, webbinarium, nätverk, mentorskap, studiebesök",
        "aktiviteter.csv row 3, column hours: not a number of hours: 'tre'",
        "aktiviteter.csv row 3, column level_max: below the lowest level 5",
        "aktiviteter.csv row 3, column starts_at: not a date and time like 2026-03-18 13:00: '2026-13-01'",
    ]
    with db.session() as session:
        assert session.exec(select(Activity)).all() == [], "the good row was not imported either"


def test_the_cli_prints_each_problem_and_fails(db, tmp_path):
    _organisation(db)
    path = _write(tmp_path, "key;title_sv;format;competences\nx;Titel;kurs;\n")
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(action="import", file=str(path), org=ORG, activity=None, move_dates=False)

    assert activities_cli.run(args, db, DialogConfig(), out=out, err=err, now=NOW) == 1
    assert "REJECTED: 1 problem(s), nothing was imported:" in out.getvalue()
    assert "row 2, column competences: empty: name at least one DigComp competence, e.g. 3.1" in out.getvalue()


def test_the_demo_catalogue_exports_and_imports_again_unchanged(db, tmp_path):
    _organisation(db)
    with db.session() as session:
        report = import_catalogue(session, organisation_key=ORG, table=read_catalogue(DEMO_FILE), tz=TZ, now=NOW)
    assert report.ok and len(report.created) == 45
    out = io.StringIO()
    for suffix in ("csv", "xlsx"):
        exported = tmp_path / f"export.{suffix}"
        args = argparse.Namespace(action="export", file=str(exported), org=ORG, activity=None, move_dates=False)
        assert activities_cli.run(args, db, DialogConfig(), out=out, now=NOW) == 0
        with db.session() as session:
            before = {a.key: a.model_dump(exclude={"updated_at", "version"}) for a in session.exec(select(Activity))}
            again = import_catalogue(session, organisation_key=ORG, table=read_catalogue(exported), tz=TZ, now=NOW)
            after = {a.key: a.model_dump(exclude={"updated_at", "version"}) for a in session.exec(select(Activity))}
        assert again.ok and len(again.updated) == 45 and not again.created, again.lines()
        assert after == before


def test_capacity_then_a_waiting_list_in_order_and_the_first_moves_up_when_a_place_is_freed(db):
    activity_id = _dated(db, _organisation(db), capacity=2)
    first, second, third, fourth = _people(db, 4)
    with db.session() as session:
        outcomes = [activities.sign_up(session, activity_id=activity_id, person=p, now=NOW + timedelta(minutes=i))
                    for i, p in enumerate((first, second, third, fourth))]
    assert [(r.outcome, r.position) for r in outcomes] == [("signed_up", None), ("signed_up", None),
                                                           ("waiting", 1), ("waiting", 2)]
    with db.session() as session:
        again = activities.sign_up(session, activity_id=activity_id, person=fourth, now=NOW)
        assert (again.outcome, again.position) == ("already_waiting", 2)
        cancelled = activities.cancel_signup(session, activity_id=activity_id, person=second, now=NOW)
        assert cancelled.promoted_person_id == third.id
        assert activities.activity_by_id(session, activity_id).places_taken == 2
        fourth_signup = activities.signup_of(session, activity_id=activity_id, person_id=fourth.id)
        assert activities.waiting_position(session, fourth_signup) == 1


def test_sign_up_is_closed_after_the_deadline_and_declining_hides_the_activity(db):
    activity_id = _dated(db, _organisation(db))
    (person,) = _people(db, 1)
    with db.session() as session:
        late = activities.sign_up(session, activity_id=activity_id, person=person, now=NOW + timedelta(days=6, hours=1))
        assert late.outcome == "closed"
        assert activities.decline(session, activity_id=activity_id, person=person, now=NOW)
        signup = activities.signup_of(session, activity_id=activity_id, person_id=person.id)
        assert signup.status == SignupStatus.DECLINED
        # Declined, then changed their mind: signing up still works.
        assert activities.sign_up(session, activity_id=activity_id, person=person, now=NOW).outcome == "signed_up"


def test_hours_are_stored_per_person_and_month_self_paced_now_and_dated_in_the_sessions_month(db):
    organisation_id = _organisation(db)
    dated_id = _dated(db, organisation_id)
    anna, omar = _people(db, 2)
    with db.session() as session:
        self_paced, _ = activities.save_activity(
            session, organisation_id=organisation_id, key="tillganglighet", now=NOW, status="published",
            values={"title_sv": "Tillgänglighet", "format": "elearning", "competences": "3.1", "hours": 2.0,
                    "self_paced": True})
        activities.complete_self_paced(session, activity=self_paced, person=anna, hours=2.5, now=NOW, tz=TZ)
        activities.complete_self_paced(session, activity=self_paced, person=omar, hours=1,
                                       now=datetime(2026, 3, 31, 22, 30, tzinfo=timezone.utc), tz=TZ)
        dated = activities.activity_by_id(session, dated_id)
        activities.confirm_attendance(session, activity=dated, attended_person_ids=[anna.id], confirmed_by_person_id=None,
                                      now=NOW + timedelta(days=30), tz=TZ)
        report = activities.hours_per_person_and_month(session, organisation_id=organisation_id)
    # Omar's 23:30 UTC on 31 March is 1 April in Stockholm; Anna's session was on 17 March.
    assert [(r.person_id, r.month, r.hours, r.activities) for r in report] == [
        (anna.id, "2026-03", 5.5, 2), (omar.id, "2026-04", 1.0, 1)]


def test_erasure_removes_sign_ups_and_hours_and_frees_the_place(db):
    activity_id = _dated(db, _organisation(db), capacity=1)
    anna, omar = _people(db, 2)
    with db.session() as session:
        activities.sign_up(session, activity_id=activity_id, person=anna, now=NOW)
        exported = export_person(session, person_id=anna.id, actor="test")
        assert [s["activity_id"] for s in exported["activity_signups"]] == [activity_id]
        erase_person(session, person_id=anna.id, actor="test")
        assert session.exec(select(ActivitySignup).where(ActivitySignup.person_id == anna.id)).all() == []
        assert activities.sign_up(session, activity_id=activity_id, person=omar, now=NOW).outcome == "signed_up"


def test_the_migration_keeps_existing_plans_and_their_free_text_activities_which_can_then_be_linked(database_url):
    from store.db import Database, upgrade
    from store.models.plan import Plan

    upgrade(database_url, "0003_directory_plan")
    database = Database(database_url)
    try:
        with database.engine.begin() as connection:
            from sqlalchemy import text

            connection.execute(text("INSERT INTO person (tenant_id, teams_user_id, created_at) "
                                    "VALUES ('t', '29:anna', '2026-01-01 00:00:00')"))
            connection.execute(text(
                "INSERT INTO plan (person_id, period, state, version, priorities, goals, activities, created_at, "
                "updated_at, state_changed_at, review_reminders, draft_reminders) VALUES (1, 2026, 'approved', 3, "
                "'[]', 'Mål', 'Kurs i mobilfilm hos Kulturhuset', '2026-01-01', '2026-01-01', '2026-01-01', 0, 0)"))
        database.migrate()
        organisation_id = _organisation(database)
        activity_id = _dated(database, organisation_id)
        with database.session() as session:
            plan = session.exec(select(Plan)).one()
            assert (plan.activities, plan.state, plan.version) == ("Kurs i mobilfilm hos Kulturhuset", "approved", 3)
            assert activities.link_to_plan(session, plan=plan, activity=activities.activity_by_id(session, activity_id),
                                           competence="3.1", actor_person_id=None, now=NOW)
            assert [a.key for _link, a in activities.plan_activities(session, plan_id=plan.id)] == ["mobilfilm"]
    finally:
        database.dispose()


def test_attendance_from_a_csv_gives_hours_and_an_unknown_address_rejects_the_whole_file(db, tmp_path):
    from store.attendance_import import confirm_attendance_file

    organisation_id = _organisation(db)
    _dated(db, organisation_id)
    with db.session() as session:
        session.add(Person(tenant_id="t", teams_user_id="29:a", name="Anna", email="anna@example.se"))
    broken = tmp_path / "narvaro.csv"
    broken.write_text("e-post;timmar\nanna@example.se;2,5\nokand@example.se;\n", encoding="utf-8")
    with db.session() as session:
        report = confirm_attendance_file(session, organisation_key=ORG, activity_key="mobilfilm", path=broken,
                                         now=NOW, tz=TZ)
        assert [str(e) for e in report.errors] == [
            "narvaro.csv row 3, column email: okand@example.se has not used Kompetenslyft"]
        session.rollback()
    good = tmp_path / "narvaro-ok.csv"
    good.write_text("e-post;timmar\nanna@example.se;2,5\n", encoding="utf-8")
    with db.session() as session:
        report = confirm_attendance_file(session, organisation_key=ORG, activity_key="mobilfilm", path=good,
                                         now=NOW, tz=TZ)
        assert report.ok and report.confirmed == 1
        hours = activities.hours_per_person_and_month(session, organisation_id=organisation_id)
    assert [(h.month, h.hours) for h in hours] == [("2026-03", 2.5)]
