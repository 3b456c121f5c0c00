"""The survey's store on SQLite and PostgreSQL: finished answers wait in a pending batch and move shuffled
into the answers, closing coarsens units to reported groups and wipes what could link a draft to anyone,
one answer per person, and a round's results compared with the previous round and the reference group."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from dialogs.survey import coarsen, results_view
from store import survey
from store.directory import save_organisation
from store.models.core import Person
from store.models.directory import Unit
from store.models.survey import RoundStatus, SurveyDraft, SurveyPending, SurveyResponse

NOW = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
TODAY = date(2026, 10, 1)
OPENS, CLOSES = date(2026, 10, 1), date(2026, 10, 31)


def _answers(value: int) -> dict[str, int]:
    return {statement: value for statement in survey.load_survey_instrument().statement_ids}


def _organisation(session, key: str, *, reference: bool = False):
    organisation, _ = save_organisation(session, key=key, name=key.title(), reference_group=reference)
    kf = Unit(organisation_id=organisation.id, code="KF", name="Förvaltningen")
    session.add(kf)
    session.flush()
    units = {"KF": kf}
    for code, name in (("SSB", "Stadsbiblioteket"), ("KH", "Kulturhuset")):
        units[code] = Unit(organisation_id=organisation.id, code=code, name=name, parent_id=kf.id)
        session.add(units[code])
    session.flush()
    return organisation, units


def _round(session, organisation, *, opens=date(2026, 10, 1), closes=date(2026, 10, 31)):
    survey_round = survey.schedule_round(session, organisation=organisation, opens_on=opens, closes_on=closes,
                                         min_group=5, now=NOW)
    survey.mark_open(session, survey_round, now=NOW)
    return survey_round


_people = iter(range(1, 10_000))


def _finish(session, survey_round, unit_id, value: int, text: str | None = None) -> int:
    person = Person(tenant_id="t", teams_user_id=f"29:{next(_people)}")
    session.add(person)
    session.flush()
    survey.ensure_invitation(session, round_id=survey_round.id, person_id=person.id, unit_id=unit_id, today=TODAY)
    survey.start_draft(session, survey_round, person.id)
    survey.record_finished(session, survey_round, person_id=person.id, unit_id=unit_id, answers=_answers(value),
                           free_text=text, today=TODAY)
    return person.id


def test_finished_answers_wait_in_a_pending_batch_and_move_shuffled_once_ten_have_come(db):
    with db.session() as session:
        organisation, units = _organisation(session, "org")
        survey_round = _round(session, organisation)
        for value in range(1, 10):
            _finish(session, survey_round, units["SSB"].id, value % 5 + 1)
        assert session.exec(select(SurveyResponse)).all() == []
        assert len(session.get(SurveyPending, survey_round.id).answers) == 9
        assert session.exec(select(SurveyDraft)).all() == [], "a finished answer leaves no draft"
        _finish(session, survey_round, units["SSB"].id, 3)
        written = session.exec(select(SurveyResponse)).all()
        assert len(written) == 10 and session.get(SurveyPending, survey_round.id).answers == []
        assert all(set(row.answers) == set(_answers(1)) for row in written)


def test_a_second_finish_by_the_same_person_is_refused(db):
    with db.session() as session:
        organisation, units = _organisation(session, "org")
        survey_round = _round(session, organisation)
        person_id = _finish(session, survey_round, units["SSB"].id, 4)
        with pytest.raises(survey.AlreadyAnswered):
            survey.record_finished(session, survey_round, person_id=person_id, unit_id=units["SSB"].id,
                                   answers=_answers(1), free_text=None, today=TODAY)


def test_closing_names_each_answer_by_its_reported_group_and_wipes_drafts_and_the_secret(db):
    with db.session() as session:
        organisation, units = _organisation(session, "org")
        survey_round = _round(session, organisation)
        for unit, count in (("SSB", 6), ("KH", 3), ("KF", 2)):
            for _ in range(count):
                _finish(session, survey_round, units[unit].id, 4)
        survey.start_draft(session, survey_round, 999_999)
        survey.close_round(session, survey_round, now=NOW, coarsen=coarsen)
        assert survey_round.status == RoundStatus.CLOSED and survey_round.draft_secret is None
        assert survey_round.answer_count == 11
        per_unit = {}
        for row in session.exec(select(SurveyResponse)):
            per_unit[row.unit_id] = per_unit.get(row.unit_id, 0) + 1
        assert per_unit == {units["SSB"].id: 6, units["KF"].id: 5}
        assert session.exec(select(SurveyDraft)).all() == []


def test_cancelling_an_open_round_discards_its_answers(db):
    with db.session() as session:
        organisation, units = _organisation(session, "org")
        survey_round = _round(session, organisation)
        for _ in range(12):
            _finish(session, survey_round, units["SSB"].id, 2)
        survey.cancel_round(session, round_id=survey_round.id)
        assert session.exec(select(SurveyResponse)).all() == []
        assert survey_round.status == RoundStatus.CANCELLED


def test_results_compare_with_last_year_and_the_reference_organisation(db):
    with db.session() as session:
        organisation, units = _organisation(session, "stockholm")
        reference, reference_units = _organisation(session, "nacka", reference=True)
        last_year = _round(session, organisation, opens=date(2025, 10, 1), closes=date(2025, 10, 31))
        for _ in range(5):
            _finish(session, last_year, units["SSB"].id, 3)
        survey.close_round(session, last_year, now=NOW, coarsen=coarsen)
        this_year = _round(session, organisation)
        for _ in range(6):
            _finish(session, this_year, units["SSB"].id, 4)
        survey.close_round(session, this_year, now=NOW, coarsen=coarsen)
        theirs = _round(session, reference)
        for _ in range(5):
            _finish(session, theirs, reference_units["KH"].id, 5, text="Nackas fritext")
        survey.close_round(session, theirs, now=NOW, coarsen=coarsen)

        view = results_view(session, this_year, "sv", coordinator=True)
        assert view.overall == 4.0 and view.overall_change == pytest.approx(1.0)
        assert view.previous_closes_on == date(2025, 10, 31)
        assert view.reference_name == "Nacka" and view.reference_overall == 5.0
        assert {(row.mean, row.change, row.reference) for row in view.dimensions} == {(4.0, 1.0, 5.0)}
        assert view.free_texts == [], "another organisation's free text never shows"
        employee = results_view(session, this_year, "sv", coordinator=False)
        assert employee.reference_name is None and employee.groups == [] and employee.free_texts == []


def test_the_export_has_the_change_and_the_reference_and_writes_xlsx(db, tmp_path):
    import argparse
    import io

    from openpyxl import load_workbook

    from bot.cli import survey as survey_cli
    from dialogs.config import DialogConfig

    with db.session() as session:
        organisation, units = _organisation(session, "stockholm")
        reference, reference_units = _organisation(session, "nacka", reference=True)
        for opens, closes, value in ((date(2025, 10, 1), date(2025, 10, 31), 2), (OPENS, CLOSES, 4)):
            survey_round = _round(session, organisation, opens=opens, closes=closes)
            for _ in range(5):
                _finish(session, survey_round, units["SSB"].id, value)
            survey.close_round(session, survey_round, now=NOW, coarsen=coarsen)
        theirs = _round(session, reference)
        for _ in range(5):
            _finish(session, theirs, reference_units["KH"].id, 3)
        survey.close_round(session, theirs, now=NOW, coarsen=coarsen)
        this_year = survey_round.id
    out = tmp_path / "resultat.xlsx"
    assert survey_cli.run(argparse.Namespace(survey_command="export", round=this_year, out=str(out)), db,
                          DialogConfig(), out=io.StringIO()) == 0
    sheet = load_workbook(out)["Resultat"]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    first = dict(zip(header, rows[0]))
    assert (first["group"], first["dimension"], first["mean"], first["change_since_previous"],
            first["reference_mean"]) == ("Stockholm (total)", "capability", 4, 2, 3)
    assert len(rows) == 8, "one group only: the organisation"


def test_a_round_whose_whole_period_passed_while_nothing_ran_is_closed_not_left_waiting(db, job_context):
    from scheduler.jobs import run_survey_rounds

    with db.session() as session:
        organisation, _ = _organisation(session, "org")
        round_id = survey.schedule_round(session, organisation=organisation, opens_on=OPENS, closes_on=CLOSES,
                                         min_group=5, now=NOW).id
    job_context.clock.set(datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc))
    run_survey_rounds(job_context)
    with db.session() as session:
        closed = survey.get_round(session, round_id)
        assert (closed.status, closed.answer_count, closed.draft_secret) == (RoundStatus.CLOSED, 0, None)
