"""The heatmap's summary table (store/level_summary.py, migration 0014) stays the same as the assessments and
their levels on every write path, on SQLite and PostgreSQL: finishing an assessment (also one dated before an
earlier one), a manager agreeing levels in a plan (which the heatmap does not read), the retention job and the
erasure of a person; and the migration fills it from existing assessments exactly as the bot writes it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import select

from store import level_summary, plans, reports
from store.db import alembic_config, downgrade, upgrade
from store.directory import organisation_by_key
from store.models.assessment import LevelSummary
from store.models.plan import PlanState
from store.people import aware
from store.privacy import erase_person, export_person
from tests.tab_fixtures import finish, seed_tab_organisation

AT = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
YEAR_2026 = dict(start=datetime(2026, 1, 1, tzinfo=timezone.utc), end=datetime(2027, 1, 1, tzinfo=timezone.utc))


@pytest.fixture
def people(db, tmp_path):
    return seed_tab_organisation(db, tmp_path, assessed_at=AT)


def _rows(db) -> dict[int, tuple]:
    with db.session() as session:
        return {row.assessment_id: (row.person_id, aware(row.finished_at),
                                    aware(row.superseded_at) if row.superseded_at else None,
                                    level_summary.decode(row.levels))
                for row in session.exec(select(LevelSummary))}


def _rebuilt(db) -> dict[int, tuple]:
    """The rows as store.level_summary.rebuild writes them from assessment and assessment_level (rolled back)."""
    with db.session() as session:
        level_summary.rebuild(session)
        session.flush()
        rows = {row.assessment_id: (row.person_id, aware(row.finished_at),
                                    aware(row.superseded_at) if row.superseded_at else None,
                                    level_summary.decode(row.levels))
                for row in session.exec(select(LevelSummary))}
        session.rollback()
    return rows


def _heatmap(db, **period):
    with db.session() as session:
        organisation_id = organisation_by_key(session, "stockholm-kultur").id
        return reports.heatmap_counts(session, reports.ReportFilter(organisation_id, **(period or YEAR_2026)))


def _library(db) -> int:
    with db.session() as session:
        units = reports.organisation_units(session, organisation_id=organisation_by_key(session, "stockholm-kultur").id)
    return next(unit.id for unit in units.values() if unit.name == "Stadsbiblioteket")


def _level_of(unit_counts, competence="1.1") -> dict[int, int]:
    """People per level of one competence in one unit's counts."""
    found: dict[int, int] = {}
    for (key, level, _below), people in unit_counts.items():
        if key == competence:
            found[level] = found.get(level, 0) + people
    return found


def test_finishing_an_assessment_writes_the_row_the_rebuild_writes(db, people):
    anna = people["s1"]
    finish(db, anna.person_id, at=AT + timedelta(days=30), levels={"1.1": 8, "1.2": None, "2.1": 0})
    rows = _rows(db)
    assert len(rows) == 16  # the 15 people assessed in the organisation, and Anna twice
    assert rows == _rebuilt(db)
    latest = max(row for row in rows.values() if row[0] == anna.person_id)
    assert latest[3] == {"1.1": 8, "2.1": 0}  # the level marked not relevant is left out, level 0 is kept
    first = [row for row in rows.values() if row[0] == anna.person_id and row[1] == AT][0]
    assert first[2] == AT + timedelta(days=30)  # superseded when she finished the next one


def test_an_assessment_dated_before_an_earlier_one_slots_into_the_chain(db, people):
    anna = people["s1"]
    finish(db, anna.person_id, at=AT + timedelta(days=60), levels={"1.1": 8})
    finish(db, anna.person_id, at=AT + timedelta(days=30), levels={"1.1": 1})  # dated between the two
    assert _rows(db) == _rebuilt(db)
    library = _library(db)
    histogram, _ = _heatmap(db)
    assert _level_of(histogram[library]) == {3: 2, 4: 1, 6: 1, 8: 1}  # the latest (8) replaced her 2
    histogram, _ = _heatmap(db, start=YEAR_2026["start"], end=AT + timedelta(days=45))
    assert _level_of(histogram[library]) == {1: 1, 3: 2, 4: 1, 6: 1}  # in that period the latest is the 1


