"""The answers of an assessment: which items an area has, the order of the cards, where an answer or "fortsätt"
leads, and levels from the answers."""

import pytest

from dialogs.rules.answers import (
    LONG_VALUES, SHORT_VALUES, allowed_values, area_items, area_is_complete, competence_view,
    first_incomplete_area, levels_from_answers, long_steps, next_unanswered_step, short_resume_step, short_steps,
    statement_view,
)
from store.digcomp import CURRENT_INSTRUMENT, load_framework, load_instrument

INSTRUMENT = load_instrument(CURRENT_INSTRUMENT)
FRAMEWORK = load_framework(INSTRUMENT.framework_version)


def all_answers(mode, value_for):
    answers = {}
    for index in range(5):
        for item_id in area_items(CURRENT_INSTRUMENT, mode, index).item_ids:
            answers[item_id] = value_for(item_id)
    return answers


@pytest.mark.parametrize(("index", "competences"), [(0, 3), (1, 6), (2, 4), (3, 4), (4, 4)])
def test_each_area_has_four_statements_per_competence_in_long_mode_and_one_item_in_short(index, competences):
    long_items = area_items(CURRENT_INSTRUMENT, "long", index)
    short_items = area_items(CURRENT_INSTRUMENT, "short", index)

    assert len(long_items.item_ids) == 4 * competences
    assert len(short_items.item_ids) == competences
    assert long_items.area_key == short_items.area_key == FRAMEWORK.areas[index].key
    assert set(long_items.competence_of.values()) == set(short_items.competence_of.values())


def test_short_mode_accepts_its_own_values_and_not_the_long_scale():
    assert "h" in allowed_values("short") and "2" not in allowed_values("short")
    assert "2" in allowed_values("long") and "h" not in allowed_values("long")
    assert set(SHORT_VALUES) - set(LONG_VALUES) == {"f", "i", "a", "h"}


def test_long_answers_give_levels_by_the_scoring_rule_and_not_relevant_gives_none():
    # Intermediate reached with "guide others": its upper level 4; advanced "with help" adds nothing.
    group_answer = {"f": "2", "i": "3", "a": "1", "h": "0"}
    answers = all_answers("long", lambda item_id: group_answer[item_id[-1]])
    for letter in "fiah":
        answers[f"c4_4_{letter}"] = "na"

    levels = levels_from_answers(INSTRUMENT, FRAMEWORK, "long", answers)

    assert len(levels) == 21
    assert levels["1.1"] == 4 and levels["5.4"] == 4
    assert levels["4.4"] is None


def test_short_answers_give_the_level_of_doing_the_chosen_group_on_ones_own():
    choices = {"s1_1": "0", "s1_2": "f", "s1_3": "i", "s2_1": "a", "s2_2": "h", "s2_3": "na"}
    answers = all_answers("short", lambda item_id: choices.get(item_id, "i"))

    levels = levels_from_answers(INSTRUMENT, FRAMEWORK, "short", answers)

    assert [levels[k] for k in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3")] == [0, 2, 3, 5, 7, None]


def test_first_incomplete_area_is_where_an_answer_is_missing_or_the_area_count_when_done():
    answers = all_answers("short", lambda _: "i")
    assert first_incomplete_area(CURRENT_INSTRUMENT, "short", answers, 5) == 5

    del answers["s3_2"]
    assert first_incomplete_area(CURRENT_INSTRUMENT, "short", answers, 5) == 2
    assert not area_is_complete(area_items(CURRENT_INSTRUMENT, "short", 2), answers)
    assert first_incomplete_area(CURRENT_INSTRUMENT, "short", {}, 5) == 0


def test_the_long_modes_statements_come_area_by_area_each_numbered_within_its_area():
    steps = long_steps(CURRENT_INSTRUMENT)

    assert [s.statement_id for s in steps] == [i for a in range(5) for i in area_items(CURRENT_INSTRUMENT, "long",
                                                                                      a).item_ids]
    assert [(s.area_index, s.number_in_area, s.area_size) for s in (steps[0], steps[11], steps[12], steps[83])] == [
        (0, 1, 12), (0, 12, 12), (1, 1, 24), (4, 16, 16)]
    view = statement_view(CURRENT_INSTRUMENT, 12, "sv")
    assert (view.area_key, view.competence_key, view.question) == ("2", "2.1", "Hur gör du det i dag?")
    assert [value for _, value in view.choices] == list(LONG_VALUES)


def test_after_an_answer_comes_the_first_unanswered_statement_after_it_then_any_before_it():
    ids = [s.statement_id for s in long_steps(CURRENT_INSTRUMENT)]
    answered = {i: "2" for i in ids[:20]}

    assert next_unanswered_step(CURRENT_INSTRUMENT, answered, 19) == 20
    assert next_unanswered_step(CURRENT_INSTRUMENT, answered, 5) == 20, "after going back: on where one was"
    assert next_unanswered_step(CURRENT_INSTRUMENT, {i: "2" for i in ids[1:]}, 83) == 0
    assert next_unanswered_step(CURRENT_INSTRUMENT, {i: "na" for i in ids}, 83) is None


def test_the_short_modes_competences_come_area_by_area_each_numbered_within_its_area():
    steps = short_steps(CURRENT_INSTRUMENT)

    assert [s.statement_id for s in steps] == [f"s{c.key.replace('.', '_')}" for c in FRAMEWORK.competences]
    assert [(s.area_index, s.number_in_area, s.area_size) for s in (steps[0], steps[2], steps[3], steps[20])] == [
        (0, 1, 3), (0, 3, 3), (1, 1, 6), (4, 4, 4)]
    view = competence_view(CURRENT_INSTRUMENT, 3, "sv")
    assert (view.area_key, view.competence_key, view.item_id) == ("2", "2.1", "s2_1")
    assert [value for _, value in view.choices] == list(SHORT_VALUES)
    assert next_unanswered_step(CURRENT_INSTRUMENT, {"s1_1": "f"}, 0, "short") == 1


def test_a_short_assessment_resumes_at_its_card_or_the_first_unanswered_competence_after_it():
    ids = [s.statement_id for s in short_steps(CURRENT_INSTRUMENT)]
    answered = {i: "i" for i in ids[:7]}

    assert short_resume_step(CURRENT_INSTRUMENT, answered, 7) == 7
    assert short_resume_step(CURRENT_INSTRUMENT, answered, 2) == 7, "after going back: the first unanswered"
    assert short_resume_step(CURRENT_INSTRUMENT, {}, 0) == 0


@pytest.mark.parametrize(("area_index", "areas_answered", "resumes_at"), [
    (0, 0, "s1_1"), (1, 1, "s2_1"), (2, 2, "s3_1"), (3, 3, "s4_1"), (4, 4, "s5_1"),
    (1, 4, "s5_1"),  # went back to area 2 with four areas answered
])
def test_a_short_assessment_saved_area_by_area_resumes_at_the_first_competence_of_its_first_unanswered_area(
        area_index, areas_answered, resumes_at):
    """Before one competence per card, a short assessment's `area_index` was an area and whole areas were saved."""
    answers = {i: "a" for a in range(areas_answered) for i in area_items(CURRENT_INSTRUMENT, "short", a).item_ids}

    step = short_resume_step(CURRENT_INSTRUMENT, answers, area_index)

    assert short_steps(CURRENT_INSTRUMENT)[step].statement_id == resumes_at
