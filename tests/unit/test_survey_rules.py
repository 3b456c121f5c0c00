"""The survey's pure rules and data: the instrument file, the reminder calendar, and the results (means,
distributions, "don't know", suppression of figures, change and reference differences)."""

from __future__ import annotations

import json
from datetime import date

from dialogs.rules.survey_results import Answer, compute_results, differences, person_score
from dialogs.rules.survey_schedule import default_period, reminder_dates, reminder_due, should_close
from store.survey import DATA_DIR, load_survey_instrument


def test_the_instrument_has_the_dimensions_of_dimios_and_dmat_with_four_to_six_statements_in_both_languages():
    instrument = load_survey_instrument()
    assert [d.key for d in instrument.dimensions] == ["capability", "legacy", "strategy", "readiness", "human",
                                                      "data", "interoperability", "green"]
    assert {d.source for d in instrument.dimensions[:2]} == {"dimios"}
    assert {d.source for d in instrument.dimensions[2:]} == {"dmat"}
    assert set(instrument.sources) == {"dimios", "dmat"}
    for dimension in instrument.dimensions:
        assert 4 <= len(dimension.statements) <= 6, dimension.key
        assert dimension.title["sv"] and dimension.title["en"] and dimension.source_dimension
        for statement in dimension.statements:
            assert statement.text["sv"].strip() and statement.text["en"].strip()
            assert statement.id.startswith(dimension.key + ".")
    assert len(set(instrument.statement_ids)) == len(instrument.statement_ids)
    assert instrument.scale_labels["sv"][0] == "Instämmer inte alls" and len(instrument.scale_labels["en"]) == 5
    assert instrument.dont_know == {"sv": "Vet ej", "en": "Don't know"}
    assert instrument.free_text_question["sv"].endswith("(frivilligt)")
    raw = json.loads((DATA_DIR / "instrument_2026_1.json").read_text(encoding="utf-8"))
    assert raw["version"] == instrument.version == "2026.1"


def test_reminders_come_7_and_14_days_after_opening_and_2_days_before_closing():
    assert reminder_dates(date(2026, 10, 1), date(2026, 10, 31)) == [
        ("day7", date(2026, 10, 8)), ("day14", date(2026, 10, 15)), ("closing", date(2026, 10, 29))]
    # A short round: the 14-day reminder falls after closing, and the closing one on day 7 is one reminder.
    assert reminder_dates(date(2026, 10, 1), date(2026, 10, 10)) == [("day7", date(2026, 10, 8))]


def test_a_job_that_missed_a_reminder_sends_only_the_one_due_now_and_none_outside_the_round():
    opens, closes = date(2026, 10, 1), date(2026, 10, 31)
    assert reminder_due(opens, closes, date(2026, 10, 7)) is None
    assert reminder_due(opens, closes, date(2026, 10, 8)) == ("day7", date(2026, 10, 8))
    assert reminder_due(opens, closes, date(2026, 10, 16)) == ("day14", date(2026, 10, 15))
    assert reminder_due(opens, closes, date(2026, 10, 31)) == ("closing", date(2026, 10, 29))
    assert reminder_due(opens, closes, date(2026, 11, 1)) is None
    assert not should_close(closes, closes) and should_close(closes, date(2026, 11, 1))


def test_the_default_round_is_october():
    assert default_period(date(2026, 3, 4)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert default_period(date(2026, 10, 12)) == (date(2026, 10, 12), date(2026, 10, 31))
    assert default_period(date(2026, 11, 1)) == (date(2027, 10, 1), date(2027, 10, 31))


DIMENSIONS = [("a", ["a.1", "a.2"]), ("b", ["b.1", "b.2"])]
PARENTS = {1: None, 2: 1, 3: 1}


def _answers(unit, a, b, n, text=None):
    return [Answer(unit, {"a.1": a, "a.2": a, "b.1": b, "b.2": b}, text) for _ in range(n)]


def test_a_persons_score_leaves_out_dont_know():
    assert person_score({"a.1": 4, "a.2": 0}, ["a.1", "a.2"]) == 4
    assert person_score({"a.1": 0, "a.2": 0}, ["a.1", "a.2"]) is None


def test_results_per_group_with_means_distributions_and_response_rates():
    answers = _answers(2, 4, 2, 6, "bra") + _answers(3, 2, 2, 5)
    result = compute_results(dimensions=DIMENSIONS, answers=answers, parents=PARENTS,
                             register={2: (8, 6), 3: (5, 5), 1: (2, 0)}, k=5)
    assert result.shown and result.answered == 11 and result.invited == 15
    library = result.group(2)
    assert (library.answered, library.invited, library.dimensions["a"].mean) == (6, 8, 4.0)
    assert library.dimensions["a"].distribution == (0, 0, 0, 12, 0)
    assert result.group(3).dimensions["a"].mean == 2.0
    assert result.organisation.dimensions["a"].mean == (6 * 4 + 5 * 2) / 11
    assert result.group(1) is None, "nobody answered in unit 1 itself"
    assert result.free_texts == {2: ("bra",) * 6}


def test_a_dimension_answered_dont_know_by_too_many_is_hidden_in_that_group_and_a_sibling_with_it():
    # Unit 3: 5 respondents but only 3 gave a real answer in dimension b; unit 2 must then be hidden in b too,
    # or b of unit 3 would follow from the organisation's b minus unit 2's.
    answers = _answers(2, 4, 4, 6) + _answers(3, 3, 3, 3) + _answers(3, 3, 0, 2)
    result = compute_results(dimensions=DIMENSIONS, answers=answers, parents=PARENTS, register={}, k=5)
    assert result.group(3).dimensions["b"].mean is None and result.group(2).dimensions["b"].mean is None
    assert result.group(3).dimensions["a"].mean == 3.0 and result.group(2).dimensions["a"].mean == 4.0
    assert result.organisation.dimensions["b"].mean == (6 * 4 + 3 * 3) / 9
    assert result.group(2).overall is None


def test_fewer_answers_than_the_threshold_show_nothing():
    result = compute_results(dimensions=DIMENSIONS, answers=_answers(2, 4, 4, 4), parents=PARENTS,
                             register={2: (10, 4)}, k=5)
    assert not result.shown and result.organisation is None and result.groups == () and result.free_texts == {}


def test_differences_only_where_both_figures_are_shown():
    now = compute_results(dimensions=DIMENSIONS, answers=_answers(2, 4, 3, 5), parents=PARENTS, register={}, k=5)
    before = compute_results(dimensions=DIMENSIONS, answers=_answers(2, 3, 3, 5) + _answers(3, 5, 0, 5),
                             parents=PARENTS, register={}, k=5)
    change = differences(now.organisation, before.organisation)
    assert change == {"a": 4 - 4.0, "b": 0.0}
    assert differences(now.organisation, None) == {}
