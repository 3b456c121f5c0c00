"""Several meetings per activity in the store, on SQLite and PostgreSQL: the migration moves each existing
activity's session into the new table, a file carries further meetings (and an old file without them still
imports and leaves them be), export and import again give the same meetings, and one meeting is cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import select

from store import activities
from store.activities_import import export_rows, import_catalogue, read_catalogue, write_catalogue
from store.models.activity import ActivitySession
from tests.unit.test_activities_store import NOW, ORG, TZ, _dated, _organisation, _write

HEADER = "nyckel;titel;format;kompetenser;timmar;start;slut;plats"


def _meetings(db, key: str = "kurs") -> list[tuple[str, str | None, bool]]:
    with db.session() as session:
        activity = session.exec(select(activities.Activity).where(activities.Activity.key == key)).one()
        return [(activities.aware(m.starts_at).astimezone(TZ).strftime("%Y-%m-%d %H:%M"), m.place,
                 m.cancelled_at is not None) for m in activities.sessions_of(session, activity_id=activity.id)]


def test_the_migration_moves_each_dated_activitys_session_into_the_table_and_leaves_self_paced_ones_without(
        database_url):
    from store.db import Database, upgrade

    upgrade(database_url, "0012_directory_source")
    database = Database(database_url)
    try:
        organisation_id = _organisation(database)  # the organisation's table is as at 0012
        with database.engine.begin() as connection:
            for key, self_paced, start in (("dated", False, "'2026-03-17 12:00:00'"), ("own-pace", True, "NULL")):
                connection.execute(text(
                    "INSERT INTO activity (organisation_id, key, title_sv, format, competences, level_min, level_max,"
                    " roles, hours, self_paced, starts_at, ends_at, place, status, shared, places_taken,"
                    " external_places, version, created_at, updated_at) VALUES (:org, :key, 'T', 'course', '3.1', 1, 8,"
                    f" '', 3, :self_paced, {start}, NULL, 'Stadsbiblioteket', 'published', false, 0, 0, 1,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"), {"key": key, "self_paced": self_paced, "org": organisation_id})
        database.migrate()
        with database.session() as session:
            (moved,) = session.exec(select(ActivitySession)).all()
            assert (activities.aware(moved.starts_at), moved.place, moved.cancelled_at) == (
                datetime(2026, 3, 17, 12, 0, tzinfo=timezone.utc), "Stadsbiblioteket", None)
            assert activities.activity_by_id(session, moved.activity_id).key == "dated"
    finally:
        database.dispose()


def test_a_file_with_further_meetings_imports_them_exports_them_and_imports_its_export_unchanged(db, tmp_path):
    _organisation(db)
    path = _write(tmp_path, f"{HEADER};fler_träffar\n"
                            "kurs;Mobilfilm i tre träffar;kurs;3.1;9;2026-03-17 13:00;2026-03-17 16:00;Stadsbiblioteket;"
                            "2026-03-24 13:00-16:00 | 2026-03-31 13:00-16:00 Kulturhuset\n")
    with db.session() as session:
        assert import_catalogue(session, organisation_key=ORG, table=read_catalogue(path), tz=TZ, now=NOW).ok
    expected = [("2026-03-17 13:00", "Stadsbiblioteket", False), ("2026-03-24 13:00", "Stadsbiblioteket", False),
                ("2026-03-31 13:00", "Kulturhuset", False)]
    assert _meetings(db) == expected

    with db.session() as session:
        rows = export_rows(session, organisation_key=ORG, tz=TZ)
    assert rows[0][-1] == "fler_träffar"
    assert rows[1][-1] == "2026-03-24 13:00-16:00 Stadsbiblioteket | 2026-03-31 13:00-16:00 Kulturhuset"
    exported = tmp_path / "export.xlsx"
    write_catalogue(exported, rows)
    with db.session() as session:
        assert import_catalogue(session, organisation_key=ORG, table=read_catalogue(exported), tz=TZ, now=NOW).ok
    assert _meetings(db) == expected


def test_an_old_file_without_further_meetings_still_imports_and_keeps_the_meetings_after_the_first(db, tmp_path):
    _organisation(db)
    with db.session() as session:
        import_catalogue(session, organisation_key=ORG, now=NOW, tz=TZ, table=read_catalogue(_write(
            tmp_path, f"{HEADER};fler_träffar\nkurs;Mobilfilm;kurs;3.1;9;2026-03-17 13:00;;Stadsbiblioteket;"
                      "2026-03-24 13:00\n")))
    old = tmp_path / "gammal.csv"
    old.write_text(f"{HEADER}\nkurs;Mobilfilm;kurs;3.1;9;2026-03-17 14:00;;Kulturhuset\n", encoding="utf-8")

    with db.session() as session:
        report = import_catalogue(session, organisation_key=ORG, table=read_catalogue(old), tz=TZ, now=NOW)

    assert report.ok and report.updated == ["kurs"]
    assert _meetings(db) == [("2026-03-17 14:00", "Kulturhuset", False), ("2026-03-24 13:00", "Stadsbiblioteket", False)]


def test_a_broken_meeting_names_its_row_and_column_and_imports_nothing(db, tmp_path):
    _organisation(db)
    path = _write(tmp_path, f"{HEADER};fler_träffar\n"
                            "a1;Mobilfilm;kurs;3.1;9;2026-03-17 13:00;;Plats;2026-03-24 13:00\n"
                            "a2;Canva;kurs;3.1;9;2026-03-17 13:00;;Plats;2026-03-24 13:00 | nästa tisdag\n")
    with db.session() as session:
        report = import_catalogue(session, organisation_key=ORG, table=read_catalogue(path), tz=TZ, now=NOW)
        assert [str(e) for e in report.errors] == [
            "aktiviteter.csv row 3, column more_sessions: meeting 2 is not like 2026-03-25 13:00-16:00 Plats: "
            "'nästa tisdag'"]
        session.rollback()
    with db.session() as session:
        assert session.exec(select(ActivitySession)).all() == []


def test_cancelling_one_meeting_keeps_the_others_moves_the_activity_to_its_next_one_and_refuses_the_last(db):
    organisation_id = _organisation(db)
    activity_id = _dated(db, organisation_id)
    first_start = NOW + timedelta(days=7)
    with db.session() as session:
        activity = activities.activity_by_id(session, activity_id)
        activities.set_sessions(session, activity, [activities.SessionValues(first_start + timedelta(days=7))])
        first, second = activities.sessions_of(session, activity_id=activity_id)
        activities.cancel_session(session, activity, session_id=first.id, actor_person_id=None, now=NOW)
        assert activities.aware(activity.starts_at) == first_start + timedelta(days=7), "the next meeting leads"
        with pytest.raises(activities.ActivityError, match="last"):
            activities.cancel_session(session, activity, session_id=second.id, actor_person_id=None, now=NOW)
        assert [m.cancelled_at is not None for m in activities.sessions_of(session, activity_id=activity_id)] == [
            True, False]


def test_an_import_that_moves_a_session_or_adds_places_tells_the_people_signed_up_and_waiting(db, tmp_path):
    import argparse
    import io

    from bot.cli import activities as activities_cli
    from cards.walk import texts
    from dialogs.config import DialogConfig
    from store.models.core import Person
    from store.outbox import messages_for

    _organisation(db)
    first = _write(tmp_path, f"{HEADER};platser\nkurs;Mobilfilm;kurs;3.1;9;2026-03-17 13:00;;Stadsbiblioteket;1\n")
    with db.session() as session:
        import_catalogue(session, organisation_key=ORG, table=read_catalogue(first), tz=TZ, now=NOW)
        anna = Person(tenant_id="t", teams_user_id="29:anna", name="Anna", locale="sv-SE")
        omar = Person(tenant_id="t", teams_user_id="29:omar", name="Omar", locale="en-US")
        session.add_all([anna, omar])
        session.flush()
        activity_id = session.exec(select(activities.Activity.id)).one()
        for person in (anna, omar):
            activities.sign_up(session, activity_id=activity_id, person=person, now=NOW)
    moved = tmp_path / "flyttad.csv"
    moved.write_text(f"{HEADER};platser\nkurs;Mobilfilm;kurs;3.1;9;2026-03-18 13:00;;Kulturhuset;2\n",
                     encoding="utf-8")
    out = io.StringIO()
    args = argparse.Namespace(action="import", file=str(moved), org=ORG, activity=None, move_dates=False)

    assert activities_cli.run(args, db, DialogConfig(), out=out, now=NOW) == 0

    assert "told of a new time or place: 2; moved up from a waiting list: 1" in out.getvalue()
    with db.session() as session:
        to_anna = " ".join(texts(messages_for(session, person_id=anna.id, campaign_prefix="activity-changed")[0].card))
        to_omar = [" ".join(texts(m.card)) for m in messages_for(session, person_id=omar.id)]
    assert "Ändrad tid: 2026-03-18 13:00 (var: 2026-03-17 13:00)" in to_anna
    assert "Ändrad plats: Kulturhuset (var: Stadsbiblioteket)" in to_anna
    assert any("New time: 2026-03-18 13:00 (was: 2026-03-17 13:00)" in text for text in to_omar)
    assert any("You have got a place" in text for text in to_omar)