def test_a_later_assessment_after_the_period_leaves_the_earlier_one_counted_in_it(db, people):
    finish(db, people["s1"].person_id, at=datetime(2027, 2, 1, tzinfo=timezone.utc), levels={"1.1": 8})
    histogram, sizes = _heatmap(db)
    assert sum(sizes.values()) == 15
    assert _level_of(histogram[_library(db)]) == {2: 1, 3: 2, 4: 1, 6: 1}  # Anna's 2 of 2026 still counts


def test_agreeing_levels_in_a_plan_leaves_the_summary_and_the_heatmap_on_the_self_assessment(db, people):
    anna, karin = people["s1"], people["karin"]
    before = _heatmap(db)
    with db.session() as session:
        plan = plans.create_plan(session, person_id=anna.person_id, period=2026, assessment_id=None, now=AT)
        plan = plans.change_state(session, plan, to=PlanState.SENT, expected_version=plan.version,
                                  actor_person_id=anna.person_id, now=AT, sent_at=AT)
        plans.review_edit(session, plan, expected_version=plan.version, reviewer_person_id=karin.person_id, now=AT,
                          priorities=[{"competence": "1.1", "level": 2, "target": 4, "agreed_level": 5}])
    assert _heatmap(db) == before
    assert _rows(db) == _rebuilt(db)


def test_the_retention_job_deletes_the_summary_rows_of_the_assessments_it_deletes(db, people):
    anna = people["s1"]
    old = AT - timedelta(days=6 * 365)
    old_id = finish(db, anna.person_id, at=old, levels={"1.1": 1})
    assert old_id in _rows(db)
    with db.session() as session:
        result = reports.delete_old_records(session, cutoff=reports.years_before(AT, 5), now=AT, actor="test")
    assert result.assessments == 1
    rows = _rows(db)
    assert old_id not in rows and len(rows) == 15
    assert rows == _rebuilt(db)


def test_the_export_shows_the_summary_rows_and_erasure_deletes_them(db, people):
    anna = people["s1"]
    with db.session() as session:
        export = export_person(session, person_id=anna.person_id, actor="test")
    assert [level_summary.decode(row["levels"])["1.1"] for row in export["level_summaries"]] == [2]
    with db.session() as session:
        counts = erase_person(session, person_id=anna.person_id, actor="test")
    assert counts["level_summaries"] == 1
    rows = _rows(db)
    assert all(row[0] != anna.person_id for row in rows.values()) and rows == _rebuilt(db)
    _, sizes = _heatmap(db)
    assert sum(sizes.values()) == 14


def test_the_migration_fills_the_summary_from_existing_assessments_as_the_bot_writes_it(db, people):
    anna = people["s1"]
    finish(db, anna.person_id, at=AT + timedelta(days=60), levels={"1.1": 8, "1.2": None})
    finish(db, anna.person_id, at=AT + timedelta(days=30), levels={"1.1": 1})
    written = _rows(db)
    script = ScriptDirectory.from_config(alembic_config(db.url))
    before = script.get_revision("0014_level_summary").down_revision
    db.dispose()
    downgrade(db.url, before)
    upgrade(db.url)
    assert _rows(db) == written


def test_competence_keys_are_percent_encoded_and_counted_back_as_they_were():
    levels = {"1.1": 3, "a b": 2, "x=y": 5, "50%": 1, "none": None}
    text = level_summary.encode(levels)
    assert len(text.split()) == 4 and "none" not in text
    assert level_summary.decode(text) == {"1.1": 3, "a b": 2, "x=y": 5, "50%": 1}
    assert "1.1=3" in text.split()
