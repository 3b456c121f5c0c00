"""Assessments, levels, role profiles and targets in the store, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from store.assessments import (
    EXPIRY, AssessmentClosed, ConcurrentAssessmentChange, assessment_history, expire_if_due,
    finished_assessment_with_previous, in_progress_assessment, is_expired, last_assessment,
    latest_finished_assessment, owned_assessment, save_area_answers, start_assessment, finish_assessment,
)
from dialogs.profile import profile_gaps
from store.models.assessment import Assessment
from store.models.core import utcnow
from store.people import record_sender
from store.role_profiles_csv import SEED_FILE, import_role_profiles
from store.targets import (
    UnknownRole, effective_targets, person_role, role_for_person, set_person_role,
    set_personal_targets,
)

NOW = utcnow()


@pytest.fixture
def people(db):
    with db.session() as session:
        ids = [record_sender(session, tenant_id="t", teams_user_id=f"29:{name}", aad_object_id=f"aad-{name}",
                             name=name, locale="sv-SE", conversation_reference=None).id for name in ("anna", "bo")]
    return ids


def start(session, person_id, *, now=NOW, mode="long", replacing=None):
    return start_assessment(session, person_id=person_id, mode=mode, framework_version="2.2",
                            instrument_version="2026.1", now=now, replacing=replacing)


def finished(db, person_id, levels, *, now):
    with db.session() as session:
        assessment = start(session, person_id, now=now)
        finish_assessment(session, assessment=assessment, levels=levels, now=now)
        return assessment.id


def test_an_area_save_merges_answers_moves_on_and_bumps_the_revision(db, people):
    anna, _ = people
    with db.session() as session:
        assessment = start(session, anna)
        save_area_answers(session, assessment=assessment, answers={"c1_1_f": "2"}, next_area=1, now=NOW)
        save_area_answers(session, assessment=assessment, answers={"c2_1_f": "3"}, next_area=2, now=NOW)
    with db.session() as session:
        stored = session.get(Assessment, assessment.id)
        assert stored.answers == {"c1_1_f": "2", "c2_1_f": "3"}
        assert (stored.area_index, stored.revision, stored.status) == (2, 3, "in_progress")
        assert stored.framework_version == "2.2"


def test_a_save_based_on_an_old_revision_is_refused(db, people):
    anna, _ = people
    with db.session() as session:
        assessment_id = start(session, anna).id
    with db.session() as first, db.session() as second:
        mine = first.get(Assessment, assessment_id)
        theirs = second.get(Assessment, assessment_id)
        save_area_answers(first, assessment=mine, answers={"c1_1_f": "1"}, next_area=1, now=NOW)
        first.commit()
        with pytest.raises(ConcurrentAssessmentChange):
            save_area_answers(second, assessment=theirs, answers={"c1_1_f": "3"}, next_area=1, now=NOW)
    with db.session() as session:
        assert session.get(Assessment, assessment_id).answers == {"c1_1_f": "1"}


def test_a_finished_assessment_is_dated_and_never_changes_again(db, people):
    anna, _ = people
    with db.session() as session:
        assessment = start(session, anna)
        result = finish_assessment(session, assessment=assessment, levels={"1.1": 4, "1.2": None}, now=NOW)
        assert result.finished_at == NOW and result.levels == {"1.1": 4, "1.2": None}
        with pytest.raises(AssessmentClosed):
            save_area_answers(session, assessment=assessment, answers={"c1_1_f": "0"}, next_area=1, now=NOW)
        with pytest.raises(AssessmentClosed):
            finish_assessment(session, assessment=assessment, levels={}, now=NOW)


def test_an_assessment_left_unfinished_for_30_days_expires_when_touched(db, people):
    anna, _ = people
    with db.session() as session:
        assessment = start(session, anna)
        assert not is_expired(assessment, now=NOW + EXPIRY)
        assert is_expired(assessment, now=NOW + EXPIRY + timedelta(seconds=1))
        assert in_progress_assessment(session, person_id=anna, now=NOW + timedelta(days=29)).id == assessment.id
        assert in_progress_assessment(session, person_id=anna, now=NOW + timedelta(days=31)) is None
    with db.session() as session:
        stored = last_assessment(session, person_id=anna)
        assert stored.status == "expired" and stored.closed_at is not None
        assert expire_if_due(session, assessment=stored, now=NOW + timedelta(days=40))


def test_starting_over_closes_the_old_assessment_as_restarted(db, people):
    anna, _ = people
    with db.session() as session:
        old = start(session, anna)
        new = start(session, anna, mode="short", replacing=old)
        assert old.status == "restarted" and new.status == "in_progress"
        assert in_progress_assessment(session, person_id=anna, now=NOW).id == new.id


def test_an_assessment_is_found_only_for_its_owner(db, people):
    anna, bo = people
    with db.session() as session:
        assessment_id = start(session, anna).id
        assert owned_assessment(session, assessment_id=assessment_id, person_id=anna).id == assessment_id
        assert owned_assessment(session, assessment_id=str(assessment_id), person_id=anna) is not None
        assert owned_assessment(session, assessment_id=assessment_id, person_id=bo) is None
        assert owned_assessment(session, assessment_id="x; drop table", person_id=anna) is None
        assert owned_assessment(session, assessment_id=None, person_id=anna) is None


def test_history_and_latest_finished_come_newest_first_with_levels_and_the_previous_one(db, people):
    anna, bo = people
    first = finished(db, anna, {"1.1": 2, "1.2": 3}, now=NOW)
    second = finished(db, anna, {"1.1": 5, "1.2": None}, now=NOW + timedelta(days=90))
    finished(db, bo, {"1.1": 8}, now=NOW + timedelta(days=100))
    with db.session() as session:
        start(session, anna, now=NOW + timedelta(days=120))  # in progress: never in the history
    with db.session() as session:
        history = assessment_history(session, person_id=anna)
        latest = latest_finished_assessment(session, person_id=anna)
        chosen, previous = finished_assessment_with_previous(session, person_id=anna, assessment_id=second)
        oldest, none = finished_assessment_with_previous(session, person_id=anna, assessment_id=first)
        assert finished_assessment_with_previous(session, person_id=bo, assessment_id=first) is None

    assert [r.id for r in history] == [second, first]
    assert latest.id == second and latest.levels == {"1.1": 5, "1.2": None}
    assert latest.finished_at == NOW + timedelta(days=90)
    assert (chosen.id, previous.id, oldest.id, none) == (second, first, first, None)


def test_personal_targets_override_the_role_and_gaps_use_the_latest_levels(db, people):
    anna, bo = people
    with db.session() as session:
        import_role_profiles(session, content=SEED_FILE.read_text(encoding="utf-8"))
    levels = {key: 4 for key in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.1", "3.2", "3.3",
                                 "3.4", "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4")}
    finished(db, anna, {**levels, "1.1": 2, "4.2": None}, now=NOW)
    with db.session() as session:
        assert profile_gaps(session, person_id=anna) == []  # no targets yet
        set_person_role(session, person_id=anna, role_key="bibliotekarie", now=NOW)
        set_personal_targets(session, person_id=anna, targets={"3.4": 7, "1.2": 4}, now=NOW)
    with db.session() as session:
        assert role_for_person(session, anna) == "bibliotekarie" and role_for_person(session, bo) is None
        assert person_role(session, person_id=anna).title("en") == "Librarian"
        targets = effective_targets(session, person_id=anna)
        assert (targets["1.1"].level, targets["1.1"].source) == (6, "role")
        assert (targets["1.2"].level, targets["1.2"].source) == (4, "personal")
        gaps = [(g.competence, g.level, g.target) for g in profile_gaps(session, person_id=anna)]
        assert profile_gaps(session, person_id=bo) == []
    # 1.1: 2 -> 6; 4.2 not relevant counts as 0 -> 5; 3.4 personal 7; 1.2 personal 4 = level: no gap.
    assert gaps[:3] == [("4.2", 0, 5), ("1.1", 2, 6), ("3.4", 4, 7)]
    assert ("1.2", 4, 4) not in gaps and all(g[0] != "1.2" for g in gaps)
    with db.session() as session:
        set_personal_targets(session, person_id=anna, targets={"3.4": None}, now=NOW)
        set_person_role(session, person_id=anna, role_key=None)
    with db.session() as session:
        assert set(effective_targets(session, person_id=anna)) == {"1.2"}
        with pytest.raises(UnknownRole):
            set_person_role(session, person_id=anna, role_key="astronaut")


def test_migration_0004_gives_finished_assessments_scoring_version_1_and_keeps_their_levels(database_url):
    """Assessments scored before the rule changed keep the levels they were given, marked as version 1."""
    from sqlalchemy import text as sql

    from store.db import Database, upgrade

    database = Database(database_url)
    upgrade(database.url, "0003_directory_plan")
    with database.engine.begin() as connection:
        connection.execute(sql("INSERT INTO person (id, tenant_id, created_at) VALUES (1, 't', :now)"),
                           {"now": NOW})
        for assessment_id, status in ((1, "finished"), (2, "in_progress")):
            connection.execute(sql(
                "INSERT INTO assessment (id, person_id, framework_version, instrument_version, mode, status, "
                "area_index, revision, answers, started_at, updated_at) "
                "VALUES (:id, 1, '2.2', '2026.1', 'long', :status, 0, 1, '{}', :now, :now)"),
                {"id": assessment_id, "status": status, "now": NOW})
        connection.execute(sql("INSERT INTO assessment_level (assessment_id, competence, level) "
                               "VALUES (1, '2.1', 7), (1, '2.2', NULL)"))
    database.migrate()
    with database.engine.connect() as connection:
        versions = dict(connection.execute(sql("SELECT id, scoring_version FROM assessment ORDER BY id")).all())
        levels = dict(connection.execute(sql("SELECT competence, level FROM assessment_level")).all())
    database.dispose()
    assert versions == {1: 1, 2: None}, "the one in progress gets the version it is finished with"
    assert levels == {"2.1": 7, "2.2": None}


def test_a_finished_assessment_records_the_scoring_version_it_was_given(db, people):
    anna = people[0]
    with db.session() as session:
        assessment = start_assessment(session, person_id=anna, mode="long", framework_version="2.2",
                                      instrument_version="2026.1", now=NOW)
        finish_assessment(session, assessment=assessment, levels={"1.1": 3}, now=NOW, scoring_version=2)
    with db.session() as session:
        assert latest_finished_assessment(session, person_id=anna).scoring_version == 2
